/**
 * A broadcast survives a worker killed with SIGKILL: `ansinh worker` runs as a child process
 * against its own PostgreSQL database and the fake Telegram and Zalo (in this process, which
 * records every message), is killed in the middle of sending and started again. Used by
 * test/broadcasts/crash.test.ts (1,000 recipients) and bench/broadcast.ts --crash (10,000).
 *
 * Needs real PostgreSQL (two processes share the database): ANSINH_TEST_DATABASE_URL or
 * DATABASE_URL; a scratch database is created and dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrator.js';
import { deriveKeys } from '../../src/shared/secrets.js';
import { createLogger } from '../../src/shared/log.js';
import { broadcastProgress, createBroadcast, startBroadcast } from '../../src/broadcasts/broadcast.service.js';
import { BroadcastJobs } from '../../src/jobs/broadcast-jobs.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { FakeZalo } from '../fakes/zalo.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface CrashOptions {
  /** PostgreSQL server URL (any database on it); a scratch database is created there. */
  serverUrl: string;
  recipients: number;
  /** Share of the recipients on Telegram; the rest are on Zalo. @defaultValue 0.7 */
  telegramShare?: number;
  /** The platforms' limits (the fakes enforce them; the adapters are told them). */
  telegramPerSecond: number;
  zaloPerSecond: number;
  /** Kill the worker once this share of the recipients has a message. @defaultValue 0.35 */
  killAt?: number;
  /** Time allowed for everything (ms). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface CrashResult {
  recipients: number;
  /** Recipients with at least one message. */
  reached: number;
  lost: number;
  /** Messages beyond the first to a recipient. */
  duplicates: number;
  /** Recipients reached when the worker was killed. */
  atKill: number;
  /** Worker concurrency × channels: what may have been in flight when it was killed. */
  inFlightBound: number;
  seconds: number;
  /** From the restart to the last message. */
  recoverySeconds: number;
  progress: Awaited<ReturnType<typeof broadcastProgress>>;
}

const CONCURRENCY = 4;

