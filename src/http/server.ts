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
import { startBackgroundWorker, type BackgroundWorker, type WorkerOptions } from '../jobs/worker.js';

export interface Server {
  app: FastifyInstance;
  url: string;
  /** The relay and outbound queues, when this process runs them. */
  worker: BackgroundWorker | null;
  close(): Promise<void>;
}

export interface ServerOptions {
  host: string;
  port: number;
  /** Also run the outbox relay and the outbound queue workers (`ansinh start`, the demo). */
  worker?: boolean | WorkerOptions;
}

export async function startServer(rt: Runtime, opts: ServerOptions): Promise<Server> {
  const adapters = createAdapters(rt.config, { sql: rt.db.sql, keys: rt.keys });
  const tg = rt.config.telegram;
  const dedupe = new InboundDedupe(rt.redis, rt.redisPrefix);
  const app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters, log: rt.log,
    telegram: adapters.telegram && tg?.mode === 'webhook' ? { adapter: adapters.telegram, secret: tg.webhookSecret!, dedupe } : undefined,
    zalo: adapters.zalo ? { adapter: adapters.zalo, dedupe } : undefined,
  });
  const poller = adapters.telegram && tg?.mode === 'polling' ? new TelegramPoller({ engine: rt.engine, sql: rt.db.sql, log: rt.log, adapter: adapters.telegram, dedupe }) : null;
  const address = await app.listen({ host: opts.host, port: opts.port });
  poller?.start();
  const worker = opts.worker ? startBackgroundWorker(rt, adapters, opts.worker === true ? {} : opts.worker) : null;
  const url = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  return {
    app,
    url,
    worker,
    async close() {
      await poller?.stop();
      await app.close();
      await worker?.close();
    },
  };
}

/**
 * Resolves when the process is asked to stop, after `close()`. Something that still holds the
 * process open 20 s after the signal (a stuck connection) must not turn a stop into a hang:
 * the process then says so and exits 1; a second Ctrl+C exits at once.
 */
export function closeOnSignal(close: () => Promise<void>, graceMs = 20_000): Promise<void> {
  return new Promise((resolve) => {
    let closing = false;
    const stop = () => {
      if (closing) {
        process.exit(130);
      }
      closing = true;
      setTimeout(() => {
        console.error(`ansinh: did not stop within ${graceMs / 1000} s of the signal; exiting.`);
        process.exit(1);
      }, graceMs).unref();
      void close().finally(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
