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
import type { ChatMessagePayload, UnreachablePayload } from '../outbox/outbox.service.js';
import { renderChatMessage } from '../conversation/render-outbox.js';
import { stageNoticeSummary, type StageNoticeParams } from '../notifications/stage-notice.js';
import { maskName } from '../people/mask.js';
import { audit } from '../audit/audit.service.js';
import { markBlocked } from '../inbound/pipeline.js';
import { SendError, type ChannelAdapter } from '../../bots/channel.js';
import type { AttemptInfo, OutboundJobData } from './queues.js';

export interface OutboundDeps {
  sql: SqlRunner;
  keys: Keys;
  clock: Clock;
  log: Logger;
  adapters: Record<string, ChannelAdapter<unknown> | undefined>;
}

export type OutboundResult = 'sent' | 'zns' | 'unreachable' | 'skipped';

interface Row {
  payload: ChatMessagePayload;
  deliveredAt: Date | null;
  externalId: string | null;
  locale: string | null;
  blocked: boolean | null;
  lastInboundAt: Date | null;
}

export async function deliverQueuedMessage(deps: OutboundDeps, channel: string, job: OutboundJobData, info: AttemptInfo): Promise<OutboundResult> {
  const [row] = await deps.sql.query<Row>(
    `SELECT o.payload, o."deliveredAt", i."externalId", i.locale, i.blocked, i."lastInboundAt"
     FROM "OutboxEvent" o LEFT JOIN "ChannelIdentity" i ON i.id = (o.payload->>'identityId')::int
     WHERE o.id = $1::bigint AND o.kind = 'chat_message'`,
    [job.messageId],
  );
  if (!row || row.deliveredAt) return 'skipped';
  const p = row.payload;
  const ctx = { deps, channel, messageId: job.messageId, p };
  // The chat was forgotten (identity deleted) or never existed.
  if (row.externalId === null) return finish(ctx, 'unreachable', 'no_chat');
  const adapter = deps.adapters[channel];
  if (!adapter) return finish(ctx, 'unreachable', 'channel_off');
  if (row.blocked) return finish(ctx, 'unreachable', 'blocked');

  const window = adapter.capabilities.freeWindowHours;
  const outside = window !== undefined && (!row.lastInboundAt || deps.clock.now().getTime() - row.lastInboundAt.getTime() > window * 3_600_000);
  try {
    if (outside) return await byPhone(ctx, adapter, info);
    await adapter.send(row.externalId, renderChatMessage(p, row.locale ?? 'vi'));
    return finish(ctx, 'sent');
  } catch (e) {
    const err = e instanceof SendError ? e : new SendError('connection', (e as Error).message);
    if (err.kind === 'contact_stopped') {
      await markBlocked(deps.sql, channel, row.externalId);
      return finish(ctx, 'unreachable', 'blocked');
    }
    if (err.reason === 'outside_window') return byPhone(ctx, adapter, info);
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

/** Outside the free window: the phone template (ZNS), only for notices about a person. */
async function byPhone(ctx: Ctx, adapter: ChannelAdapter<unknown>, info: AttemptInfo): Promise<OutboundResult> {
  const { deps, p } = ctx;
  if (!adapter.capabilities.phoneTemplates || !adapter.sendTemplate || p.template !== 'stage_changed' || !p.personId) return finish(ctx, 'unreachable', 'outside_window');
  const [person] = await deps.sql.query<{ phoneCipher: string | null }>(`SELECT "phoneCipher" FROM "Person" WHERE id = $1`, [p.personId]);
  if (!person?.phoneCipher) return finish(ctx, 'unreachable', 'outside_window_no_phone');
  const params = p.params as unknown as StageNoticeParams;
  try {
    await adapter.sendTemplate(decryptPhone(deps.keys, person.phoneCipher), {
      customer_name: maskName(params.name),
      id_last: params.idLast,
      program: params.program,
      status: stageNoticeSummary(params),
    }, ctx.messageId);
    return finish(ctx, 'zns');
  } catch (e) {
    const err = e instanceof SendError ? e : new SendError('connection', (e as Error).message);
    if (err.retryable && !info.final) throw err;
    return finish(ctx, 'unreachable', `zns_${err.kind}`);
  }
}

async function finish(ctx: Ctx, result: OutboundResult, reason?: string): Promise<OutboundResult> {
  const { deps, p } = ctx;
  await deps.sql.transaction(async (tx) => {
    const marked = await tx.query(`UPDATE "OutboxEvent" SET "deliveredAt" = now(), result = $2, attempts = attempts + 1 WHERE id = $1::bigint AND "deliveredAt" IS NULL RETURNING id`, [ctx.messageId, result]);
    if (marked.length === 0) return;
    if (result === 'unreachable') {
      const u: UnreachablePayload = { personId: p.personId ?? null, identityId: p.identityId, channel: ctx.channel, entitlementId: p.entitlementId ?? null, reason: reason ?? 'unknown', messageId: ctx.messageId };
      await tx.query(`INSERT INTO "OutboxEvent" (kind, payload) VALUES ('unreachable', $1::jsonb)`, [JSON.stringify(u)]);
    }
    await audit(tx, { action: 'notify', result, channel: ctx.channel, identityId: p.identityId, personId: p.personId, actor: 'system', detail: { message: ctx.messageId, template: p.template, ...(reason ? { reason } : {}) } });
  });
  if (result === 'unreachable') deps.log.info({ channel: ctx.channel, reason }, 'message reached nobody; recorded for the officer');
  return result;
}
