/**
 * Imports started from the admin console run as BullMQ jobs, one at a time per worker, so a
 * 400,000-row list never ties up a web request. The job carries the ImportBatch id and where
 * the uploaded file sits, never personal data; its progress (phase, rows, bytes) is readable
 * by the console while it runs, and the batch row records the outcome. A job whose worker dies
 * is picked up again (stalled) and starts over cleanly: nothing is committed until the end.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../shared/log.js';

export interface ImportJobData {
  importId: number;
  /** The uploaded file on this machine's data folder. */
  path: string;
  fileName: string;
  program: string;
  province?: string;
  partial?: boolean;
  dryRun?: boolean;
  actor?: string;
  outDir: string;
}

export interface ImportJobProgress {
  phase: string;
  rows: number;
  bytesRead: number;
  bytes: number;
}

export type ImportJobHandler = (data: ImportJobData, progress: (p: ImportJobProgress) => void) => Promise<unknown>;

const NAME = 'imports';

export class ImportJobs {
  private readonly connection: Redis;
  private readonly queue: Queue<ImportJobData>;
  private worker: Worker<ImportJobData> | null = null;
  private workerConnection: Redis | null = null;

  constructor(private readonly opts: { redisUrl: string; prefix: string; log: Logger }) {
    this.connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
    this.connection.on('error', () => {});
    this.queue = new Queue<ImportJobData>(NAME, { connection: this.connection, prefix: `${opts.prefix}q` });
  }

  /** Queues an import; the same batch queued twice is one job. */
  async enqueue(data: ImportJobData): Promise<void> {
    await this.queue.add('import', data, { jobId: `import-${data.importId}`, attempts: 2, backoff: { type: 'fixed', delay: 5000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } });
  }

  /** The progress a running import last reported, or null. */
  async progress(importId: number): Promise<ImportJobProgress | null> {
    const job = await this.queue.getJob(`import-${importId}`);
    const p = job?.progress;
    return p && typeof p === 'object' ? (p as ImportJobProgress) : null;
  }

  /** Runs queued imports with `handler` (one at a time). */
  start(handler: ImportJobHandler): void {
    if (this.worker) return;
    this.workerConnection = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection.on('error', () => {});
    this.worker = new Worker<ImportJobData>(
      NAME,
      async (job: Job<ImportJobData>) => {
        let last = 0;
        return handler(job.data, (p) => {
          if (Date.now() - last < 500 && p.phase === 'reading') return;
          last = Date.now();
          void job.updateProgress(p as unknown as object).catch(() => {});
        });
      },
      { connection: this.workerConnection, prefix: `${this.opts.prefix}q`, concurrency: 1, lockDuration: 60_000 },
    );
    this.worker.on('failed', (job, err) => this.opts.log.warn({ importId: job?.data.importId, err: err.message }, 'import job failed'));
    this.worker.on('error', (err) => this.opts.log.warn({ err: err.message }, 'import worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
