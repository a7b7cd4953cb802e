/**
 * The outbox relay: turns committed outbox rows into queued sends. Each tick (1) expands status
 * changes and officer alerts into per-chat messages and (2) moves pending chat messages for queued channels into
 * their channel's queue, marking them relayed in the same transaction that claimed them. If the
 * queue cannot be reached the transaction rolls back and the rows wait for the next tick;
 * a row relayed twice (a crash between queueing and commit) is one job, because the row id is
 * the job id. Web chat messages stay in the outbox for the web server, which pushes them to
 * open pages.
 */
import type { SqlRunner } from '../db/sql.js';
import type { Logger } from '../shared/log.js';
import { expandStageChanges } from '../notifications/stage-notice.js';
import { expandOfficerAlerts } from '../officers/alerts.js';
import type { Keys } from '../shared/secrets.js';
import { verificationCode } from '../broadcasts/verify-code.js';
import type { OutboundQueues, Priority } from './queues.js';

export interface RelayOptions {
  sql: SqlRunner;
  /** With `counts`, broadcast messages are fed to each queue only as fast as it sends (see `broadcastBacklog`). */
  queues: Pick<OutboundQueues, 'add' | 'channels'> & Partial<Pick<OutboundQueues, 'counts'>>;
  log: Logger;
  /** Signs the verification codes printed on status notices; absent = notices without a code. */
  keys?: Pick<Keys, 'verify'>;
  /**
   * Jobs a channel's queue may hold before more broadcast messages are moved into it (about five
   * seconds of sending). The rest wait in the outbox, where pausing and cancelling act at once.
   * @defaultValue 200 per channel
   */
  broadcastBacklog?: Record<string, number>;
  /** @defaultValue 500 */
  intervalMs?: number;
  /** @defaultValue 500 */
  batch?: number;
}

const PRIORITY_OF: Record<string, Priority> = { ticket_reply: 'reply', stage_changed: 'notification', binding_notice: 'notification', officer: 'digest', text: 'bulk', broadcast: 'bulk' };

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: RelayOptions) {}

  /** One pass; returns how many rows it moved. */
  async tick(): Promise<number> {
    const batch = this.opts.batch ?? 500;
    const keys = this.opts.keys;
    const expanded = await expandStageChanges(this.opts.sql, batch, keys ? (id) => verificationCode(keys.verify, 'notice', id) : undefined);
    expanded.changes += await expandOfficerAlerts(this.opts.sql, batch);
    const channels = this.opts.queues.channels();
    if (channels.length === 0) return expanded.changes;
    const moved = await this.opts.sql.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; channel: string; template: string; urgent: boolean | null }>(
        `SELECT id::text, payload->>'channel' AS channel, payload->>'template' AS template, (payload->>'urgent')::boolean AS urgent FROM "OutboxEvent"
         WHERE "processedAt" IS NULL AND kind = 'chat_message' AND (payload->>'template') IS DISTINCT FROM 'broadcast' AND payload->>'channel' = ANY($1::text[])
         ORDER BY "OutboxEvent".id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [channels, batch],
      );
      if (rows.length === 0) return 0;
      const groups = new Map<string, string[]>();
      for (const r of rows) {
        const key = `${r.channel}|${r.urgent ? 'reply' : PRIORITY_OF[r.template] ?? 'bulk'}`;
        groups.set(key, [...(groups.get(key) ?? []), r.id]);
      }
      for (const [key, ids] of groups) {
        const [channel, priority] = key.split('|') as [string, Priority];
        await this.opts.queues.add(channel, ids, priority);
      }
      await tx.query(`UPDATE "OutboxEvent" SET "processedAt" = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
    return expanded.changes + moved + (await this.moveBroadcasts(channels, batch));
  }

  /**
   * Broadcast messages of broadcasts that are sending, oldest first, into each channel's queue
   * up to its backlog, so a 100,000-recipient broadcast never sits in Redis and a pause or a
   * cancel takes effect within seconds. A message put back by a pause is queued again under a
   * new job id (its relay count), since the finished job keeps the old one.
   */
  private async moveBroadcasts(channels: string[], batch: number): Promise<number> {
    // Nothing sending (none, or only paused ones with messages left): no queue counts, no scans.
    if ((await this.opts.sql.query(`SELECT 1 FROM "Broadcast" WHERE status = 'sending' LIMIT 1`)).length === 0) return 0;
    const pending = await this.opts.sql.query<{ channel: string }>(
      `SELECT c AS channel FROM unnest($1::text[]) AS c WHERE EXISTS (
         SELECT 1 FROM "OutboxEvent" o WHERE o."processedAt" IS NULL AND o.kind = 'chat_message' AND (o.payload->>'template') = 'broadcast' AND (o.payload->>'channel') = c)`,
      [channels],
    );
    if (pending.length === 0) return 0;
    const counts = this.opts.queues.counts ? await this.opts.queues.counts() : {};
    let moved = 0;
    for (const { channel } of pending) {
      const c = counts[channel] ?? {};
      const backlog = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
      const room = Math.min(batch, (this.opts.broadcastBacklog?.[channel] ?? 200) - backlog);
      if (room <= 0) continue;
      moved += await this.opts.sql.transaction(async (tx) => {
        const rows = await tx.query<{ id: string; attempts: number }>(
          `SELECT o.id::text, o.attempts FROM "OutboxEvent" o
           JOIN "Broadcast" bc ON bc.id = (o.payload->>'broadcastId')::int AND bc.status = 'sending'
           WHERE o."processedAt" IS NULL AND o.kind = 'chat_message' AND (o.payload->>'template') = 'broadcast' AND (o.payload->>'channel') = $1
           ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED`,
          [channel, room],
        );
        if (rows.length === 0) return 0;
        await this.opts.queues.add(channel, rows.map((r) => r.id), 'bulk', rows.map((r) => r.attempts));
        await tx.query(`UPDATE "OutboxEvent" SET "processedAt" = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
        return rows.length;
      });
    }
    return moved;
  }

  start(): void {
    this.stopped = false;
    const loop = async () => {
      let wait = this.opts.intervalMs ?? 500;
      try {
        const n = await this.tick();
        if (n >= (this.opts.batch ?? 500)) wait = 0;
      } catch (e) {
        this.opts.log.warn({ err: (e as Error).message }, 'outbox relay pass failed; retrying');
        wait = Math.min(5000, wait * 4);
      }
      if (!this.stopped) this.timer = setTimeout(() => void (this.running = loop()), wait);
    };
    this.running = loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
