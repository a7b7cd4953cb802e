/**
 * The whole service against the fake platforms, for end-to-end tests: fake Telegram and Zalo,
 * the real adapters talking to them over HTTP, the Fastify app with both webhooks listening on
 * a port, and the background worker (relay + queues). `telegram()` and `zalo()` write as a user
 * and wait for the bot's next reply.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/http/app.js';
import { WebAdapter } from '../../bots/web/adapter.js';
import { TelegramAdapter } from '../../bots/telegram/adapter.js';
import { ZaloAdapter } from '../../bots/zalo/adapter.js';
import type { ZaloTokens } from '../../bots/zalo/client.js';
import type { Adapters } from '../../bots/registry.js';
import { LockedSecret } from '../../src/secrets/locked-secret.js';
import { InboundDedupe } from '../../src/inbound/dedupe.js';
import { startBackgroundWorker, type BackgroundWorker, type WorkerOptions } from '../../src/jobs/worker.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { FakeZalo } from '../fakes/zalo.js';
import { textUpdate } from '../fixtures/telegram/updates.js';
import { testKeys } from './db.js';
import type { TestRuntime } from './runtime.js';
import { waitFor } from './wait.js';

const TG_SECRET = 'platforms-test-secret-0123456789';

export interface Platforms {
  tg: FakeTelegram;
  zl: FakeZalo;
  adapters: Adapters;
  app: FastifyInstance;
  base: string;
  worker: BackgroundWorker;
  telegram(chat: number, text: string): Promise<{ text: string; reply_markup?: unknown }>;
  zalo(user: string, text: string): Promise<{ text: string }>;
  stop(): Promise<void>;
}

/** `app` adds to the app's dependencies (e.g. the console). */
export async function startPlatforms(rt: TestRuntime, worker: WorkerOptions = {}, app_: Partial<AppDeps> = {}): Promise<Platforms> {
  const tg = new FakeTelegram();
  const zl = new FakeZalo();
  const tgRoot = await tg.start();
  const zlRoot = await zl.start();
  const adapters: Adapters = {
    web: new WebAdapter(),
    telegram: new TelegramAdapter({ token: tg.token, apiRoot: tgRoot }),
    zalo: new ZaloAdapter({
      appId: zl.appId, appSecret: zl.appSecret, oaSecret: zl.oaSecret, bootstrapRefreshToken: zl.refreshToken, apiRoot: zlRoot, oauthRoot: zlRoot, znsRoot: zlRoot,
      znsTemplateId: 'ansinh-status', store: new LockedSecret<ZaloTokens>(rt.db.sql, testKeys.tokenEnc, 'secret:zalo-tokens'),
    }),
  };
  const dedupe = new InboundDedupe(rt.redis, rt.prefix);
  const app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters, log: rt.log, relayIntervalMs: 100, metrics: rt.metrics, redis: rt.redis,
    telegram: { adapter: adapters.telegram!, secret: TG_SECRET, dedupe },
    zalo: { adapter: adapters.zalo!, dedupe },
    ...app_,
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  // The conversation and the sender share the test's clock (Zalo's window is measured on it).
  const bg = startBackgroundWorker(rt, adapters, { relayIntervalMs: 100, digestCron: null, ...worker });
  return {
    tg, zl, adapters, app, base, worker: bg,
    async telegram(chat, text) {
      const n = tg.sentTo(chat).length;
      const res = await fetch(`${base}/webhooks/telegram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET }, body: JSON.stringify(textUpdate(chat, text)) });
      if (res.status !== 200) throw new Error(`Telegram webhook answered ${res.status}`);
      await waitFor(() => tg.sentTo(chat).length > n, 10_000, `a Telegram reply to "${text}"`);
      return tg.sentTo(chat).at(-1)!;
    },
    async zalo(user, text) {
      const n = zl.sentTo(user).length;
      const res = await zl.userSends(`${base}/webhooks/zalo`, user, text);
      if (res.status !== 200) throw new Error(`Zalo webhook answered ${res.status}`);
      await waitFor(() => zl.sentTo(user).length > n, 10_000, `a Zalo reply to "${text}"`);
      return zl.sentTo(user).at(-1)!;
    },
    async stop() {
      await bg.queues.obliterate().catch(() => {});
      await bg.close();
      await app.close();
      await tg.stop();
      await zl.stop();
    },
  };
}
