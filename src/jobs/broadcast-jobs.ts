/**
 * Broadcast jobs: one fan-out job per broadcast (job id `bc-<id>`), which pages through the
 * audience with fanOutPage until it is exhausted, stopping when the broadcast is paused or
 * cancelled; and a repeating tick that starts scheduled broadcasts when due, re-queues fan-outs
 * that stopped part-way (a worker killed, a resume racing the end of a job) and marks finished
 * broadcasts done. The exactly-once guarantee is the unique key of BroadcastDelivery, not the
 * job: a fan-out run twice, or resumed after a crash from the recomputed cursor, inserts
 * nothing twice. The sends themselves go through the outbound queues (relay.ts, outbound.ts).
 *
 * The web process only produces (`enqueue`); `ansinh worker` runs the jobs (`start`).
 */
import type { SqlRunner } from '../db/sql.js';
import type { Adapters } from '../../bots/registry.js';
import { adapterList } from '../../bots/registry.js';
import { QUEUE_SHARE } from './queues.js';
import { JobQueue, type JobQueueOptions } from './job-queue.js';
import {
  fanOutCursor, fanOutPage, finishDoneBroadcasts, resumeBroadcast, startBroadcast, startDueBroadcasts, unfinishedFanOuts,
  type BroadcastActor, type BroadcastStatus, type PreviewOptions, type Transition,
} from '../broadcasts/broadcast.service.js';

interface FanOutJobData {
  broadcastId: number;
}

const NAME = 'broadcasts';
/** Chats per fan-out transaction. */
export const FAN_OUT_PAGE = 1_000;

export class BroadcastJobs extends JobQueue<FanOutJobData> {
  constructor(opts: JobQueueOptions) {
    super(NAME, opts);
  }

  /**
   * Queues the fan-out of a broadcast that is sending. While one runs, queuing it again is a
   * no-op (same job id); after it ended, a new run resumes where the rows stop (or does nothing).
   */
  async enqueue(broadcastId: number): Promise<void> {
    await this.queue.add('fan-out', { broadcastId }, {
      jobId: `bc-${broadcastId}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      // Removed when finished so a resume can queue it again; the tick re-queues a failed one.
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  /** Runs fan-outs with `run` (the worker process). */
  start(run: (broadcastId: number) => Promise<unknown>): void {
    this.startWorker((job) => run(job.data.broadcastId), {
      concurrency: 2,
      // A killed worker's job is picked up again by another (or the restarted) one, within ~25 s.
      maxStalledCount: 5,
      lockDuration: 15_000,
      stalledInterval: 5_000,
    }, (data) => ({ broadcast: data?.broadcastId }));
  }

  /** Removes the queue's keys (tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}

export interface FanOutResult {
  pages: number;
  inserted: number;
  /** Set when it stopped because the broadcast was paused or cancelled. */
  stopped?: BroadcastStatus;
}

/** The fan-out of one broadcast, page by page, from wherever its rows stop. */
export async function runFanOut(sql: SqlRunner, broadcastId: number, pageSize = FAN_OUT_PAGE): Promise<FanOutResult> {
  let after = await fanOutCursor(sql, broadcastId);
  const r: FanOutResult = { pages: 0, inserted: 0 };
  for (;;) {
    const page = await fanOutPage(sql, broadcastId, after, pageSize);
    if (page.stopped) return { ...r, stopped: page.stopped };
    r.inserted += page.inserted;
    if (page.next === null) return r;
    r.pages++;
    after = page.next;
  }
}

/** One tick: scheduled broadcasts that are due start; stalled fan-outs are queued again; finished ones are marked done. */
export async function broadcastTick(sql: SqlRunner, jobs: Pick<BroadcastJobs, 'enqueue'>, now: Date): Promise<{ started: number; requeued: number; done: number }> {
  const started = await startDueBroadcasts(sql, now);
  const unfinished = await unfinishedFanOuts(sql);
  for (const id of new Set([...started, ...unfinished])) await jobs.enqueue(id);
  const done = await finishDoneBroadcasts(sql);
  return { started: started.length, requeued: unfinished.filter((id) => !started.includes(id)).length, done };
}

/** "Send now": the broadcast starts (a second click changes nothing) and its fan-out is queued. */
export async function sendBroadcast(sql: SqlRunner, jobs: Pick<BroadcastJobs, 'enqueue'>, id: number, actor: BroadcastActor): Promise<Transition> {
  const t = await startBroadcast(sql, id, actor);
  if (t.broadcast.status === 'sending') await jobs.enqueue(id);
  return t;
}

/** Resume: sending again, and the fan-out queued again in case it stopped part-way. */
export async function resumeAndSend(sql: SqlRunner, jobs: Pick<BroadcastJobs, 'enqueue'>, id: number, actor: BroadcastActor): Promise<Transition> {
  const t = await resumeBroadcast(sql, id, actor);
  if (t.broadcast.status === 'sending') await jobs.enqueue(id);
  return t;
}

/** What previewAudience needs from the configured channels: queued rates and free windows. */
export function broadcastPreviewOptions(adapters: Adapters, now: Date, allowZns = false): PreviewOptions {
  const ratePerSecond: Record<string, number | undefined> = {};
  const freeWindowHours: Record<string, number | undefined> = {};
  for (const a of adapterList(adapters)) {
    ratePerSecond[a.name] = a.capabilities.ratePerSecond === undefined ? undefined : a.capabilities.ratePerSecond * QUEUE_SHARE;
    freeWindowHours[a.name] = a.capabilities.freeWindowHours;
  }
  return { ratePerSecond, freeWindowHours, now, allowZns };
}

/** Broadcast jobs a channel's queue may hold: about five seconds of sending (relay.ts). */
export function broadcastBacklog(channels: { channel: string; platformPerSecond: number }[]): Record<string, number> {
  return Object.fromEntries(channels.map((c) => [c.channel, Math.max(50, Math.ceil(c.platformPerSecond * QUEUE_SHARE * 5))]));
}
