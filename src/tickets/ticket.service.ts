/**
 * Handoff tickets: a citizen's "talk to a person" becomes a ticket for the officers of the
 * citizen's commune (the nearest level above with officers, or the province when the commune is
 * unknown). Officers are told at once; an officer's answer goes back to the citizen's chat on
 * its own channel through the outbox. States: open → answered (→ open again if the citizen
 * writes more) → closed; withdrawn when the citizen says "forget me".
 */
import type { SqlRunner } from '../db/sql.js';
import { audit } from '../audit/audit.service.js';
import { officersFor, type OfficerProfile } from '../officers/officer.service.js';
import { queueOfficerMessages } from '../officers/digest.service.js';
import { officerMessages } from '../i18n/officer-messages.js';

export interface TicketInput {
  identityId: number;
  personId: number | null;
  communeId: number | null;
  text: string | null;
  now: Date;
}

async function communeName(tx: SqlRunner, communeId: number | null): Promise<string> {
  if (communeId === null) return '?';
  const [a] = await tx.query<{ name: string }>(`SELECT name FROM "Area" WHERE id = $1`, [communeId]);
  return a?.name ?? '?';
}

async function tellOfficers(tx: SqlRunner, ticketId: number, communeId: number | null, text: string | null, follow: boolean) {
  const officers = await officersFor(tx, communeId);
  const commune = await communeName(tx, communeId);
  await queueOfficerMessages(tx, officers.map((o) => {
    const m = officerMessages(o.locale);
    return { officerId: o.id, locale: o.locale, text: follow ? `#${ticketId} (${commune}): ${text ?? ''}` : m.ticketNew(ticketId, commune, text ?? '') };
  }), true, 'ticket');
  return officers.length;
}

export async function openTicket(sql: SqlRunner, t: TicketInput): Promise<{ id: number; officers: number }> {
  return sql.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO "HandoffRequest" ("identityId", "personId", "communeId", text, "createdAt") VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [t.identityId, t.personId, t.communeId, t.text, t.now],
    );
    const officers = await tellOfficers(tx, row!.id, t.communeId, t.text, false);
    return { id: row!.id, officers };
  });
}

/** The citizen adds to their ticket: appended, and forwarded to the officers. */
export async function addToTicket(sql: SqlRunner, ticketId: number, text: string): Promise<boolean> {
  return sql.transaction(async (tx) => {
    const [t] = await tx.query<{ communeId: number | null }>(
      `UPDATE "HandoffRequest" SET text = CASE WHEN text IS NULL THEN $2 ELSE text || E'\\n' || $2 END, status = 'open'
       WHERE id = $1 AND status IN ('open', 'answered') RETURNING "communeId"`,
      [ticketId, text],
    );
    if (!t) return false;
    await tellOfficers(tx, ticketId, t.communeId, text, true);
    return true;
  });
}

/**
 * SQL condition: the ticket whose commune column is `col` lies in the officer's area or below
 * (the province's officers also see tickets with no commune). The area path is parameter $1.
 */
function inScope(o: OfficerProfile, col: string): string {
  const province = o.role === 'province' || o.role === 'admin';
  return `(${col} IN (SELECT id FROM "Area" WHERE path LIKE $1 || '%')${province ? ` OR ${col} IS NULL` : ''})`;
}

export interface TicketLine {
  id: number;
  createdAt: Date;
  commune: string | null;
  text: string | null;
  status: string;
}

export async function listTickets(sql: SqlRunner, o: OfficerProfile, limit = 10): Promise<{ total: number; items: TicketLine[] }> {
  const items = await sql.query<TicketLine & { total: string }>(
    `SELECT h.id, h."createdAt", c.name AS commune, h.text, h.status, count(*) OVER () AS total
     FROM "HandoffRequest" h LEFT JOIN "Area" c ON c.id = h."communeId"
     WHERE h.status = 'open' AND ${inScope(o, 'h."communeId"')} ORDER BY h."createdAt", h.id LIMIT $2`,
    [o.areaPath, limit],
  );
  return { total: Number(items[0]?.total ?? 0), items };
}

export async function replyToTicket(sql: SqlRunner, o: OfficerProfile, ticketId: number, text: string, now: Date): Promise<boolean> {
  return sql.transaction(async (tx) => {
    const [t] = await tx.query<{ identityId: number; channel: string; personId: number | null }>(
      `SELECT h."identityId", i.channel, h."personId" FROM "HandoffRequest" h JOIN "ChannelIdentity" i ON i.id = h."identityId"
       WHERE h.id = $2 AND h.status IN ('open', 'answered') AND ${inScope(o, 'h."communeId"')} FOR UPDATE OF h`,
      [o.areaPath, ticketId],
    );
    if (!t) return false;
    await tx.query(`UPDATE "HandoffRequest" SET status = 'answered', "answeredAt" = $2, "answeredBy" = $3, replies = replies + 1 WHERE id = $1`, [ticketId, now, o.id]);
    await tx.query(`INSERT INTO "OutboxEvent" (kind, payload) VALUES ('chat_message', $1::jsonb)`, [
      JSON.stringify({ identityId: t.identityId, channel: t.channel, template: 'ticket_reply', params: { text, ticket: String(ticketId) }, personId: t.personId ?? undefined }),
    ]);
    await audit(tx, { action: 'ticket_reply', result: 'queued', actor: `officer:${o.id}`, identityId: t.identityId, personId: t.personId ?? undefined, detail: { ticket: ticketId }, at: now });
    return true;
  });
}

export async function closeTicket(sql: SqlRunner, o: OfficerProfile, ticketId: number, now: Date): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE "HandoffRequest" h SET status = 'closed', "closedAt" = $3
     WHERE h.id = $2 AND h.status IN ('open', 'answered') AND ${inScope(o, 'h."communeId"')} RETURNING h.id`,
    [o.areaPath, ticketId, now],
  );
  if (rows.length) await audit(sql, { action: 'ticket_close', result: 'ok', actor: `officer:${o.id}`, detail: { ticket: ticketId }, at: now });
  return rows.length > 0;
}
