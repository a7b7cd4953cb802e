/**
 * The Fastify application as a plugin: web chat page and API (server push for proactive
 * messages), health, readiness and metrics (routes/ops.ts). Channels' webhooks, the admin
 * console and the integration API join here as they come. `buildApp` is used by the server and
 * by tests (app.inject).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import type { ConversationEngine } from '../conversation/engine.js';
import type { Logger } from '../shared/log.js';
import type { Adapters } from '../../bots/registry.js';
import { chatRoutes } from './routes/chat.js';
import { telegramRoutes, type TelegramRouteDeps } from './routes/telegram.js';
import { zaloRoutes, type ZaloRouteDeps } from './routes/zalo.js';
import { registerOps, type OpsDeps } from './routes/ops.js';
import { consoleRoutes, type ConsoleDeps } from './routes/console.js';
import { InboundGate } from '../inbound/gate.js';
import type { Metrics } from '../metrics.js';
import { apiRoutes, type ApiOptions } from './routes/api.js';

export interface AppDeps {
  engine: ConversationEngine;
  prisma: PrismaClient;
  sql: SqlRunner;
  adapters: Adapters;
  log: Logger;
  /** How often queued messages for open web chats are pushed (ms). @defaultValue 1000 */
  relayIntervalMs?: number;
  /** Telegram webhook, when the bot runs in webhook mode. */
  telegram?: Omit<TelegramRouteDeps, 'engine' | 'sql' | 'log'>;
  /** Zalo OA webhook. */
  zalo?: Omit<ZaloRouteDeps, 'engine' | 'sql' | 'log'>;
  /** Counts messages and times requests, and is served at /metrics; absent = no /metrics. */
  metrics?: Metrics;
  /** Bearer token for /metrics (config ANSINH_METRICS_TOKEN); unset = open. */
  metricsToken?: string;
  /** Checked by /readyz with PostgreSQL; absent = /readyz checks PostgreSQL only. */
  redis?: OpsDeps['redis'];
  /** The integration API under /api/v1 (routes/api.ts); absent = not served. */
  api?: ApiOptions;
  /** Admission control for inbound messages (every way in shares it). @defaultValue 16 running, 500 waiting */
  gate?: InboundGate;
  /** The admin console under /admin. */
  console?: Omit<ConsoleDeps, 'sql' | 'prisma' | 'log'>;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Request lines are not logged (they are noise, and a URL must never carry personal data anyway).
  const app = Fastify({ loggerInstance: deps.log.child({}, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: 64 * 1024, trustProxy: true });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  });
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message = status === 413 ? 'Tin nhắn quá lớn.' : status >= 500 ? 'Hệ thống đang bận, anh/chị vui lòng thử lại sau ít phút.' : 'Yêu cầu không hợp lệ.';
    void reply.status(status).send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => void reply.status(404).send({ error: 'Không tìm thấy trang.' }));
  registerOps(app, { sql: deps.sql, log: deps.log, redis: deps.redis, metrics: deps.metrics, metricsToken: deps.metricsToken });
  app.get('/', async (_req, reply) => reply.redirect('/chat'));
  const gate = deps.gate ?? new InboundGate();
  await app.register(chatRoutes, { ...deps, gate });
  if (deps.console) await app.register(consoleRoutes, { ...deps.console, sql: deps.sql, prisma: deps.prisma });
  // Closing: the server stops accepting, requests in flight finish (idle keep-alive connections
  // and the web chat's push streams are closed), then webhook work already acknowledged ends.
  const inflight = new Set<Promise<void>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...inflight]);
  });
  if (deps.telegram) await app.register(telegramRoutes, { ...deps.telegram, engine: deps.engine, sql: deps.sql, log: deps.log, metrics: deps.metrics, inflight, gate });
  if (deps.zalo) await app.register(zaloRoutes, { ...deps.zalo, engine: deps.engine, sql: deps.sql, log: deps.log, metrics: deps.metrics, inflight, gate });
  if (deps.api) await app.register(apiRoutes, { ...deps.api, prefix: '/api/v1', sql: deps.sql, prisma: deps.prisma, log: deps.log });
  return app;
}
