/**
 * The background side of ansinh in one place: the outbox relay and a rate-limited outbound
 * queue worker per platform channel. `ansinh worker` runs it alone, `ansinh start` and the demo
 * next to the web server; several can run at once (rows are claimed with SKIP LOCKED, jobs by
 * BullMQ).
 */
import type { Runtime } from '../runtime.js';
import type { Adapters } from '../../bots/registry.js';
import { adapterList } from '../../bots/registry.js';
import { OutboundQueues, RepeatingJobs, type OutboundQueueOptions } from './queues.js';
import { loadWorkingCalendar } from '../calendar/calendar.service.js';
import { localDateAt } from '../calendar/local-date.js';
import { runDigests } from '../officers/digest.service.js';
import { OutboxRelay } from './relay.js';
import { ImportJobs } from './import-queue.js';
import { importListFile } from '../imports/import.service.js';
import { deliverQueuedMessage } from './outbound.js';
import { BroadcastJobs, broadcastBacklog, broadcastTick, runFanOut } from './broadcast-jobs.js';

export interface BackgroundWorker {
  queues: OutboundQueues;
  relay: OutboxRelay;
  schedules: RepeatingJobs | null;
  /** Imports queued by the admin console. */
  imports: ImportJobs | null;
  /** Broadcast fan-outs: the console's "send" and "resume" queue them here (`enqueue`). */
  broadcasts: BroadcastJobs;
  close(): Promise<void>;
}

export interface WorkerOptions extends Partial<Pick<OutboundQueueOptions, 'attempts' | 'backoffMs' | 'backoffCapMs' | 'concurrency'>> {
  relayIntervalMs?: number;
  /** Queue and relay only (a process that adds jobs but does not send). */
  noSend?: boolean;
  /** The digest tick (cron with seconds, Vietnam time). @defaultValue every 5 minutes; null = off */
  digestCron?: string | null;
  /** The broadcast tick: scheduled broadcasts, stalled fan-outs, finished ones. @defaultValue every 15 seconds; null = off */
  broadcastCron?: string | null;
}

/** The channels that send through a queue: those with a platform rate limit. */
export function queuedChannels(adapters: Adapters) {
  return adapterList(adapters)
    .filter((a) => a.capabilities.ratePerSecond !== undefined)
    .map((a) => ({ channel: a.name, platformPerSecond: a.capabilities.ratePerSecond! }));
}

export function startBackgroundWorker(rt: Pick<Runtime, 'config' | 'db' | 'keys' | 'clock' | 'log' | 'redisPrefix'> & Partial<Pick<Runtime, 'metrics'>>, adapters: Adapters, opts: WorkerOptions = {}): BackgroundWorker {
  const queues = new OutboundQueues({
    redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, channels: queuedChannels(adapters), log: rt.log,
    attempts: opts.attempts, backoffMs: opts.backoffMs, backoffCapMs: opts.backoffCapMs, concurrency: opts.concurrency,
  });
  const byName: Record<string, (typeof adapters)[keyof Adapters]> = { ...adapters };
  if (!opts.noSend) {
    queues.startWorkers(async (channel, data, info) => {
      await deliverQueuedMessage({ sql: rt.db.sql, keys: rt.keys, clock: rt.clock, log: rt.log, adapters: byName, metrics: rt.metrics }, channel, data, info);
    });
  }
  // The queues' job counts are read at every scrape of this process's /metrics.
  const unwatch = rt.metrics?.watchQueues(queues);
  const relay = new OutboxRelay({ sql: rt.db.sql, queues, log: rt.log, intervalMs: opts.relayIntervalMs, keys: rt.keys, broadcastBacklog: broadcastBacklog(queuedChannels(adapters)) });
  relay.start();
  const cron = opts.digestCron === undefined ? '0 */5 * * * *' : opts.digestCron;
  const broadcastCron = opts.broadcastCron === undefined ? '*/15 * * * * *' : opts.broadcastCron;
  const schedules = cron || broadcastCron ? new RepeatingJobs({ redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, log: rt.log }) : null;
  if (schedules && cron) {
    void schedules.every('digest-tick', cron, async () => {
      const calendar = await loadWorkingCalendar(rt.db.prisma);
      const now = rt.clock.now();
      const r = await runDigests({ sql: rt.db.sql, calendar, log: rt.log }, { date: localDateAt(now), now, mode: 'due', escalateAfter: rt.config.escalateAfter });
      if (r.sent || r.reminders) rt.log.info({ sent: r.sent, reminders: r.reminders, ms: Math.round(r.ms.total) }, 'digests queued');
    }).catch((e: Error) => rt.log.warn({ err: e.message }, 'could not schedule the digest'));
  }
  const broadcasts = new BroadcastJobs({ redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, log: rt.log });
  if (!opts.noSend) broadcasts.start((id) => runFanOut(rt.db.sql, id));
  if (schedules && broadcastCron) {
    void schedules.every('broadcast-tick', broadcastCron, async () => {
      const r = await broadcastTick(rt.db.sql, broadcasts, rt.clock.now());
      if (r.started || r.requeued || r.done) rt.log.info(r, 'broadcasts ticked');
    }).catch((e: Error) => rt.log.warn({ err: e.message }, 'could not schedule the broadcast tick'));
  }
  const imports = opts.noSend ? null : new ImportJobs({ redisUrl: rt.config.redisUrl, prefix: rt.redisPrefix, log: rt.log });
  imports?.start(async (job, progress) => {
    const calendar = await loadWorkingCalendar(rt.db.prisma);
    return importListFile({ sql: rt.db.sql, keys: rt.keys, calendar, clock: rt.clock, log: rt.log }, job.path, {
      importId: job.importId, fileName: job.fileName, program: job.program, province: job.province, partial: job.partial,
      dryRun: job.dryRun, actor: job.actor, via: 'console', outDir: job.outDir, onProgress: (p) => progress(p),
    });
  });
  return {
    queues,
    relay,
    schedules,
    imports,
    broadcasts,
    async close() {
      unwatch?.();
      await relay.stop();
      await schedules?.close();
      await imports?.close();
      await broadcasts.close();
      await queues.close();
    },
  };
}
