/**
 * The outbound queue (BullMQ is imported only under src/jobs/). One queue per channel
 * (`outbound-telegram`, `outbound-zalo`), each worked at a rate set from the platform's limit
 * minus headroom, so interactive replies (sent directly by the inbound pipeline) always fit
 * under the platform limit even while a bulk send runs.
 *
 * Failures follow the closed SendError set, mapped here and nowhere else:
 * - throttled: the platform said "wait": the whole channel queue pauses for retry-after and the
 *   job goes back without losing an attempt;
 * - connection: retried with exponential backoff (1 s, 2 s, ... capped), long enough to ride out
 *   an outage of minutes, then handed to the handler as its final attempt;
 * - config, rejected, contact_stopped: not retried (BullMQ UnrecoverableError).
 *
 * Jobs carry only the outbox row id (no personal data in Redis); the id is also the job id, so
 * adding the same message twice is one job.
 */
import { Queue, Worker, UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { SendError } from '../../bots/channel.js';
import type { Logger } from '../shared/log.js';

/** Lower runs first (BullMQ priorities). */
export const PRIORITY = { reply: 1, notification: 2, digest: 3, bulk: 10 } as const;
export type Priority = keyof typeof PRIORITY;

/** Share of a platform's rate the queue may use; the rest is headroom for interactive replies. */
export const QUEUE_SHARE = 0.8;

export interface OutboundJobData {
  /** OutboxEvent id. */
  messageId: string;
}

export interface ChannelRate {
  channel: string;
  /** The platform's documented (or assumed) messages per second for the whole bot. */
  platformPerSecond: number;
}

export interface AttemptInfo {
  attempt: number;
  /** True when no retry follows this attempt: the handler should record the give-up. */
  final: boolean;
}

export type OutboundHandler = (channel: string, data: OutboundJobData, info: AttemptInfo) => Promise<void>;

export interface OutboundQueueOptions {
  redisUrl: string;
  /** Key prefix, e.g. "ansinh:" (hash-tagged "{ansinh}:" for Redis Cluster). */
  prefix: string;
  channels: ChannelRate[];
  log: Logger;
  /** Attempts for connection failures. @defaultValue 12 (about an hour of backoff) */
  attempts?: number;
  /** First backoff step and cap (ms). @defaultValue 1000 / 300000 */
  backoffMs?: number;
  backoffCapMs?: number;
  /** Parallel sends per channel worker. @defaultValue 4 */
  concurrency?: number;
}

const queueName = (channel: string) => `outbound-${channel}`;

/**
 * BullMQ's limiter counts fixed windows, so a 1-second window of N lets 2N through in the
 * second that straddles two windows. Short windows (200 ms) keep any sliding second within
 * the share: at Telegram's 30/s that is 4 per 200 ms, at most 24 in any second.
 */
export function limiterFor(platformPerSecond: number): { max: number; duration: number } {
  const perSecond = platformPerSecond * QUEUE_SHARE;
  if (perSecond < 5) return { max: 1, duration: Math.ceil(1000 / perSecond) };
  return { max: Math.floor(perSecond / 5), duration: 200 };
}

export class OutboundQueues {
  private readonly producer: Redis;
  private readonly queues = new Map<string, Queue<OutboundJobData>>();
  private readonly workers: Worker<OutboundJobData>[] = [];
  private readonly workerConnections: Redis[] = [];
  private readonly bullPrefix: string;

  constructor(private readonly opts: OutboundQueueOptions) {
    // Producers fail fast when Redis is down, so the relay's transaction rolls back and retries.
    this.producer = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.producer.on('error', () => {});
    this.bullPrefix = `${opts.prefix}q`;
    for (const c of opts.channels) {
      this.queues.set(c.channel, new Queue<OutboundJobData>(queueName(c.channel), { connection: this.producer, prefix: this.bullPrefix }));
    }
  }

  channels(): string[] {
    return [...this.queues.keys()];
  }

  /**
   * Adds messages to a channel's queue; a message already queued is not added twice. A message
   * queued again on purpose (a broadcast message put back by a pause) passes its `generations`
   * (how many times it was relayed before), which gives it a new job id.
   */
  async add(channel: string, messageIds: string[], priority: Priority, generations?: number[]): Promise<void> {
    const q = this.queues.get(channel);
    if (!q) throw new Error(`no outbound queue for channel ${channel}`);
    if (messageIds.length === 0) return;
    await q.addBulk(messageIds.map((messageId, i) => ({
      name: 'send',
      data: { messageId },
      opts: {
        jobId: generations?.[i] ? `m-${messageId}-${generations[i]}` : `m-${messageId}`,
        priority: PRIORITY[priority],
        attempts: this.opts.attempts ?? 12,
        backoff: { type: 'send' },
        // Kept a day so a re-add of the same id within that time stays a no-op; failures a week.
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })));
  }

  /** Starts one rate-limited worker per channel. */
  startWorkers(handler: OutboundHandler): void {
    const base = this.opts.backoffMs ?? 1000;
    const cap = this.opts.backoffCapMs ?? 300_000;
    for (const c of this.opts.channels) {
      const connection = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
      connection.on('error', () => {});
      this.workerConnections.push(connection);
      const limiter = limiterFor(c.platformPerSecond);
      const worker: Worker<OutboundJobData> = new Worker<OutboundJobData>(
        queueName(c.channel),
        async (job: Job<OutboundJobData>) => {
          const attempts = job.opts.attempts ?? 1;
          const attempt = job.attemptsMade + 1;
          try {
            await handler(c.channel, job.data, { attempt, final: attempt >= attempts });
          } catch (e) {
            const err = e instanceof SendError ? e : new SendError('connection', (e as Error)?.message ?? String(e));
            if (err.kind === 'throttled') {
              await worker.rateLimit(Math.max(250, err.retryAfterMs ?? 1000));
              throw Worker.RateLimitError();
            }
            if (!err.retryable) throw new UnrecoverableError(`${err.kind}: ${err.message}`);
            throw err;
          }
        },
        {
          connection,
          prefix: this.bullPrefix,
          concurrency: this.opts.concurrency ?? 4,
          limiter,
          // A killed worker's sends are taken up again within about 25 s (lock lapsed, then two
          // stalled checks) instead of BullMQ's 90 s; a send takes at most ~10 s, and the lock is
          // renewed every 7.5 s while it runs.
          lockDuration: 15_000,
          stalledInterval: 5_000,
          settings: { backoffStrategy: (attemptsMade: number) => Math.min(cap, base * 2 ** Math.max(0, attemptsMade - 1)) },
        },
      );
      worker.on('failed', (job, err) => {
        if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.opts.log.warn({ channel: c.channel, err: err.message }, 'outbound message failed for good');
      });
      worker.on('error', (err) => this.opts.log.warn({ channel: c.channel, err: err.message }, 'outbound worker error'));
      this.workers.push(worker);
    }
  }

  /** Waiting, delayed, active, failed and completed jobs per channel. */
  async counts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [channel, q] of this.queues) out[channel] = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed');
    return out;
  }

  /** Stops workers (letting jobs in flight finish), then closes every connection. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const c of this.workerConnections) c.disconnect();
    this.producer.disconnect();
  }

  /** Removes every queue's keys (tests). */
  async obliterate(): Promise<void> {
    for (const q of this.queues.values()) await q.obliterate({ force: true });
  }
}

