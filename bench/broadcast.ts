/**
 * A policy broadcast to N opted-in Telegram chats on the fake Telegram at its limit: fan-out
 * (BroadcastDelivery + outbox rows, pages of 1,000), relay, rate-limited queue, grammY, the fake.
 * Reports the achieved rate against the configured limit, duplicates and lost messages, how long
 * a status notice queued in the middle of the broadcast waited, and the fan-out time.
 *
 *   DATABASE_URL=postgres://... ANSINH_SECRET_KEY=... npx tsx bench/broadcast.ts [--recipients 100000] [--limit 1000] [--concurrency 8]
 *   DATABASE_URL=postgres://... npx tsx bench/broadcast.ts --crash [--recipients 10000] [--limit 300]
 *
 * --limit is the platform's messages per second: the fake Telegram refuses above it (429) and the
 * adapter is told it (TELEGRAM_RATE_PER_SECOND), so the queue sends at 80 % of it. Telegram's free
 * limit is about 30/s (100,000 messages would take 1 h 10 min at the queue's 24/s); paid broadcasts
 * allow up to 1,000/s. --crash runs `ansinh worker` as a child process, kills it with SIGKILL in the
 * middle and starts it again (test/helpers/broadcast-crash.ts). Without DATABASE_URL the database is
 * PGlite in memory (not for --crash). Appends its figures to docs/BENCHMARKS.md.
 */
import { execSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrator.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { createLogger } from '../src/shared/log.js';
import { systemClock } from '../src/shared/clock.js';
import { enqueueChatMessages } from '../src/outbox/outbox.service.js';
import { startBackgroundWorker } from '../src/jobs/worker.js';
import { sendBroadcast } from '../src/jobs/broadcast-jobs.js';
import { broadcastProgress, createBroadcast } from '../src/broadcasts/broadcast.service.js';
import { WebAdapter } from '../bots/web/adapter.js';
import { TelegramAdapter } from '../bots/telegram/adapter.js';
import { FakeTelegram } from '../test/fakes/telegram.js';
import { runCrashScenario } from '../test/helpers/broadcast-crash.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const CRASH = process.argv.includes('--crash');
/** --no-write: print the figures without appending them to docs/BENCHMARKS.md (trial runs). */
const WRITE = !process.argv.includes('--no-write');
const N = Number(arg('recipients', CRASH ? '10000' : '100000'));
const LIMIT = Number(arg('limit', CRASH ? '300' : '1000'));
const CONCURRENCY = Number(arg('concurrency', '8'));
const config = loadConfig();
const commit = (() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })();
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const fmt = (n: number) => n.toLocaleString('en');

if (CRASH) {
  if (!config.database.url) throw new Error('--crash needs DATABASE_URL (two processes share the database)');
  const r = await runCrashScenario({ serverUrl: config.database.url, recipients: N, telegramPerSecond: LIMIT, zaloPerSecond: Math.round(LIMIT / 3), timeoutMs: 30 * 60_000, log: (l) => console.log(l) });
  const section = [
    '',
    `## Broadcast: \`ansinh worker\` killed with SIGKILL in the middle of ${fmt(N)} recipients, then restarted (PostgreSQL 15)`,
    '',
    `- Command: \`DATABASE_URL=… npx tsx bench/broadcast.ts --crash --recipients ${N} --limit ${LIMIT}\``,
    `- Commit: ${commit}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${machine}; Redis on 127.0.0.1`,
    `- ${fmt(Math.round(N * 0.7))} Telegram chats (fake limit ${LIMIT}/s) and ${fmt(N - Math.round(N * 0.7))} Zalo chats (fake limit ${Math.round(LIMIT / 3)}/s); the worker is a child process (\`node bin/ansinh.js worker\`), killed once ${fmt(r.atKill)} recipients had their message, and started again.`,
    '',
    '| recipients | reached before the kill | lost | duplicates | bound (concurrency × channels) | total s | from restart to the last message, s |',
    '|---|---|---|---|---|---|---|',
    `| ${fmt(N)} | ${fmt(r.atKill)} | ${r.lost} | ${r.duplicates} | ${r.inFlightBound} | ${r.seconds.toFixed(1)} | ${r.recoverySeconds.toFixed(1)} |`,
    '',
    `- Report after the restart: ${JSON.stringify(r.progress.all)}.`,
    '',
  ].join('\n');
  console.log(section);
  if (WRITE) appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
  process.exit(r.lost === 0 && r.duplicates <= r.inFlightBound ? 0 : 1);
}

