/**
 * Security alerts for officers (an ID number locked after guessing from several chats, a chat
 * trying many ID numbers): each `officer_alert` outbox row becomes a message to the officers of
 * the person's commune (the nearest level with officers), or the province's, once. Chats locked
 * for trying many ID numbers come in waves during an attack: the officers get the first of each
 * hour (per area) and the message says the others are in the audit log, where every one is.
 */
import type { SqlRunner } from '../db/sql.js';
import type { OfficerAlertPayload } from '../outbox/outbox.service.js';
import { officerMessages } from '../i18n/officer-messages.js';
import { formatDateTimeVi } from '../calendar/local-date.js';
import { officersFor } from './officer.service.js';
import { queueOfficerMessages } from './digest.service.js';

export async function expandOfficerAlerts(sql: SqlRunner, limit = 100): Promise<number> {
  return sql.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; payload: OfficerAlertPayload; commune: string | null }>(
      `SELECT o.id::text, o.payload, a.name AS commune FROM "OutboxEvent" o LEFT JOIN "Area" a ON a.id = (o.payload->>'communeId')::int
       WHERE o.kind = 'officer_alert' AND o."processedAt" IS NULL ORDER BY o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED`,
      [limit],
    );
    for (const r of rows) {
      if (r.payload.reason === 'anomaly') {
        const key = `alert:anomaly:${r.payload.communeId ?? 'province'}:${new Date(r.payload.at).toISOString().slice(0, 13)}`;
        const first = await tx.query(`INSERT INTO "OnceKey" (key) VALUES ($1) ON CONFLICT DO NOTHING RETURNING key`, [key]);
        if (first.length === 0) continue; // told already this hour
      }
      const officers = await officersFor(tx, r.payload.communeId);
      const at = formatDateTimeVi(new Date(r.payload.at));
      await queueOfficerMessages(tx, officers.map((o) => {
        const m = officerMessages(o.locale);
        return { officerId: o.id, locale: o.locale, text: r.payload.reason === 'id_locked' ? m.alertIdLocked(r.commune ?? '?', r.payload.idLast ?? '????', at) : m.alertAnomaly(at) };
      }), true, 'alert');
    }
    if (rows.length) await tx.query(`UPDATE "OutboxEvent" SET "processedAt" = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    return rows.length;
  });
}
