/**
 * One BullMQ queue of ansinh's own jobs (imports, broadcast fan-outs): a producer connection that
 * a web process uses to add jobs, and a worker started only in the process that runs them, on a
 * connection of its own (BullMQ's blocking commands need one). Failures are logged, never thrown
 * at the process; `close` stops the worker, then the queue, then both connections.
 */
import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../shared/log.js';

export interface JobQueueOptions {
  redisUrl: string;
  /** Key prefix, e.g. "ansinh:". */
  prefix: string;
  log: Logger;
}

export class JobQueue<T> {
  protected readonly queue: Queue<T>;
  private readonly connection: Redis;
  private worker: Worker<T> | null = null;
  private workerConnection: Redis | null = null;

  constructor(readonly name: string, protected readonly opts: JobQueueOptions) {
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
    this.connection.on('error', () => {});
    this.queue = new Queue<T>(name, { connection: this.connection, prefix: `${opts.prefix}q` });
  }

  /** Runs the queue's jobs in this process (once; a second call does nothing). `describe` names a failed job in the log. */
  protected startWorker(run: (job: Job<T>) => Promise<unknown>, options: Omit<WorkerOptions, 'connection' | 'prefix'>, describe: (data: T | undefined) => object): void {
    if (this.worker) return;
    this.workerConnection = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection.on('error', () => {});
    this.worker = new Worker<T>(this.name, run, { ...options, connection: this.workerConnection, prefix: `${this.opts.prefix}q` });
    this.worker.on('failed', (job, err) => this.opts.log.warn({ ...describe(job?.data), err: err.message }, `${this.name} job failed`));
    this.worker.on('error', (err) => this.opts.log.warn({ err: err.message }, `${this.name} worker error`));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
