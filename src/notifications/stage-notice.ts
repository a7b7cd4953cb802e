/**
 * Status-change notifications, step one: a `stage_changed` outbox row (written with the change,
 * see entitlements/stage.service.ts) becomes one `chat_message` row per chat that is bound to
 * the person and opted in, carrying everything needed to render it in either language. One
 * INSERT ... SELECT per batch; the source rows are marked done in the same transaction, so a
 * change is expanded exactly once however many relays run.
 */
import type { SqlRunner } from '../db/sql.js';
import type { Reply } from '../conversation/types.js';
import { messages } from '../i18n/messages.js';
import { maskName } from '../people/mask.js';
import { formatVnd } from '../shared/format.js';
import { formatVi } from '../calendar/local-date.js';
import { broadcastMessages } from '../i18n/broadcast-messages.js';

/** The parameters of a `stage_changed` chat message (strings, as stored in the outbox). */
export interface StageNoticeParams {
  name: string;
  idLast: string;
  program: string;
  programVi: string;
  programEn: string;
  stage: string;
  stageVi: string;
  stageEn: string;
  status: string;
  amount: string;
  date: string;
  dueAt: string;
  place: string;
  method: string;
  reason: string;
  decisionNo: string;
  /** Verification code of the change (AS-T…); absent on rows expanded before codes existed. */
  code?: string;
}

/**
 * Expands up to `limit` pending stage changes; returns how many changes and chat messages.
 * `codeOf` gives the verification code printed on the notice of a change (its outbox row id).
 */
export async function expandStageChanges(sql: SqlRunner, limit = 500, codeOf?: (changeId: string) => string): Promise<{ changes: number; messages: number }> {
  return sql.transaction(async (tx) => {
    const src = await tx.query<{ id: string }>(
      `SELECT id::text FROM "OutboxEvent" WHERE kind = 'stage_changed' AND "processedAt" IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (src.length === 0) return { changes: 0, messages: 0 };
    const ids = src.map((r) => r.id);
    const inserted = await tx.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO "OutboxEvent" (kind, payload)
         SELECT 'chat_message', jsonb_build_object(
           'identityId', i.id, 'channel', i.channel, 'template', 'stage_changed', 'personId', p.id,
           'entitlementId', e.id, 'source', o.id::text,
           'params', jsonb_build_object(
             'name', p."fullName", 'idLast', p."idLast", 'program', pr.code, 'programVi', pr.name, 'programEn', pr."nameEn",
             'stage', o.payload->>'toStage', 'stageVi', COALESCE(s.name, ''), 'stageEn', COALESCE(s."nameEn", ''),
             'status', e.status, 'amount', e.amount::text,
             'date', to_char(e."stageEnteredAt", 'YYYY-MM-DD'), 'dueAt', COALESCE(to_char(e."dueAt", 'YYYY-MM-DD'), ''),
             'place', COALESCE(e."paymentPlace", ''), 'method', COALESCE(e."paymentMethod", ''),
             'reason', COALESCE(e."rejectionReason", ''), 'decisionNo', COALESCE(e."decisionNo", ''),
             'code', COALESCE($2::jsonb->>(o.id::text), '')))
         FROM "OutboxEvent" o
         JOIN "Entitlement" e ON e.id = (o.payload->>'entitlementId')::int
         JOIN "Person" p ON p.id = e."personId"
         JOIN "Program" pr ON pr.id = e."programId"
         LEFT JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = o.payload->>'toStage'
         JOIN "Binding" b ON b."personId" = p.id
         JOIN "ChannelIdentity" i ON i.id = b."identityId" AND i.notify AND NOT i.blocked
         WHERE o.id = ANY($1::bigint[])
         ORDER BY o.id, i.id
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [ids, JSON.stringify(Object.fromEntries(codeOf ? ids.map((id) => [id, codeOf(id)]) : []))],
    );
    await tx.query(`UPDATE "OutboxEvent" SET "processedAt" = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [ids]);
    return { changes: ids.length, messages: inserted[0]?.n ?? 0 };
  });
}

/** The notification text, in the chat's language. */
export function renderStageNotice(p: StageNoticeParams, locale: string): Reply {
  const m = messages(locale);
  const en = locale === 'en';
  const program = en ? p.programEn : p.programVi;
  const head = en
    ? `Update on the support file of ${maskName(p.name)} (ID ***${p.idLast}), ${program}:`
    : `Cập nhật hồ sơ hỗ trợ của ${maskName(p.name)} (CCCD ***${p.idLast}), ${program}:`;
  const lines = [head];
  if (p.status === 'paid') lines.push(m.status.paid(formatVi(p.date), p.place || null, p.method || null), m.status.amount(formatVnd(BigInt(p.amount))));
  else if (p.status === 'rejected') lines.push(m.status.rejected(p.reason || null), m.status.rejectedNext);
  else {
    lines.push(m.status.stage((en ? p.stageEn : p.stageVi) || p.stage, formatVi(p.date)));
    if (p.status === 'approved') lines.push(m.status.approved(p.decisionNo || null), m.status.amount(formatVnd(BigInt(p.amount))));
    if (p.dueAt) lines.push(m.status.due(formatVi(p.dueAt)));
  }
  if (p.code) {
    const bm = broadcastMessages(locale);
    lines.push(bm.codeLine(p.code), bm.neverAsks);
  }
  return { text: lines.join('\n'), buttons: [{ label: m.buttons.mine, action: 'mine' }, { label: m.buttons.notifyOff, action: 'notify:off' }] };
}

/** A short text for a ZNS template parameter (Zalo caps parameters; keep it plain). */
export function stageNoticeSummary(p: StageNoticeParams): string {
  if (p.status === 'paid') return `Đã chi trả ngày ${formatVi(p.date)}`;
  if (p.status === 'rejected') return 'Không được duyệt';
  if (p.status === 'approved') return 'Đã phê duyệt, chờ chi trả';
  return (p.stageVi || p.stage).slice(0, 90);
}
