/**
 * Issue 8: two `ansinh serve` (webhook mode) and three `ansinh worker` processes on one machine,
 * one PostgreSQL database (a scratch database on the shared server, dropped afterwards), one
 * Redis (a unique key prefix) and the fake Telegram (in this process, recording every call).
 * Shown: no duplicate digest and no duplicate broadcast delivery.
 *
 *   - A broadcast to 300 opted-in Telegram chats, queued once: the three workers race for the
 *     fan-out job, relay the outbox rows with SKIP LOCKED and send from three queue workers → each
 *     chat gets exactly one message, the report says 300 sent.
 *   - Digests: a worker's digest tick runs every 5 minutes on the wall clock for today's date and
 *     has no setting to run sooner (WorkerOptions.digestCron is not read from the environment),
 *     and the date cannot be moved in a child process. So the same code path (runDigests, with its
 *     unique (officer, day) key written in the transaction that queues the messages) is started
 *     from three `ansinh digest run --date 2022-01-24` processes at once (held on a lock of the
 *     Digest table until all three wait on it, then let go together), while the three workers
 *     deliver → each officer gets exactly one digest. (Digest rows for the real today, yesterday
 *     and tomorrow are written first so a worker's own tick, should one fire during the test,
 *     finds nothing due and cannot add a second message.)
 *   - The same Telegram update posted to both serve processes, three times in all → one reply.
 *
 * Needs real PostgreSQL: skipped without ANSINH_TEST_DATABASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrator.js';
import { deriveKeys } from '../../src/shared/secrets.js';
import { createLogger } from '../../src/shared/log.js';
import { localDateAt } from '../../src/calendar/local-date.js';
import { broadcastProgress, createBroadcast, startBroadcast } from '../../src/broadcasts/broadcast.service.js';
import { BroadcastJobs } from '../../src/jobs/broadcast-jobs.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { textUpdate } from '../fixtures/telegram/updates.js';
import { postgresUrl } from '../helpers/db.js';
import { seedAudience } from '../helpers/broadcast-crash.js';
import { pause } from '../helpers/wait.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RECIPIENTS = 300;
const OFFICERS = 12;
const DIGEST_DATE = '2022-01-24';
const SECRET = 'multi-process-webhook-secret-0123';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Child {
  name: string;
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

const children: Child[] = [];
const killAll = () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
};
process.once('exit', killAll);

let admin: pg.Client;
let dbName = '';
let db: Database | null = null;
let tg: FakeTelegram;
let env: Record<string, string>;
const prefix = `test:${randomUUID()}:`;

function run(name: string, args: string[]): Child {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/ansinh.js'), ...args], { cwd: ROOT, env });
  let out = '';
  proc.stdout!.on('data', (d) => (out += String(d)));
  proc.stderr!.on('data', (d) => (out += String(d)));
  const c = { name, proc, out: () => out, exited: new Promise<number | null>((r) => proc.once('exit', (code) => r(code))) };
  children.push(c);
  return c;
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 90_000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; output:\n${children.map((c) => `--- ${c.name}\n${c.out().slice(-1500)}`).join('\n')}`);
    await pause(100);
  }
}

beforeAll(async () => {
  if (!postgresUrl) return;
  dbName = `ansinh_mp_${randomBytes(4).toString('hex')}`;
  admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${dbName}`;
  db = await openDatabase({ url: url.toString() });
  await migrate(db.sql);
  tg = new FakeTelegram({ globalPerSecond: 1000 });
  const tgRoot = await tg.start();
  const secret = `mp-secret-${randomBytes(16).toString('hex')}`;
  env = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn',
    ANSINH_DATA_DIR: mkdtempSync(join(tmpdir(), 'ansinh-mp-')), ANSINH_REDIS_PREFIX: prefix, ANSINH_SECRET_KEY: secret, REDIS_URL,
    DATABASE_URL: url.toString(),
    TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tgRoot, TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_RATE_PER_SECOND: '500',
  };
}, 120_000);

afterAll(async () => {
  // SIGTERM: each process stops cleanly; anything still up after 25 s is killed.
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  await Promise.race([Promise.all(children.map((c) => c.exited)), pause(25_000)]);
  killAll();
  await Promise.all(children.map((c) => c.exited));
  await db?.close();
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
  await tg?.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}, 60_000);

describe.skipIf(!postgresUrl)('two web and three worker processes', () => {
  it('should deliver each broadcast message and each digest exactly once, and answer a webhook update posted to both web processes once', async () => {
    const sql = db!.sql;
    const chats = Array.from({ length: RECIPIENTS }, (_, i) => String(8_300_000 + i));
    await seedAudience(db!, chats, []);
    const [area] = await sql.query<{ id: number }>(`SELECT id FROM "Area" WHERE code = '99999'`);
    const officerChats: string[] = [];
    const now = new Date();
    const days = [-1, 0, 1].map((d) => localDateAt(new Date(now.getTime() + d * 86_400_000)));
    for (let i = 0; i < OFFICERS; i++) {
      const [o] = await sql.query<{ id: number }>(`INSERT INTO "Officer" (name, role, "areaId", "digestTime", "updatedAt") VALUES ($1, 'commune', $2, '00:00', now()) RETURNING id`, [`Cán bộ ${i}`, area!.id]);
      officerChats.push(String(8_400_000 + i));
      await sql.query(`INSERT INTO "ChannelIdentity" (channel, "externalId", "officerId", "updatedAt") VALUES ('telegram', $1, $2, now())`, [officerChats[i], o!.id]);
      for (const d of days) await sql.query(`INSERT INTO "Digest" ("officerId", date, summary) VALUES ($1, $2::date, '{}'::jsonb) ON CONFLICT DO NOTHING`, [o!.id, d]);
    }

    const t0 = Date.now();
    const webs = [run('serve-1', ['serve', '--port', '0']), run('serve-2', ['serve', '--port', '0'])];
    const workers = [1, 2, 3].map((n) => run(`worker-${n}`, ['worker']));
    await until(() => webs.every((w) => /listening: web chat at http/.test(w.out())) && workers.every((w) => /ansinh worker: queues telegram/.test(w.out())), 'the five processes to start');
    const bases = webs.map((w) => /listening: web chat at (http:\/\/\S+)\/chat/.exec(w.out())![1]!);
    const started = (Date.now() - t0) / 1000;

    // The broadcast, queued once.
    const actor = { actor: 'admin:mp', areaPath: '/' };
    const b = await createBroadcast(sql, { titleVi: 'Nhiều tiến trình', textVi: 'Thông báo chung gửi bởi ba worker.', audience: { citizens: true, officers: false } }, { ...actor, keys: deriveKeys(env.ANSINH_SECRET_KEY!) });
    await startBroadcast(sql, b.id, actor);
    const jobs = new BroadcastJobs({ redisUrl: REDIS_URL, prefix, log: createLogger({ level: 'silent' }) });
    await jobs.enqueue(b.id);
    await jobs.close();

    // Three digest runs racing on the same officers and date. To make it a real race, not three
    // runs one after the other, the Digest table is locked until all three are waiting on it.
    const locker = new pg.Client({ connectionString: env.DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE "Digest" IN ACCESS EXCLUSIVE MODE');
    const digestRuns = [1, 2, 3].map((n) => run(`digest-${n}`, ['digest', 'run', '--date', DIGEST_DATE]));
    try {
      await until(async () => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = '"Digest"'::regclass AND NOT granted`))[0]!.n >= 3, 'the three digest runs to wait on the Digest table');
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }

    // The same update to both web processes (A, B, A), and one ordinary message to each.
    const post = (base: string, update: unknown) =>
      fetch(`${base}/webhooks/telegram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: JSON.stringify(update) });
    const twice = textUpdate(8_500_001, 'menu');
    const statuses = await Promise.all([post(bases[0]!, twice), post(bases[1]!, twice), post(bases[0]!, twice)].map(async (p) => (await p).status));
    expect(statuses).toEqual([200, 200, 200]);
    for (const [i, base] of bases.entries()) expect((await post(base, textUpdate(8_500_010 + i, 'xin chào'))).status).toBe(200);

    const codes = await Promise.all(digestRuns.map((d) => d.exited));
    expect(codes, digestRuns.map((d) => d.out()).join('\n')).toEqual([0, 0, 0]);
    const queuedBy = digestRuns.map((d) => Number(/queued (\d+) digests/.exec(d.out())?.[1] ?? NaN));
    // How many runs found the officers still without a digest (a real race when more than one did).
    const sawDue = digestRuns.map((d) => Number(/: (\d+) officers without a digest yet/.exec(d.out())?.[1] ?? NaN));

    const broadcastTo = (chat: string) => tg.sentTo(chat).filter((m) => m.text.includes(b.verifyCode)).length;
    await until(() => chats.every((c) => broadcastTo(c) > 0) && officerChats.every((c) => tg.sentTo(c).length > 0) && tg.sentTo(8_500_001).length > 0 && tg.sentTo(8_500_010).length > 0 && tg.sentTo(8_500_011).length > 0, 'every message');
    const delivered = (Date.now() - t0) / 1000;
    await until(async () => (await broadcastProgress(sql, b.id)).all.queued === 0, 'the broadcast report to settle', 30_000);
    await pause(2000); // a duplicate would arrive within this

    const perChat = chats.map(broadcastTo);
    const perOfficer = officerChats.map((c) => tg.sentTo(c).length);
    const sends = tg.calls.filter((c) => c.method === 'sendMessage' && c.status === 200);
    const progress = await broadcastProgress(sql, b.id);
    const digests = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Digest" WHERE date = $1::date`, [DIGEST_DATE]);
    console.log(`multi-process: 5 processes up in ${started.toFixed(1)} s; ${RECIPIENTS} broadcast recipients and ${OFFICERS} officers reached ${delivered.toFixed(1)} s after the start; broadcast messages per chat ${Math.min(...perChat)}-${Math.max(...perChat)}; digests per officer ${Math.min(...perOfficer)}-${Math.max(...perOfficer)}; the three digest runs found ${sawDue.join(', ')} officers due and queued ${queuedBy.join(' + ')}; ${sends.length} messages sent in all`);
    expect(perChat.every((n) => n === 1)).toBe(true);
    expect(perOfficer.every((n) => n === 1)).toBe(true);
    expect(officerChats.every((c) => tg.sentTo(c)[0]!.text.includes('24/01/2022'))).toBe(true);
    expect(queuedBy.reduce((a, n) => a + n, 0)).toBe(OFFICERS);
    // At least two runs raced for every officer (all three unless a worker's own tick, on a
    // 5-minute boundary, happened to be one of the three waiting on the lock).
    expect(sawDue.every((n) => n === 0 || n === OFFICERS)).toBe(true);
    expect(sawDue.filter((n) => n === OFFICERS).length).toBeGreaterThanOrEqual(2);
    expect(digests[0]!.n).toBe(OFFICERS);
    expect(progress.all).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, queued: 0, failed: 0 });
    expect(tg.sentTo(8_500_001)).toHaveLength(1);
    expect(tg.sentTo(8_500_010)).toHaveLength(1);
    expect(tg.sentTo(8_500_011)).toHaveLength(1);
    // Nothing else went out: broadcast + digests + three replies.
    expect(sends).toHaveLength(RECIPIENTS + OFFICERS + 3);
    for (const c of [...webs, ...workers]) expect(c.proc.exitCode, c.out()).toBeNull();
  }, 170_000);
});
