/**
 * Imports started from the admin console run as BullMQ jobs, one at a time per worker, so a
 * 400,000-row list never ties up a web request. The job carries the ImportBatch id and where
 * the uploaded file sits, never personal data; its progress (phase, rows, bytes) is readable
 * by the console while it runs, and the batch row records the outcome. A job whose worker dies
 * is picked up again (stalled) and starts over cleanly: nothing is committed until the end.
 */
import { JobQueue, type JobQueueOptions } from './job-queue.js';

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

export class ImportJobs extends JobQueue<ImportJobData> {
  constructor(opts: JobQueueOptions) {
    super(NAME, opts);
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
    this.startWorker(async (job) => {
      let last = 0;
      return handler(job.data, (p) => {
        if (Date.now() - last < 500 && p.phase === 'reading') return;
        last = Date.now();
        void job.updateProgress(p as unknown as object).catch(() => {});
      });
    }, { concurrency: 1, lockDuration: 60_000 }, (data) => ({ importId: data?.importId }));
  }
}
