/**
 * Telegram end to end through the fake Bot API: the real grammY client over HTTP, the webhook
 * with its secret, dedupe of redelivered updates, buttons, deep links, bad input, 429s, a blocked
 * user, long polling, and no token in the logs.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createAdapters } from '../../bots/registry.js';
import { TelegramAdapter } from '../../bots/telegram/adapter.js';
import { InboundDedupe } from '../../src/inbound/dedupe.js';
import { TelegramPoller } from '../../src/inbound/telegram-poller.js';
import { createLogger } from '../../src/shared/log.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { buttonUpdate, editedUpdate, groupUpdate, photoUpdate, stickerUpdate, textUpdate } from '../fixtures/telegram/updates.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'test-webhook-secret-0123456789';
let rt: TestRuntime;
let fake: FakeTelegram;
let adapter: TelegramAdapter;
let app: FastifyInstance;
let handled = 0;
const logLines: string[] = [];
let chatSeq = 5_000_000;
const newChat = () => ++chatSeq;

beforeAll(async () => {
  rt = await seededRuntime();
  fake = new FakeTelegram();
  const apiRoot = await fake.start();
  adapter = new TelegramAdapter({ token: fake.token, apiRoot });
  const log = createLogger({ level: 'debug', destination: new Writable({ write(c, _e, cb) { logLines.push(String(c)); cb(); } }) as never });
  app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: createAdapters(), log,
    telegram: { adapter, secret: SECRET, dedupe: new InboundDedupe(rt.redis, rt.prefix), onHandled: () => handled++, maxWaitMs: 3000 },
  });
});

afterAll(async () => {
  await app?.close();
  await fake?.stop();
  await rt?.teardown();
});

beforeEach(() => {
  fake.outage = false;
});

async function post(update: unknown, secret: string | null = SECRET) {
  const before = handled;
  const res = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: update as object, headers: secret ? { 'x-telegram-bot-api-secret-token': secret } : {} });
  return { res, done: () => waitFor(() => handled > before) };
}


async function say(chat: number, text: string) {
  const p = await post(textUpdate(chat, text));
  expect(p.res.statusCode).toBe(200);
  await p.done();
  return fake.sentTo(chat).at(-1)!;
}

describe('Telegram channel', () => {
  it('should let a citizen look up a status: "tra cuu" → ID → date of birth', async () => {
    const p = rt.samples.find((s) => s.status === 'paid' && !/^\d{4}$/.test(s.dateOfBirth))!;
    const chat = newChat();
    expect((await say(chat, 'tra cuu')).text).toMatch(/nhập số CCCD/);
    expect((await say(chat, p.idNumber)).text).toContain(`***${p.idNumber.slice(-4)}`);
    const status = await say(chat, p.dateOfBirth);
    expect(status.text).toMatch(/Đã chi trả ngày/);
    expect(status.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Nhận thông báo', callback_data: 'notify:on' }, { text: 'Tra cứu người khác', callback_data: 'lookup' }], [{ text: 'Menu', callback_data: 'menu' }]] });
  });

  it('should reply once to an update delivered three times', async () => {
    const chat = newChat();
    const update = textUpdate(chat, 'xin chao');
    const first = await post(update);
    await first.done();
    const again = await Promise.all([post(update), post(update)]);
    for (const a of again) expect(a.res.json()).toEqual({ ok: true, duplicate: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.sentTo(chat)).toHaveLength(1);
  });

  it('should refuse a missing or wrong secret with 401 and process nothing', async () => {
    const chat = newChat();
    for (const secret of [null, 'wrong-secret-0123456789', `${SECRET}x`]) {
      const { res } = await post(textUpdate(chat, 'tra cuu'), secret);
      expect(res.statusCode).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.calls.filter((c) => String(c.body.chat_id) === String(chat))).toHaveLength(0);
  });

  it('should answer a button press and acknowledge it', async () => {
    const chat = newChat();
    const p = await post(buttonUpdate(chat, 'elig'));
    await p.done();
    expect(fake.calls.some((c) => c.method === 'answerCallbackQuery')).toBe(true);
    expect(fake.sentTo(chat).at(-1)!.text).toMatch(/gói hỗ trợ nào/);
  });

  it('should carry a deep link /start <code> to the engine', async () => {
    const chat = newChat();
    const r = await say(chat, '/start INVITE42');
    expect(r.text).toMatch(/Xin chào/);
  });

  it('should answer stickers and photos politely and ignore groups, edits and malformed bodies', async () => {
    const chat = newChat();
    const s = await post(stickerUpdate(chat));
    await s.done();
    expect(fake.sentTo(chat).at(-1)!.text).toMatch(/cần hỗ trợ gì/);
    const ph = await post(photoUpdate(chat));
    await ph.done();
    expect(fake.sentTo(chat)).toHaveLength(2);
    for (const u of [groupUpdate(chat, 'tra cuu'), editedUpdate(chat, 'tra cuu')]) {
      const p = await post(u);
      expect(p.res.statusCode).toBe(200);
      await p.done();
    }
    const bad = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: '{not json', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET } });
    expect(bad.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.sentTo(chat)).toHaveLength(2);
    expect(fake.sentTo(-chat)).toHaveLength(0);
  });

  it('should honour 429 retry_after so a burst from one chat still gets every reply', async () => {
    const chat = newChat();
    for (let i = 0; i < 6; i++) await post(textUpdate(chat, 'xin chao'));
    await waitFor(() => fake.sentTo(chat).length === 6, 20_000);
    expect(fake.calls.some((c) => c.status === 429 && String(c.body.chat_id) === String(chat))).toBe(true);
    expect(fake.sentTo(chat)).toHaveLength(6);
  }, 30_000);

  it('should mark a chat that blocked the bot, and keep the token out of the logs', async () => {
    const chat = newChat();
    await say(chat, 'xin chao');
    fake.blocked.add(String(chat));
    const p = await post(textUpdate(chat, 'tra cuu'));
    await p.done();
    const identity = await rt.db.prisma.channelIdentity.findUniqueOrThrow({ where: { channel_externalId: { channel: 'telegram', externalId: String(chat) } } });
    expect(identity.blocked).toBe(true);
    fake.outage = true;
    const o = await post(textUpdate(newChat(), 'xin chao'));
    await o.done();
    const logs = logLines.join('');
    expect(logs).toContain('reply not delivered');
    expect(logs).not.toContain(fake.token);
    expect(logs).not.toContain(fake.token.split(':')[1]);
  }, 30_000);

  it('should split long text at 4096 characters with the keyboard on the last part', async () => {
    const chat = newChat();
    await adapter.send(String(chat), { text: `${'Một đoạn dài. '.repeat(400)}\n\n${'x '.repeat(1500)}`, buttons: [{ label: 'Menu', action: 'menu' }] });
    const parts = fake.sentTo(chat);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.text.length <= 4096)).toBe(true);
    expect(parts.at(-1)!.reply_markup).toBeDefined();
    expect(parts[0]!.reply_markup).toBeUndefined();
  });

  it('should work by long polling too', async () => {
    const chat = newChat();
    const poller = new TelegramPoller({ engine: rt.engine, sql: rt.db.sql, log: createLogger({ level: 'silent' }), adapter, dedupe: new InboundDedupe(rt.redis, rt.prefix) }, 1);
    fake.pushUpdate(textUpdate(chat, 'ban ve so co duoc ho tro khong'));
    poller.start();
    await waitFor(() => fake.sentTo(chat).length > 0);
    await poller.stop();
    expect(fake.sentTo(chat)[0]!.text).toMatch(/vé số lưu động/);
  });
});
