/**
 * Sending one queued chat message (an outbox row) on its channel: render it in the chat's
 * language, send, record the outcome on the row and in the audit log. A chat that blocked the
 * bot is marked; a Zalo user outside the interaction window gets the ZNS template by phone when
 * the person's phone is known; anything that reaches nobody leaves an `unreachable` outbox row,
 * which the officer digest turns into a task. A row already delivered is never sent again.
 */
import type { SqlRunner } from '../db/sql.js';
import type { Keys } from '../shared/secrets.js';
import { decryptPhone } from '../shared/secrets.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { JOIN_BROADCAST, PAYLOAD_WITH_BROADCAST, type ChatMessagePayload, type UnreachablePayload } from '../outbox/outbox.service.js';
import { renderChatMessage } from '../conversation/render-outbox.js';
import { stageNoticeSummary, type StageNoticeParams } from '../notifications/stage-notice.js';
import { maskName } from '../people/mask.js';
import { audit } from '../audit/audit.service.js';
import { markBlocked } from '../inbound/pipeline.js';
import { SendError, type ChannelAdapter } from '../../bots/channel.js';
import type { AttemptInfo, OutboundJobData } from './queues.js';
import { outboundKind, type MessageCounters } from '../metrics.js';
import { deliveryStatusFor } from '../broadcasts/broadcast.service.js';

export interface OutboundDeps {
  sql: SqlRunner;
  keys: Keys;
  clock: Clock;
  log: Logger;
  adapters: Record<string, ChannelAdapter<unknown> | undefined>;
  /** Counts messages sent, failed attempts and messages that reached nobody; absent = not counted. */
  metrics?: MessageCounters;
}

/** `deferred`: a paused broadcast's message went back to the outbox, to be queued again on resume. */
export type OutboundResult = 'sent' | 'zns' | 'unreachable' | 'skipped' | 'cancelled' | 'deferred';

interface Row {
  payload: ChatMessagePayload;
  deliveredAt: Date | null;
  externalId: string | null;
  locale: string | null;
  blocked: boolean | null;
  lastInboundAt: Date | null;
  /** For a broadcast message: its broadcast's status and whether ZNS may be used. */
  bcStatus: string | null;
  allowZns: boolean | null;
}

export async function deliverQueuedMessage(deps: OutboundDeps, channel: string, job: OutboundJobData, info: AttemptInfo): Promise<OutboundResult> {
  const [row] = await deps.sql.query<Row>(
    `SELECT ${PAYLOAD_WITH_BROADCAST} AS payload, o."deliveredAt", i."externalId", i.locale, i.blocked, i."lastInboundAt",
       bc.status AS "bcStatus", bc."allowZns"
     FROM "OutboxEvent" o LEFT JOIN "ChannelIdentity" i ON i.id = (o.payload->>'identityId')::int
     ${JOIN_BROADCAST}
     WHERE o.id = $1::bigint AND o.kind = 'chat_message'`,
    [job.messageId],
  );
  if (!row || row.deliveredAt) return 'skipped';
  const p = row.payload;
  const ctx = { deps, channel, messageId: job.messageId, p };
  if (p.template === 'broadcast') {
    if (row.bcStatus === null || row.bcStatus === 'cancelled') return finish(ctx, 'cancelled');
    // Paused: back to the outbox without using an attempt; the relay queues it again on resume.
    if (row.bcStatus !== 'sending' && row.bcStatus !== 'done') {
      await deps.sql.query(`UPDATE "OutboxEvent" SET "processedAt" = NULL, attempts = attempts + 1 WHERE id = $1::bigint AND "deliveredAt" IS NULL`, [job.messageId]);
      return 'deferred';
    }
  }
  // The chat was forgotten (identity deleted) or never existed.
  if (row.externalId === null) return finish(ctx, 'unreachable', 'no_chat');
  const adapter = deps.adapters[channel];
  if (!adapter) return finish(ctx, 'unreachable', 'channel_off');
  if (row.blocked) return finish(ctx, 'unreachable', 'blocked');

  const window = adapter.capabilities.freeWindowHours;
  const outside = window !== undefined && (!row.lastInboundAt || deps.clock.now().getTime() - row.lastInboundAt.getTime() > window * 3_600_000);
  try {
    if (outside) return await byPhone(ctx, adapter, info, row.allowZns === true);
    await adapter.send(row.externalId, renderChatMessage(p, row.locale ?? 'vi'));
    return finish(ctx, 'sent');
  } catch (e) {
    const err = e instanceof SendError ? e : new SendError('connection', (e as Error).message);
    deps.metrics?.sendError(channel, err.kind);
    if (err.kind === 'contact_stopped') {
      await markBlocked(deps.sql, channel, row.externalId);
      return finish(ctx, 'unreachable', 'blocked');
    }
    if (err.reason === 'outside_window') return byPhone(ctx, adapter, info, row.allowZns === true);
    if (err.kind === 'rejected') return finish(ctx, 'unreachable', 'rejected');
    if (err.retryable && info.final) return finish(ctx, 'unreachable', 'gave_up');
    throw err;
  }
}