/**
 * Repeating jobs (the digest tick): BullMQ job schedulers in Asia/Ho_Chi_Minh time. However many
 * worker processes run, each tick is one job; what a tick does must still be safe to repeat
 * (the digest's guarantee is its unique key in PostgreSQL, not the job).
 */
export class RepeatingJobs {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly handlers = new Map<string, () => Promise<unknown>>();

  constructor(private readonly opts: { redisUrl: string; prefix: string; log: Logger }) {
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', () => {});
    this.queue = new Queue('schedule', { connection: this.connection, prefix: `${opts.prefix}q` });
  }

  /** Runs `handler` on the cron `pattern` (with seconds), e.g. "0 *\/5 * * * *". */
  async every(id: string, pattern: string, handler: () => Promise<unknown>): Promise<void> {
    if (this.closed) return;
    this.handlers.set(id, handler);
    const upsert = this.queue.upsertJobScheduler(id, { pattern, tz: 'Asia/Ho_Chi_Minh' }, { name: id, opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 3, backoff: { type: 'exponential', delay: 5000 } } });
    this.pending.add(upsert);
    try {
      await upsert;
    } finally {
      this.pending.delete(upsert);
    }
    // Closed while the scheduler was being saved: starting a worker now would keep the process alive.
    if (!this.worker && !this.closed) {
      const connection = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
      connection.on('error', () => {});
      this.worker = new Worker('schedule', async (job: Job) => this.handlers.get(job.name)?.(), { connection, prefix: `${this.opts.prefix}q`, concurrency: 1 });
      this.worker.on('failed', (job, err) => this.opts.log.warn({ job: job?.name, err: err.message }, 'scheduled job failed'));
      this.worker.on('error', (err) => this.opts.log.warn({ err: err.message }, 'schedule worker error'));
      this.worker.on('closed', () => connection.disconnect());
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    await this.worker?.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}
