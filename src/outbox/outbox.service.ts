/**
 * The transactional outbox: work that must follow a database change (a message to a chat, an
 * alert to an officer) is written as a row in the same transaction, then relayed. A relay
 * claims rows with FOR UPDATE SKIP LOCKED so several relays never deliver one row twice.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import type { Button } from '../conversation/types.js';
import type { BroadcastContent } from '../broadcasts/broadcast-render.js';

/** A message for one chat, rendered in the chat's language when it is delivered. */
export interface ChatMessagePayload {
  identityId: number;
  channel: string;
  template: 'binding_notice' | 'text' | 'stage_changed' | 'officer' | 'ticket_reply' | 'broadcast';
  params: Record<string, string>;
  /** Buttons of an `officer` message (short opaque actions). */
  buttons?: Button[];
  /** Sent before everything else queued (an officer's answer, a new ticket). */
  urgent?: boolean;
  /** What an `officer` message is, for the metrics (rows queued before it was recorded have none). */
  kind?: OfficerMessageKind;
  /** The person the message is about (a notice by phone needs it). */
  personId?: number;
  entitlementId?: number;
  /** The outbox row this message was expanded from. */
  source?: string;
  /** A `broadcast` message: its Broadcast and BroadcastDelivery rows. */
  broadcastId?: number;
  deliveryId?: number;
  /** Filled in from the Broadcast row when the message is delivered (never stored per message). */
  broadcast?: BroadcastContent;
}

/**
 * SQL for the delivery queries: `payload` with the broadcast's content merged in for a
 * `broadcast` message, given the outbox row `o` joined to its Broadcast as `bc`.
 */
export const PAYLOAD_WITH_BROADCAST = `CASE WHEN bc.id IS NULL THEN o.payload ELSE o.payload || jsonb_build_object('broadcast', jsonb_build_object(
  'titleVi', bc."titleVi", 'textVi', bc."textVi", 'textEn', bc."textEn", 'buttons', bc.buttons, 'verifyCode', bc."verifyCode")) END`;
export const JOIN_BROADCAST = `LEFT JOIN "Broadcast" bc ON o.payload->>'template' = 'broadcast' AND bc.id = (o.payload->>'broadcastId')::int`;

export type OfficerMessageKind = 'digest' | 'reminder' | 'alert' | 'ticket';

/** A notification that reached nobody on a channel; the officer digest turns it into a task. */
export interface UnreachablePayload {
  personId: number | null;
  identityId: number;
  channel: string;
  entitlementId: number | null;
  /** blocked | outside_window | no_phone | rejected | gave_up | channel_off */
  reason: string;
  messageId: string;
}

export interface OfficerAlertPayload {
  reason: 'id_locked' | 'anomaly';
  communeId: number | null;
  identityId: number;
  idLast?: string;
  at: string;
}

type Tx = Pick<PrismaClient, 'outboxEvent'>;

/** Queues messages for chats, in one INSERT, inside the caller's transaction. */
export async function enqueueChatMessages(sql: SqlRunner, list: ChatMessagePayload[]): Promise<void> {
  if (list.length === 0) return;
  await sql.query(`INSERT INTO "OutboxEvent" (kind, payload) SELECT 'chat_message', x FROM unnest($1::jsonb[]) AS x`, [list.map((x) => JSON.stringify(x))]);
}

/**
 * Marks chat messages not yet delivered as `cancelled` (delivered, so a job already in the
 * outbound queue skips them), with their broadcast delivery rows: all of one chat's ("forget me")
 * or all of one broadcast's (cancel). A message being sent at that instant may still go.
 */
export async function cancelChatMessages(sql: SqlRunner, of: { identityId: number } | { broadcastId: number }): Promise<void> {
  const which = 'identityId' in of
    ? `o.kind = 'chat_message' AND (o.payload->>'identityId')::int = $1`
    : `o.id IN (SELECT "outboxId" FROM "BroadcastDelivery" WHERE "broadcastId" = $1)`;
  await sql.query(
    `WITH cancelled AS (
       UPDATE "OutboxEvent" o SET "deliveredAt" = now(), "processedAt" = COALESCE(o."processedAt", now()), result = 'cancelled'
       WHERE o."deliveredAt" IS NULL AND ${which} RETURNING o.id)
     UPDATE "BroadcastDelivery" d SET status = 'cancelled' FROM cancelled c WHERE d."outboxId" = c.id AND d.status = 'queued'`,
    ['identityId' in of ? of.identityId : of.broadcastId],
  );
}

export async function enqueueOfficerAlert(db: Tx, p: OfficerAlertPayload): Promise<void> {
  await db.outboxEvent.create({ data: { kind: 'officer_alert', payload: p as unknown as Prisma.InputJsonValue } });
}

export interface OutboxRow<T> {
  id: string;
  payload: T;
}

/**
 * Claims up to `limit` unprocessed chat messages for the given chats of a channel, runs
 * `deliver` on each inside the claiming transaction, and marks those it delivered. A row whose
 * delivery returns false stays pending (e.g. the web chat is not connected).
 */
export async function relayChatMessages(
  sql: SqlRunner,
  channel: string,
  /** Only these chats (e.g. the web chats connected to this process). */
  identityIds: number[],
  /** Must not query the database: on PGlite the claiming transaction holds the only connection. */
  deliver: (p: ChatMessagePayload, locale: string) => Promise<boolean>,
  limit = 100,
): Promise<number> {
  if (identityIds.length === 0) return 0;
  return sql.transaction(async (tx) => {
    // A paused broadcast's messages wait; a cancelled one's are already marked delivered.
    const rows = await tx.query<{ id: string; payload: ChatMessagePayload; locale: string | null }>(
      `SELECT o.id::text, ${PAYLOAD_WITH_BROADCAST} AS payload, i.locale FROM "OutboxEvent" o
       LEFT JOIN "ChannelIdentity" i ON i.id = (o.payload->>'identityId')::int
       ${JOIN_BROADCAST}
       WHERE o."processedAt" IS NULL AND o.kind = 'chat_message' AND o.payload->>'channel' = $1
         AND (o.payload->>'identityId')::int = ANY($2::int[]) AND (o.payload->>'template' IS DISTINCT FROM 'broadcast' OR bc.status IN ('sending', 'done'))
       ORDER BY o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED`,
      [channel, identityIds, limit],
    );
    const done: string[] = [];
    for (const r of rows) if (await deliver(r.payload, r.locale ?? 'vi')) done.push(r.id);
    if (done.length) {
      // A broadcast's delivery row records the outcome too, as the outbound sender does for the platforms.
      await tx.query(
        `WITH sent AS (UPDATE "OutboxEvent" SET "processedAt" = now(), "deliveredAt" = now(), result = 'sent', attempts = attempts + 1 WHERE id = ANY($1::bigint[]) RETURNING id)
         UPDATE "BroadcastDelivery" d SET status = 'sent' FROM sent WHERE d."outboxId" = sent.id AND d.status = 'queued'`,
        [done],
      );
    }
    return done.length;
  });
}
