/**
 * Runs the HTTP server for a runtime: listen, and close gracefully on SIGINT/SIGTERM
 * (stop accepting, finish requests in flight, close connections).
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { createAdapters } from '../../bots/registry.js';
import { buildApp } from './app.js';
import { InboundDedupe } from '../inbound/dedupe.js';
import { TelegramPoller } from '../inbound/telegram-poller.js';

export interface Server {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startServer(rt: Runtime, opts: { host: string; port: number }): Promise<Server> {
  const adapters = createAdapters(rt.config);
  const tg = rt.config.telegram;
  const dedupe = new InboundDedupe(rt.redis, rt.config.redisPrefix);
  const app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters, log: rt.log,
    telegram: adapters.telegram && tg?.mode === 'webhook' ? { adapter: adapters.telegram, secret: tg.webhookSecret!, dedupe } : undefined,
  });
  const poller = adapters.telegram && tg?.mode === 'polling' ? new TelegramPoller({ engine: rt.engine, sql: rt.db.sql, log: rt.log, adapter: adapters.telegram, dedupe }) : null;
  const address = await app.listen({ host: opts.host, port: opts.port });
  poller?.start();
  const url = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  return {
    app,
    url,
    async close() {
      await poller?.stop();
      await app.close();
    },
  };
}

/** Resolves when the process is asked to stop, after closing `server` and `rt`. */
export function closeOnSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let closing = false;
    const stop = () => {
      if (closing) return;
      closing = true;
      void close().finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
