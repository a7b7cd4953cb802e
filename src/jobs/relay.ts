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
import type { OutboundQueues, Priority } from './queues.js';

export interface RelayOptions {
  sql: SqlRunner;
  queues: Pick<OutboundQueues, 'add' | 'channels'>;
  log: Logger;
  /** @defaultValue 500 */
  intervalMs?: number;
  /** @defaultValue 500 */
  batch?: number;
}

const PRIORITY_OF: Record<string, Priority> = { ticket_reply: 'reply', stage_changed: 'notification', binding_notice: 'notification', officer: 'digest', text: 'bulk' };

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: RelayOptions) {}

  /** One pass; returns how many rows it moved. */
  async tick(): Promise<number> {
    const batch = this.opts.batch ?? 500;
    const expanded = await expandStageChanges(this.opts.sql, batch);
    expanded.changes += await expandOfficerAlerts(this.opts.sql, batch);
    const channels = this.opts.queues.channels();
    if (channels.length === 0) return expanded.changes;
    const moved = await this.opts.sql.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; channel: string; template: string; urgent: boolean | null }>(
        `SELECT id::text, payload->>'channel' AS channel, payload->>'template' AS template, (payload->>'urgent')::boolean AS urgent FROM "OutboxEvent"
         WHERE "processedAt" IS NULL AND kind = 'chat_message' AND payload->>'channel' = ANY($1::text[])
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
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
    return expanded.changes + moved;
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
