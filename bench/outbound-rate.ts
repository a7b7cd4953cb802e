/**
 * Outbound rate against the fake Telegram's limit (about 30 messages/s for the bot, 1/s per
 * chat): N proactive messages to N chats through the outbox relay and the BullMQ queue, against
 * a baseline in the same run: grammY's own advice for broadcasts (sequential sends, at most 3 in
 * parallel, honouring retry_after), with no limiter of ours.
 *
 *   npx tsx bench/outbound-rate.ts [--messages 1000]
 *
 * Needs Redis on REDIS_URL (default 127.0.0.1:6379); the database is PGlite in memory.
 * Appends its figures to docs/BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { execSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { GrammyError } from 'grammy';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrator.js';
import { deriveKeys } from '../src/shared/secrets.js';
import { createLogger } from '../src/shared/log.js';
import { systemClock } from '../src/shared/clock.js';
import { enqueueChatMessages } from '../src/outbox/outbox.service.js';
import { startBackgroundWorker } from '../src/jobs/worker.js';
import { WebAdapter } from '../bots/web/adapter.js';
import { TelegramAdapter } from '../bots/telegram/adapter.js';
import { FakeTelegram, type FakeCall } from '../test/fakes/telegram.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const N = Number(arg('messages', '1000'));
const TEXT = 'Thông báo: UBND tỉnh chi trả hỗ trợ đợt 2 từ ngày 15/02/2022. Quý vị theo dõi tin nhắn này.';

interface Figures {
  seconds: number;
  rate: number;
  busiest: number;
  throttled: number;
  sent: number;
}

function figures(calls: FakeCall[], t0: number, t1: number): Figures {
  const ok = calls.filter((c) => c.method === 'sendMessage' && c.status === 200).map((c) => c.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < ok.length; i++) {
    while (ok[j]! < ok[i]! - 999) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  return {
    seconds: (t1 - t0) / 1000,
    rate: (ok.length - 1) / ((ok.at(-1)! - ok[0]!) / 1000),
    busiest,
    throttled: calls.filter((c) => c.status === 429).length,
    sent: ok.length,
  };
}

async function queued(): Promise<Figures & { rssMb: number }> {
  const fake = new FakeTelegram();
  const root = await fake.start();
  const db = await openDatabase({});
  await migrate(db.sql);
  const config = loadConfig();
  const log = createLogger({ level: 'warn' });
  const prefix = `bench:${randomUUID()}:`;
  const ids = await db.sql.query<{ id: number }>(
    `INSERT INTO "ChannelIdentity" (channel, "externalId", notify, "updatedAt") SELECT 'telegram', (8000000 + g)::text, true, now() FROM generate_series(1, $1) g RETURNING id`,
    [N],
  );
  const adapters = { web: new WebAdapter(), telegram: new TelegramAdapter({ token: fake.token, apiRoot: root }), zalo: undefined };
  const worker = startBackgroundWorker({ config, db, keys: deriveKeys('bench-secret-0123456789abcdef0123'), clock: systemClock, log, redisPrefix: prefix }, adapters, { relayIntervalMs: 100 });
  const t0 = Date.now();
  await enqueueChatMessages(db.sql, ids.map((r) => ({ identityId: r.id, channel: 'telegram', template: 'text' as const, params: { text: TEXT } })));
  let rss = 0;
  while (fake.calls.filter((c) => c.status === 200).length < N) {
    rss = Math.max(rss, process.memoryUsage().rss);
    await new Promise((r) => setTimeout(r, 100));
  }
  const t1 = Date.now();
  await worker.queues.obliterate();
  await worker.close();
  await db.close();
  await fake.stop();
  return { ...figures(fake.calls, t0, t1), rssMb: rss / 2 ** 20 };
}

/** grammY's flood advice: sequential, at most 3 in parallel, wait retry_after on a 429. */
async function baseline(): Promise<Figures> {
  const fake = new FakeTelegram();
  const root = await fake.start();
  const api = new TelegramAdapter({ token: fake.token, apiRoot: root }).api;
  const chats = Array.from({ length: N }, (_, i) => String(8_000_001 + i));
  let next = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 3 }, async () => {
    while (next < chats.length) {
      const chat = chats[next++]!;
      for (;;) {
        try {
          await api.sendMessage(chat, TEXT);
          break;
        } catch (e) {
          if (e instanceof GrammyError && e.error_code === 429) await new Promise((r) => setTimeout(r, (e.parameters.retry_after ?? 1) * 1000));
          else throw e;
        }
      }
    }
  }));
  const t1 = Date.now();
  await fake.stop();
  return figures(fake.calls, t0, t1);
}

const base = await baseline();
const ours = await queued();
const row = (name: string, f: Figures) => `| ${name} | ${f.sent} | ${f.seconds.toFixed(1)} | ${f.rate.toFixed(1)} | ${f.busiest} | ${f.throttled} |`;
const section = [
  '',
  `## Outbound rate against the fake Telegram's limit, ${N.toLocaleString('en')} messages to ${N.toLocaleString('en')} chats`,
  '',
  `- Command: \`npx tsx bench/outbound-rate.ts --messages ${N}\``,
  `- Commit: ${(() => { try { return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })()}; date: ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; Redis 7 on 127.0.0.1; PGlite in memory`,
  '- The fake answers 429 + retry_after above 30 sends in any sliding second (and above 1/s per chat after a burst of 3).',
  '- ansinh: outbox rows → relay → BullMQ queue `outbound-telegram` (limiter 4 per 200 ms = 80 % of 30/s) → grammY. Baseline: grammY sending directly, 3 in parallel, waiting retry_after on 429 (grammY\'s flood advice), no limiter.',
  '',
  '| sender | delivered | total s | rate msg/s | busiest second | 429s |',
  '|---|---|---|---|---|---|',
  row('ansinh queue', ours),
  row('baseline (grammY, 3 parallel)', base),
  '',
  `- ansinh / baseline rate: ${(ours.rate / base.rate).toFixed(2)}; peak RSS of this process with the queue: ${ours.rssMb.toFixed(0)} MB. The queue leaves ${(30 - ours.busiest)} sends/s of the limit to interactive replies in its busiest second; the baseline leaves ${Math.max(0, 30 - base.busiest)}.`,
  '',
].join('\n');
console.log(section);
appendFileSync(resolve(import.meta.dirname, '../docs/BENCHMARKS.md'), section);
process.exit(0);