export async function runCrashScenario(o: CrashOptions): Promise<CrashResult> {
  const log = o.log ?? (() => {});
  const name = `ansinh_crash_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: o.serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(o.serverUrl);
  url.pathname = `/${name}`;
  const secret = `crash-secret-${randomBytes(16).toString('hex')}`;
  const keys = deriveKeys(secret);
  const prefix = `test:${randomUUID()}:`;
  const tg = new FakeTelegram({ globalPerSecond: o.telegramPerSecond });
  const zl = new FakeZalo({ perSecond: o.zaloPerSecond });
  const [tgRoot, zlRoot] = [await tg.start(), await zl.start()];
  let db: Database | null = null;
  let child: ChildProcess | null = null;
  let jobs: BroadcastJobs | null = null;
  try {
    db = await openDatabase({ url: url.toString() });
    await migrate(db.sql);
    const nTg = Math.round(o.recipients * (o.telegramShare ?? 0.7));
    const tgChats = Array.from({ length: nTg }, (_, i) => String(8_100_000 + i));
    const zlUsers = Array.from({ length: o.recipients - nTg }, (_, i) => `92${String(i).padStart(17, '0')}`);
    await seedAudience(db, tgChats, zlUsers);
    for (const u of zlUsers) zl.interactions.set(u, Date.now());
    const actor = { actor: 'admin:crash', areaPath: '/' };
    const b = await createBroadcast(db.sql, { titleVi: 'Kiểm thử', textVi: 'Thông báo kiểm thử khi worker bị dừng đột ngột.', audience: { citizens: true, officers: false } }, { ...actor, keys });
    await startBroadcast(db.sql, b.id, actor);
    jobs = new BroadcastJobs({ redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix, log: createLogger({ level: 'silent' }) });

    const reached = () => {
      const seen = new Map<string, number>();
      for (const c of tg.calls) if (c.method === 'sendMessage' && c.status === 200 && String(c.body.text).includes(b.verifyCode)) seen.set(`t${c.body.chat_id}`, (seen.get(`t${c.body.chat_id}`) ?? 0) + 1);
      for (const c of zl.calls) {
        const text = (c.body.message as { text?: string } | undefined)?.text ?? '';
        if (c.path === '/v3.0/oa/message/cs' && c.error === 0 && text.includes(b.verifyCode)) {
          const u = `z${(c.body.recipient as { user_id: string }).user_id}`;
          seen.set(u, (seen.get(u) ?? 0) + 1);
        }
      }
      return seen;
    };
    const env = {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn',
      ANSINH_DATA_DIR: mkdtempSync(join(tmpdir(), 'ansinh-crash-')), ANSINH_REDIS_PREFIX: prefix, ANSINH_SECRET_KEY: secret,
      DATABASE_URL: url.toString(), ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: tgRoot, TELEGRAM_RATE_PER_SECOND: String(o.telegramPerSecond),
      ZALO_APP_ID: zl.appId, ZALO_APP_SECRET: zl.appSecret, ZALO_OA_SECRET: zl.oaSecret, ZALO_REFRESH_TOKEN: zl.refreshToken,
      ZALO_API_ROOT: zlRoot, ZALO_OAUTH_ROOT: zlRoot, ZALO_ZNS_ROOT: zlRoot, ZALO_RATE_PER_SECOND: String(o.zaloPerSecond),
    };
    let out = '';
    const startWorker = () => {
      const c = spawn(process.execPath, [join(ROOT, 'bin/ansinh.js'), 'worker'], { cwd: ROOT, env });
      c.stdout!.on('data', (d) => (out += String(d)));
      c.stderr!.on('data', (d) => (out += String(d)));
      return c;
    };
    const deadline = Date.now() + (o.timeoutMs ?? 120_000);
    const until = async (cond: () => boolean | Promise<boolean>, what: string) => {
      let said = Date.now();
      while (!(await cond())) {
        if (Date.now() - said > 5000) {
          said = Date.now();
          log(`  … ${what}: ${reached().size} reached`);
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker output:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const t0 = Date.now();
    child = startWorker();
    await jobs.enqueue(b.id);
    await until(() => reached().size >= o.recipients * (o.killAt ?? 0.35), 'the first messages');
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    await new Promise((r) => setTimeout(r, 300)); // answers to requests already sent still arrive
    const atKill = reached().size;
    log(`killed the worker with SIGKILL after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${atKill} of ${o.recipients} recipients reached`);
    const t1 = Date.now();
    child = startWorker();
    await until(() => reached().size >= o.recipients, 'every recipient after the restart');
    const t2 = Date.now();
    await until(async () => {
      const p = await broadcastProgress(db!.sql, b.id);
      return p.fanoutDone && p.all.queued === 0;
    }, 'the report to settle');
    await new Promise((r) => setTimeout(r, 1000)); // anything sent twice arrives within this
    const seen = reached();
    const duplicates = [...seen.values()].reduce((a, n) => a + n - 1, 0);
    const progress = await broadcastProgress(db.sql, b.id);
    log(`restarted: every recipient reached ${((t2 - t1) / 1000).toFixed(1)} s later; duplicates ${duplicates}`);
    return {
      recipients: o.recipients, reached: seen.size, lost: o.recipients - seen.size, duplicates, atKill, inFlightBound: CONCURRENCY * 2,
      seconds: (t2 - t0) / 1000, recoverySeconds: (t2 - t1) / 1000, progress,
    };
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await jobs?.close();
    await db?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await tg.stop();
    await zl.stop();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length) await redis.del(...stale);
    redis.disconnect();
  }
}

/** One commune, one person, and the opted-in chats bound to that person. */
export async function seedAudience(db: Database, tgChats: string[], zlUsers: string[]) {
  const [a] = await db.sql.query<{ id: number }>(`INSERT INTO "Area" (code, scheme, name, kind, level, path, source) VALUES ('99999', 'test', 'Xã Thử', 'Xã', 'commune', '/', 'test') RETURNING id`);
  await db.sql.query(`UPDATE "Area" SET path = '/' || id || '/' WHERE id = $1`, [a!.id]);
  const [p] = await db.sql.query<{ id: number }>(
    `INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthYear", "communeId", "updatedAt") VALUES ($1, '0001', 'cccd', 'Nguyễn Văn Thử', 1970, $2, now()) RETURNING id`,
    [randomBytes(16).toString('hex'), a!.id],
  );
  for (const [channel, ids] of [['telegram', tgChats], ['zalo', zlUsers]] as const) {
    await db.sql.query(
      `WITH i AS (INSERT INTO "ChannelIdentity" (channel, "externalId", notify, "lastInboundAt", "updatedAt") SELECT $1, x, true, now(), now() FROM unnest($2::text[]) AS x RETURNING id)
       INSERT INTO "Binding" ("identityId", "personId") SELECT id, $3 FROM i`,
      [channel, ids, p!.id],
    );
  }
}