const schema = config.database.url ? `bench_bc_${randomBytes(4).toString('hex')}` : undefined;
const db = await openDatabase({ url: config.database.url, schema });
const fake = new FakeTelegram({ globalPerSecond: LIMIT });
const root = await fake.start();
const log = createLogger({ level: 'warn' });
const prefix = `bench:${randomUUID()}:`;
const keys = deriveKeys(config.secretKey ?? 'bench-secret-key-0123456789abcdef0123');
let peakRss = 0;
let peakQueue = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
try {
  await migrate(db.sql);
  // One commune, one person, N opted-in Telegram chats bound to that person.
  const [a] = await db.sql.query<{ id: number }>(`INSERT INTO "Area" (code, scheme, name, kind, level, path, source) VALUES ('99999', 'bench', 'Xã Thử', 'Xã', 'commune', '/', 'bench') RETURNING id`);
  await db.sql.query(`UPDATE "Area" SET path = '/' || id || '/' WHERE id = $1`, [a!.id]);
  const [p] = await db.sql.query<{ id: number }>(`INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthYear", "communeId", "updatedAt") VALUES ('bench', '0001', 'cccd', 'Nguyễn Văn Thử', 1970, $1, now()) RETURNING id`, [a!.id]);
  await db.sql.query(
    `WITH i AS (INSERT INTO "ChannelIdentity" (channel, "externalId", notify, "lastInboundAt", "updatedAt") SELECT 'telegram', (10000000 + g)::text, true, now(), now() FROM generate_series(1, $1) g RETURNING id)
     INSERT INTO "Binding" ("identityId", "personId") SELECT id, $2 FROM i`,
    [N, p!.id],
  );
  // One more chat, for a status notice queued in the middle of the broadcast (notification priority).
  const [notice] = await db.sql.query<{ id: number }>(`INSERT INTO "ChannelIdentity" (channel, "externalId", "updatedAt") VALUES ('telegram', '9999999', now()) RETURNING id`);
  await db.sql.exec('ANALYZE');
  const adapters = { web: new WebAdapter(), telegram: new TelegramAdapter({ token: fake.token, apiRoot: root, ratePerSecond: LIMIT }), zalo: undefined };
  const worker = startBackgroundWorker({ config, db, keys, clock: systemClock, log, redisPrefix: prefix }, adapters, { relayIntervalMs: 100, digestCron: null, broadcastCron: null, concurrency: CONCURRENCY });
  const actor = { actor: 'admin:bench', areaPath: '/' };
  const b = await createBroadcast(db.sql, { titleVi: 'Lịch chi trả đợt 2', textVi: 'UBND tỉnh chi trả hỗ trợ đợt 2 từ ngày 15/02/2022 tại UBND xã. Quý vị mang theo CCCD.', audience: { citizens: true, officers: false } }, { ...actor, keys });
  const delivered = () => fake.calls.reduce((n, c) => n + (c.method === 'sendMessage' && c.status === 200 && String(c.body.chat_id) !== '9999999' ? 1 : 0), 0);
  const t0 = Date.now();
  await sendBroadcast(db.sql, worker.broadcasts, b.id, actor);
  let noticeAt = 0;
  let noticeMs = 0;
  let lastLog = Date.now();
  for (;;) {
    const n = delivered();
    if (!noticeAt && n >= N / 2) {
      noticeAt = Date.now();
      await enqueueChatMessages(db.sql, [{ identityId: notice!.id, channel: 'telegram', template: 'binding_notice', params: { name: 'NGUYỄN V. T.', at: '10:00 24/01/2022' } }]);
    }
    if (noticeAt && !noticeMs && fake.calls.some((c) => c.status === 200 && String(c.body.chat_id) === '9999999')) noticeMs = Date.now() - noticeAt;
    if (n >= N && noticeMs) break;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      const q = (await worker.queues.counts()).telegram ?? {};
      peakQueue = Math.max(peakQueue, (q.waiting ?? 0) + (q.prioritized ?? 0) + (q.delayed ?? 0) + (q.active ?? 0));
      console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${fmt(n)} delivered; queue ${JSON.stringify(q)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const t1 = Date.now();
  await new Promise((r) => setTimeout(r, 2000)); // anything sent twice would arrive within this
  const perChat = new Map<string, number>();
  const ok = fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 200 && String(c.body.chat_id) !== '9999999');
  for (const c of ok) perChat.set(String(c.body.chat_id), (perChat.get(String(c.body.chat_id)) ?? 0) + 1);
  const duplicates = [...perChat.values()].reduce((s, n) => s + n - 1, 0);
  const lost = N - perChat.size;
  const times = ok.map((c) => c.at).sort((x, y) => x - y);
  const rate = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! < times[i]! - 999) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const throttled = fake.calls.filter((c) => c.status === 429).length;
  const [bc] = await db.sql.query<{ fanout: number }>(`SELECT extract(epoch FROM "fanoutDoneAt" - "startedAt")::float AS fanout FROM "Broadcast" WHERE id = $1`, [b.id]);
  const progress = await broadcastProgress(db.sql, b.id);
  await worker.queues.obliterate();
  await worker.broadcasts.obliterate();
  await worker.close();
  const section = [
    '',
    `## Broadcast to ${fmt(N)} opted-in Telegram chats at a limit of ${fmt(LIMIT)}/s (${config.database.url ? 'PostgreSQL 15' : 'PGlite in memory'})`,
    '',
    `- Command: \`${config.database.url ? 'DATABASE_URL=… ' : ''}npx tsx bench/broadcast.ts --recipients ${N} --limit ${LIMIT} --concurrency ${CONCURRENCY}\``,
    `- Commit: ${commit}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${machine}; Redis on 127.0.0.1; the worker, the database client and the fake Telegram in one process`,
    `- Limit used: the fake Telegram answers 429 above ${fmt(LIMIT)} sends in any sliding second and the adapter is configured with \`ratePerSecond: ${LIMIT}\` (TELEGRAM_RATE_PER_SECOND), so the queue aims at 80 %: ${fmt(LIMIT * 0.8)}/s. Telegram's free limit is about 30/s; ${fmt(LIMIT)}/s is what its paid broadcasts allow.`,
    `- ${CONCURRENCY} sends in parallel per channel worker; one status notice (notification priority) queued when half the broadcast was delivered.`,
    '',
    '| recipients | delivered | duplicates | lost | total s | achieved msg/s | achieved / limit | achieved / queue target (80 %) | busiest second | 429s | fan-out s | notice waited ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    `| ${fmt(N)} | ${fmt(perChat.size)} | ${duplicates} | ${lost} | ${((t1 - t0) / 1000).toFixed(1)} | ${rate.toFixed(1)} | ${(rate / LIMIT).toFixed(2)} | ${(rate / (LIMIT * 0.8)).toFixed(2)} | ${busiest} | ${throttled} | ${(bc?.fanout ?? 0).toFixed(1)} | ${noticeMs} |`,
    '',
    `- Report: ${JSON.stringify(progress.all)}; peak jobs in the Telegram queue (sampled every 10 s): ${fmt(peakQueue)}; peak RSS of the process: ${(peakRss / 2 ** 20).toFixed(0)} MB.`,
    '',
  ].join('\n');
  console.log(section);
  if (WRITE) appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
} finally {
  clearInterval(sample);
  if (schema) await db.sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  await db.close();
  await fake.stop();
}
process.exit(0);
