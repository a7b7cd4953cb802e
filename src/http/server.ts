/**
 * Runs the HTTP server for a runtime: listen, and close gracefully on SIGINT/SIGTERM
 * (stop accepting, finish requests in flight, close connections). A worker-only process can
 * listen too, for /healthz, /readyz and /metrics alone (`startOpsServer`).
 */
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { createAdapters } from '../../bots/registry.js';
import { buildApp } from './app.js';
import { registerOps } from './routes/ops.js';
import { InboundDedupe } from '../inbound/dedupe.js';
import { TelegramPoller } from '../inbound/telegram-poller.js';
import { queuedChannels, startBackgroundWorker, type BackgroundWorker, type WorkerOptions } from '../jobs/worker.js';
import { ImportJobs } from '../jobs/import-queue.js';
import { queueBoard } from '../jobs/board.js';
import { BroadcastJobs, broadcastPreviewOptions, resumeAndSend, sendBroadcast } from '../jobs/broadcast-jobs.js';
import { consoleBroadcasts } from './routes/console-broadcasts.js';

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
  // The console queues imports; a worker process (or this one, with `start`) runs them.
  const importJobs = new ImportJobs({ redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, log: rt.log });
  const broadcastJobs = new BroadcastJobs({ redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, log: rt.log });
  const app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters, log: rt.log,
    metrics: rt.metrics, metricsToken: rt.config.metrics.token, redis: rt.redis,
    telegram: adapters.telegram && tg?.mode === 'webhook' ? { adapter: adapters.telegram, secret: tg.webhookSecret!, dedupe } : undefined,
    zalo: adapters.zalo ? { adapter: adapters.zalo, dedupe } : undefined,
    api: { keys: rt.keys, clock: rt.clock, outDir: join(rt.config.dataDir, 'imports') },
    console: {
      keys: rt.keys, clock: rt.clock, dataDir: rt.config.dataDir, imports: importJobs,
      board: queueBoard({ redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, channels: queuedChannels(adapters).map((c) => c.channel), extraQueues: ['broadcasts'] }),
      sections: [consoleBroadcasts({
        sql: rt.db.sql, keys: rt.keys, clock: rt.clock, faqIds: rt.faq.entries.map((e) => e.id),
        send: (id, actor) => sendBroadcast(rt.db.sql, broadcastJobs, id, actor),
        resume: (id, actor) => resumeAndSend(rt.db.sql, broadcastJobs, id, actor),
        previewOptions: (allowZns) => broadcastPreviewOptions(adapters, rt.clock.now(), allowZns),
      })],
    },
  });
  const poller = adapters.telegram && tg?.mode === 'polling' ? new TelegramPoller({ engine: rt.engine, sql: rt.db.sql, log: rt.log, adapter: adapters.telegram, dedupe, metrics: rt.metrics }) : null;
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
      await importJobs.close();
      await broadcastJobs.close();
    },
  };
}

/**
 * The operations endpoints alone (/healthz, /readyz, /metrics) for a process without the web
 * app: `ansinh worker --port P`, so a worker's counters and queue gauges can be scraped and a
 * container health check has something to ask.
 */
export async function startOpsServer(rt: Pick<Runtime, 'config' | 'db' | 'redis' | 'log' | 'metrics'>, opts: { host: string; port: number }): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ loggerInstance: rt.log.child({}, { level: 'warn' }) as FastifyBaseLogger });
  app.setNotFoundHandler((_req, reply) => void reply.status(404).send({ error: 'Not found' }));
  registerOps(app, { sql: rt.db.sql, log: rt.log, redis: rt.redis, metrics: rt.metrics, metricsToken: rt.config.metrics.token });
  const address = await app.listen({ host: opts.host, port: opts.port });
  return { app, url: address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost') };
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
