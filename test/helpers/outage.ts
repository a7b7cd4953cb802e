/**
 * For the outage tests (test/faults/): the Fastify app of a runtime with the web chat page API,
 * the Telegram webhook (talking to a fake Telegram) and /readyz, and small functions that write
 * as a citizen and return what the bot answered, with the HTTP status and the time it took.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { WebAdapter } from '../../bots/web/adapter.js';
import { TelegramAdapter } from '../../bots/telegram/adapter.js';
import { InboundDedupe } from '../../src/inbound/dedupe.js';
import { messages } from '../../src/i18n/messages.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { textUpdate } from '../fixtures/telegram/updates.js';
import type { TestRuntime } from './runtime.js';
import { waitFor } from './wait.js';

const SECRET = 'outage-test-secret-0123456789';
export const BUSY = messages('vi').busy;

export interface Answer {
  status: number;
  text: string;
  ms: number;
}

export interface ChatHarness {
  app: FastifyInstance;
  tg: FakeTelegram;
  /** A new web chat (its cookie); `say` posts to /api/chat/messages. */
  webChat(): Promise<(text: string) => Promise<Answer>>;
  /** A Telegram user writes through the webhook; the answer is what the fake Telegram received. */
  telegram(chat: number, text: string): Promise<Answer>;
  readyz(): Promise<{ status: number; body: { ok: boolean; checks: Record<string, string> } }>;
  close(): Promise<void>;
}

export async function startChatHarness(rt: TestRuntime): Promise<ChatHarness> {
  const tg = new FakeTelegram();
  const apiRoot = await tg.start();
  let handled = 0;
  const app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: { web: new WebAdapter(), telegram: undefined, zalo: undefined }, log: rt.log, redis: rt.redis,
    telegram: { adapter: new TelegramAdapter({ token: tg.token, apiRoot }), secret: SECRET, dedupe: new InboundDedupe(rt.redis, rt.prefix), onHandled: () => handled++, maxWaitMs: 1000 },
  });
  return {
    app,
    tg,
    async webChat() {
      const page = await app.inject({ method: 'GET', url: '/chat' });
      const cookie = String(page.headers['set-cookie']).split(';')[0]!;
      return async (text: string) => {
        const t0 = performance.now();
        const res = await app.inject({ method: 'POST', url: '/api/chat/messages', headers: { cookie }, payload: { text } });
        const ms = performance.now() - t0;
        const body = res.json() as { replies?: { text: string }[]; error?: string };
        return { status: res.statusCode, text: body.replies ? body.replies.map((r) => r.text).join('\n') : `error: ${body.error}`, ms };
      };
    },
    async telegram(chat, text) {
      const before = handled;
      const sent = tg.sentTo(chat).length;
      const t0 = performance.now();
      const res = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: textUpdate(chat, text), headers: { 'x-telegram-bot-api-secret-token': SECRET } });
      if (res.statusCode !== 200) return { status: res.statusCode, text: `error: ${res.body}`, ms: performance.now() - t0 };
      await waitFor(() => handled > before, 20_000, `the Telegram update "${text}" to be handled`);
      const ms = performance.now() - t0;
      const got = tg.sentTo(chat).slice(sent);
      return { status: res.statusCode, text: got.map((m) => m.text).join('\n'), ms };
    },
    async readyz() {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      return { status: res.statusCode, body: res.json() };
    },
    async close() {
      await app.close();
      await tg.stop();
    },
  };
}

/** Masked name as the bot shows it: the first word in capitals (see test/conversation). */
export const maskedFirst = (name: string) => name.split(' ')[0]!.toLocaleUpperCase('vi-VN');
