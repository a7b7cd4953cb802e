/**
 * What the console shows that no other module computes: programs with files in an area, the
 * overdue backlog by child area, officers and their chats, tickets, imports and the audit
 * log, each limited to an area path (the signed-in user's scope).
 */
import type { SqlRunner } from '../db/sql.js';
import type { AdminUser } from './admin-auth.js';
import type { LocalDate } from '../calendar/local-date.js';

export async function programsIn(sql: SqlRunner, areaPath: string): Promise<{ code: string; name: string; files: number }[]> {
  return sql.query(
    `SELECT p.code, p.name, count(e.id)::int AS files
     FROM "Program" p LEFT JOIN "Entitlement" e ON e."programId" = p.id
       AND e."communeId" IN (SELECT id FROM "Area" WHERE path LIKE $1 || '%')
     GROUP BY p.id ORDER BY count(e.id) DESC, p.code`,
    [areaPath],
  );
}

export interface BacklogByArea {
  code: string;
  name: string;
  open: number;
  dueToday: number;
  overdue: number;
  approvedUnpaid: number;
}

/** Open files by child area of `area`: in progress, due today, overdue, approved but unpaid. */
export async function backlogByArea(sql: SqlRunner, program: string, area: { id: number; level: string; path: string }, today: LocalDate): Promise<BacklogByArea[]> {
  const childLevel = area.level === 'province' ? 'district' : 'commune';
  const child = area.level === 'commune' ? `a.id = ${Number(area.id)}` : `a."parentId" = ${Number(area.id)} AND a.level = '${childLevel}'`;
  return sql.query(
    `SELECT a.code, a.name,
            count(e.id) FILTER (WHERE e.status IN ('in_review', 'approved'))::int AS open,
            count(e.id) FILTER (WHERE e.status IN ('in_review', 'approved') AND e."dueAt" = $3::date)::int AS "dueToday",
            count(e.id) FILTER (WHERE e.status IN ('in_review', 'approved') AND e."dueAt" < $3::date)::int AS overdue,
            count(e.id) FILTER (WHERE e.status = 'approved')::int AS "approvedUnpaid"
     FROM "Area" a
     JOIN "Area" c ON c.path LIKE a.path || '%' AND c.level = 'commune'
     JOIN "Entitlement" e ON e."communeId" = c.id AND e."programId" = (SELECT id FROM "Program" WHERE code = $1)
     WHERE ${child} AND a.path LIKE $2 || '%'
     GROUP BY a.id, a.code, a.name ORDER BY overdue DESC, a.code`,
    [program, area.path, today],
  );
}

export interface OfficerRow {
  id: number;
  name: string;
  role: string;
  areaCode: string;
  areaName: string;
  digestTime: string;
  mutedUntil: string | null;
  channels: string | null;
  blocked: number;
  lastDigest: string | null;
}

export async function officersIn(sql: SqlRunner, areaPath: string): Promise<OfficerRow[]> {
  return sql.query(
    `SELECT o.id, o.name, o.role, a.code AS "areaCode", a.name AS "areaName", o."digestTime", to_char(o."mutedUntil", 'DD/MM/YYYY') AS "mutedUntil",
            string_agg(DISTINCT i.channel, ', ') AS channels, count(i.id) FILTER (WHERE i.blocked)::int AS blocked,
            (SELECT to_char(max(d.date), 'DD/MM/YYYY') FROM "Digest" d WHERE d."officerId" = o.id) AS "lastDigest"
     FROM "Officer" o JOIN "Area" a ON a.id = o."areaId"
     LEFT JOIN "ChannelIdentity" i ON i."officerId" = o.id
     WHERE a.path LIKE $1 || '%' AND o.active
     GROUP BY o.id, a.code, a.name ORDER BY a.code, o.name`,
    [areaPath],
  );
}

export interface TicketRow {
  id: number;
  state: string;
  channel: string;
  commune: string | null;
  createdAt: Date;
  answeredAt: Date | null;
  closedAt: Date | null;
  preview: string;
}

/** Tickets whose citizen's commune is in the area; with no commune, only a province-wide view sees them. */
export async function ticketsIn(sql: SqlRunner, areaPath: string, provinceWide: boolean, limit = 200): Promise<TicketRow[]> {
  return sql.query(
    `SELECT h.id, h.status AS state, i.channel, a.name AS commune, h."createdAt", h."answeredAt", h."closedAt", left(coalesce(h.text, ''), 140) AS preview
     FROM "HandoffRequest" h JOIN "ChannelIdentity" i ON i.id = h."identityId"
     LEFT JOIN "Area" a ON a.id = h."communeId"
     WHERE (a.path LIKE $1 || '%') OR (h."communeId" IS NULL AND $2)
     ORDER BY (h.status = 'open') DESC, h."createdAt" DESC LIMIT $3`,
    [areaPath, provinceWide, limit],
  );
}

export interface ImportRowView {
  id: number;
  program: string;
  fileName: string;
  format: string;
  status: string;
  phase: string | null;
  rowsRead: number;
  partial: boolean;
  dryRun: boolean;
  actor: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  summary: Record<string, unknown> | null;
  errorDir: string | null;
}

/** Who is looking: imports started within their area; those from the command line (no area) for admins only. */
type ImportViewer = Pick<AdminUser, 'role'> & { area: Pick<AdminUser['area'], 'path'> };

const IMPORT_ROWS = `SELECT b.id, p.code AS program, b."fileName", b.format, b.status, b.phase, b."rowsRead", b.partial, b."dryRun", b.actor, b."createdAt", b."finishedAt", b.summary, b."errorDir"
     FROM "ImportBatch" b JOIN "Program" p ON p.id = b."programId"
     WHERE (b."areaPath" LIKE $1 || '%' OR (b."areaPath" IS NULL AND $2))`;

export async function listImports(sql: SqlRunner, viewer: ImportViewer, limit = 50): Promise<ImportRowView[]> {
  return sql.query(`${IMPORT_ROWS} ORDER BY b.id DESC LIMIT $3`, [viewer.area.path, viewer.role === 'admin', limit]);
}

export async function getImport(sql: SqlRunner, id: number, viewer: ImportViewer): Promise<ImportRowView | null> {
  const [r] = await sql.query<ImportRowView>(`${IMPORT_ROWS} AND b.id = $3`, [viewer.area.path, viewer.role === 'admin', id]);
  return r ?? null;
}

export interface AuditRow {
  id: string;
  at: Date;
  action: string;
  result: string;
  channel: string | null;
  actor: string | null;
  subject: string | null;
  detail: unknown;
}

/** The audit log, newest first; the ID number's keyed hash is shortened, never a clear number. */
export async function auditLog(sql: SqlRunner, f: { action?: string; from?: LocalDate; to?: LocalDate; before?: string; limit?: number }): Promise<AuditRow[]> {
  return sql.query(
    `SELECT id::text, at, action, result, channel, actor, left("subjectHash", 10) AS subject, detail
     FROM "AuditEvent"
     WHERE ($1::text IS NULL OR action = $1) AND ($2::date IS NULL OR at >= ($2::date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'))
       AND ($3::date IS NULL OR at < (($3::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')) AND ($4::bigint IS NULL OR id < $4::bigint)
     ORDER BY id DESC LIMIT $5`,
    [f.action || null, f.from || null, f.to || null, f.before || null, f.limit ?? 100],
  );
}

export async function auditActions(sql: SqlRunner): Promise<string[]> {
  return (await sql.query<{ action: string }>(`SELECT DISTINCT action FROM "AuditEvent" ORDER BY action`)).map((r) => r.action);
}