interface Ctx {
  deps: OutboundDeps;
  channel: string;
  messageId: string;
  p: ChatMessagePayload;
}

/**
 * Outside the free window: the phone template (ZNS), for notices about a person, and for a
 * broadcast that allows it (to the phone of the first person bound to the chat who has one).
 */
async function byPhone(ctx: Ctx, adapter: ChannelAdapter<unknown>, info: AttemptInfo, allowZns = false): Promise<OutboundResult> {
  const { deps, p } = ctx;
  const broadcast = p.template === 'broadcast' && allowZns && p.broadcast;
  if (!adapter.capabilities.phoneTemplates || !adapter.sendTemplate || !(broadcast || (p.template === 'stage_changed' && p.personId))) return finish(ctx, 'unreachable', 'outside_window');
  let data: Record<string, string>;
  let cipher: string | null | undefined;
  if (broadcast) {
    const [person] = await deps.sql.query<{ phoneCipher: string; fullName: string; idLast: string }>(
      `SELECT pe."phoneCipher", pe."fullName", pe."idLast" FROM "Binding" b JOIN "Person" pe ON pe.id = b."personId"
       WHERE b."identityId" = $1 AND pe."phoneCipher" IS NOT NULL ORDER BY b.id LIMIT 1`,
      [p.identityId],
    );
    cipher = person?.phoneCipher;
    // The approved template has four short parameters: the broadcast's title and its code go in.
    data = person ? { customer_name: maskName(person.fullName), id_last: person.idLast, program: 'Thông báo', status: `${broadcast.titleVi ?? broadcast.textVi}`.slice(0, 70) + ` (mã ${broadcast.verifyCode})` } : {};
  } else {
    const [person] = await deps.sql.query<{ phoneCipher: string | null }>(`SELECT "phoneCipher" FROM "Person" WHERE id = $1`, [p.personId]);
    cipher = person?.phoneCipher;
    const params = p.params as unknown as StageNoticeParams;
    data = { customer_name: maskName(params.name), id_last: params.idLast, program: params.program, status: stageNoticeSummary(params) };
  }
  if (!cipher) return finish(ctx, 'unreachable', 'outside_window_no_phone');
  try {
    await adapter.sendTemplate(decryptPhone(deps.keys, cipher), data, ctx.messageId);
    return finish(ctx, 'zns');
  } catch (e) {
    const err = e instanceof SendError ? e : new SendError('connection', (e as Error).message);
    deps.metrics?.sendError(znsChannel(ctx.channel), err.kind);
    if (err.retryable && !info.final) throw err;
    return finish(ctx, 'unreachable', `zns_${err.kind}`);
  }
}

async function finish(ctx: Ctx, result: OutboundResult, reason?: string): Promise<OutboundResult> {
  const { deps, p } = ctx;
  await deps.sql.transaction(async (tx) => {
    const marked = await tx.query(`UPDATE "OutboxEvent" SET "deliveredAt" = now(), result = $2, attempts = attempts + 1 WHERE id = $1::bigint AND "deliveredAt" IS NULL RETURNING id`, [ctx.messageId, result]);
    if (marked.length === 0) return;
    // A broadcast's outcome goes on its delivery (the broadcast report), not to the officers' digest.
    if (p.template === 'broadcast' && p.deliveryId) {
      await tx.query(`UPDATE "BroadcastDelivery" SET status = $2 WHERE id = $1`, [p.deliveryId, deliveryStatusFor(result as 'sent' | 'zns' | 'unreachable' | 'cancelled', reason)]);
    } else if (result === 'unreachable') {
      const u: UnreachablePayload = { personId: p.personId ?? null, identityId: p.identityId, channel: ctx.channel, entitlementId: p.entitlementId ?? null, reason: reason ?? 'unknown', messageId: ctx.messageId };
      await tx.query(`INSERT INTO "OutboxEvent" (kind, payload) VALUES ('unreachable', $1::jsonb)`, [JSON.stringify(u)]);
    }
    await audit(tx, { action: 'notify', result, channel: ctx.channel, identityId: p.identityId, personId: p.personId, actor: 'system', detail: { message: ctx.messageId, template: p.template, ...(reason ? { reason } : {}) } });
  });
  if (result === 'unreachable' && p.template !== 'broadcast') deps.log.info({ channel: ctx.channel, reason }, 'message reached nobody; recorded for the officer');
  if (result === 'sent') deps.metrics?.messageOut(ctx.channel, outboundKind(p));
  else if (result === 'zns') deps.metrics?.messageOut(znsChannel(ctx.channel), outboundKind(p));
  else if (result === 'unreachable') deps.metrics?.unreachable(ctx.channel, reason ?? 'unknown');
  return result;
}

/** Template messages by phone are counted apart from chat messages ("zalo_zns"): they are billed. */
const znsChannel = (channel: string) => `${channel}_zns`;
