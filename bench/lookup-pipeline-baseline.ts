/**
 * Baseline server of bench/lookup-pipeline.ts (not run by hand): a bare grammY bot behind
 * `webhookCallback(bot, 'fastify')` on its own Fastify instance. Its handler parses the ID number
 * and the date, does ONE prepared SQL point look-up by the keyed hash (pg Pool of 10, like
 * ansinh's) and answers with `ctx.reply`. Tells its parent the port; stops on "stop".
 */
import type { AddressInfo } from 'node:net';
import { Bot, webhookCallback } from 'grammy';
import Fastify from 'fastify';
import pg from 'pg';
import { deriveKeys } from '../src/shared/secrets.js';
import { hashIdNumber } from '../src/people/id-number.js';
import { messages } from '../src/i18n/messages.js';

const MISMATCH = messages('vi').mismatch;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 10, options: `-c search_path=${process.env.BENCH_SCHEMA!}` });
const keys = deriveKeys(process.env.ANSINH_SECRET_KEY!);
const bot = new Bot(process.env.TELEGRAM_BOT_TOKEN!, { client: { apiRoot: process.env.TELEGRAM_API_ROOT! } });
const re = /(\d{12}|\d{9})\D+(\d{1,2})\/(\d{1,2})\/(\d{4})/;
const text = `SELECT to_char(p."birthDate", 'YYYY-MM-DD') AS "birthDate", p."idLast", e.stage, e.status, e.amount::text AS amount
  FROM "Person" p LEFT JOIN "Entitlement" e ON e."personId" = p.id WHERE p."idHash" = $1`;

bot.on('message:text', async (ctx) => {
  const m = re.exec(ctx.message.text);
  if (!m) return void (await ctx.reply('Gửi số CCCD và ngày sinh (dd/mm/yyyy).'));
  const date = `${m[4]}-${m[3]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
  const { rows } = await pool.query<{ birthDate: string | null; idLast: string; stage: string | null; status: string | null; amount: string | null }>({
    name: 'person_by_hash', text, values: [hashIdNumber(keys.id, m[1]!)],
  });
  const p = rows[0];
  if (!p || p.birthDate !== date) return void (await ctx.reply(MISMATCH));
  await ctx.reply(`Hồ sơ của người có số CCCD ***${p.idLast}: ${p.status ?? '-'} (${p.stage ?? '-'}), ${Number(p.amount ?? 0).toLocaleString('vi-VN')} đồng.`);
});

const app = Fastify();
app.post('/webhooks/telegram', webhookCallback(bot, 'fastify', { secretToken: process.env.TELEGRAM_WEBHOOK_SECRET! }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.on('message', (m) => {
  if (m !== 'stop') return;
  void (async () => {
    await app.close();
    await pool.end();
    process.exit(0);
  })();
});
process.send!({ ready: true, port: (app.server.address() as AddressInfo).port });
