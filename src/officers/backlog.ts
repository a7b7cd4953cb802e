/**
 * The officers' backlog, for every area at once, in a handful of set-based queries (not one per
 * officer). A file in review belongs to the area whose level owns its current stage: the
 * commune itself, its district, or its province (Stage.ownerLevel). For each owning area:
 * waiting, due today, due the next working day, overdue (with the oldest files), approved but
 * unpaid; files overdue beyond `escalateAfter` working days are escalated one level up,
 * grouped by commune, worst first; plus paid %, open tickets and unreachable citizens per area.
 */
import type { SqlRunner } from '../db/sql.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { LocalDate } from '../calendar/local-date.js';
import { maskName } from '../people/mask.js';

export interface OverdueFile {
  entitlementId: number;
  maskedName: string;
  idLast: string;
  stage: string;
  stageEn: string;
  commune: string;
  dueAt: LocalDate;
  overdueDays: number;
}

export interface AreaBacklog {
  waiting: number;
  dueToday: number;
  dueNext: number;
  overdue: number;
  approved: number;
  oldest: OverdueFile[];
}

export interface Escalation {
  communeId: number;
  commune: string;
  files: number;
  worstDueAt: LocalDate;
  worstDays: number;
}

export interface AreaInfo {
  id: number;
  parentId: number | null;
  level: string;
  name: string;
}

export interface BacklogSnapshot {
  date: LocalDate;
  nextWorkingDay: LocalDate;
  escalateAfter: number;
  owned: Map<number, AreaBacklog>;
  /** Up-level area → escalated communes, worst first. */
  escalations: Map<number, Escalation[]>;
  /** Per area (every level, rolled up): files, paid, approved. */
  stats: Map<number, { files: number; paid: number; approved: number }>;
  /** Per area (rolled up): open tickets and the oldest one's time. */
  tickets: Map<number, { open: number; oldest: Date }>;
  /** Open tickets of citizens with no known commune (the province's). */
  unassignedTickets: { open: number; oldest: Date | null };
  /** Per area (rolled up): people not reached by a notification in the last 7 days. */
  unreachable: Map<number, number>;
  areas: Map<number, AreaInfo>;
}

const EMPTY: AreaBacklog = { waiting: 0, dueToday: 0, dueNext: 0, overdue: 0, approved: 0, oldest: [] };

export function ownedBacklog(s: BacklogSnapshot, areaId: number): AreaBacklog {
  return s.owned.get(areaId) ?? EMPTY;
}

const FILES = `
  SELECT e.id, e.status, e."dueAt", e."communeId", e."personId", e."groupId", e.stage, s."ownerLevel" AS level,
         CASE s."ownerLevel" WHEN 'commune' THEN c.id WHEN 'district' THEN c."parentId" WHEN 'province' THEN d."parentId" END AS owner,
         CASE s."ownerLevel" WHEN 'commune' THEN c."parentId" WHEN 'district' THEN d."parentId" END AS up
  FROM "Entitlement" e
  JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = e.stage
  JOIN "Area" c ON c.id = e."communeId"
  LEFT JOIN "Area" d ON d.id = c."parentId"
  WHERE e.status IN ('in_review', 'approved')`;

export async function computeBacklog(sql: SqlRunner, calendar: WorkingCalendar, date: LocalDate, escalateAfter: number): Promise<BacklogSnapshot> {
  const next = calendar.addWorkingDays(date, 1);
  // Overdue by more than N working days: due before the working day N days back.
  const threshold = calendar.addWorkingDays(date, -escalateAfter);
  const [owned, oldest, esc, stats, tickets, unreachable] = await Promise.all([
    sql.query<{ owner: number; waiting: string; due_today: string; due_next: string; overdue: string; approved: string }>(
      `WITH f AS (${FILES})
       SELECT owner, count(*) waiting, count(*) FILTER (WHERE "dueAt" = $1::date) due_today, count(*) FILTER (WHERE "dueAt" = $2::date) due_next,
              count(*) FILTER (WHERE "dueAt" < $1::date) overdue, count(*) FILTER (WHERE status = 'approved') approved
       FROM f WHERE owner IS NOT NULL GROUP BY owner`,
      [date, next],
    ),
    sql.query<{ owner: number; id: number; fullName: string; idLast: string; stage: string; stageEn: string; commune: string; dueAt: string }>(
      `WITH f AS (${FILES}),
       r AS (SELECT f.*, row_number() OVER (PARTITION BY owner ORDER BY "dueAt", id) rn FROM f WHERE owner IS NOT NULL AND "dueAt" < $1::date)
       SELECT r.owner, r.id, p."fullName", p."idLast", st.name AS stage, st."nameEn" AS "stageEn", c.name AS commune, to_char(r."dueAt", 'YYYY-MM-DD') AS "dueAt"
       FROM r JOIN "Person" p ON p.id = r."personId" JOIN "Stage" st ON st."groupId" = r."groupId" AND st.code = r.stage JOIN "Area" c ON c.id = r."communeId"
       WHERE r.rn <= 3`,
      [date],
    ),
    sql.query<{ up: number; communeId: number; commune: string; files: string; worst: string }>(
      `WITH f AS (${FILES})
       SELECT f.up, f."communeId", c.name AS commune, count(*) files, to_char(min(f."dueAt"), 'YYYY-MM-DD') worst
       FROM f JOIN "Area" c ON c.id = f."communeId"
       WHERE f.up IS NOT NULL AND f."dueAt" < $1::date GROUP BY f.up, f."communeId", c.name`,
      [threshold],
    ),
    sql.query<{ communeId: number; files: string; paid: string; approved: string }>(
      `SELECT "communeId", count(*) files, count(*) FILTER (WHERE status = 'paid') paid, count(*) FILTER (WHERE status = 'approved') approved
       FROM "Entitlement" WHERE "communeId" IS NOT NULL GROUP BY "communeId"`,
    ),
    sql.query<{ communeId: number | null; open: string; oldest: Date }>(
      `SELECT "communeId", count(*) open, min("createdAt") oldest FROM "HandoffRequest" WHERE status = 'open' GROUP BY "communeId"`,
    ),
    // Not reached on ANY channel: a notice that failed on one chat but reached another of the
    // person's chats (same source change) is not a task.
    sql.query<{ communeId: number; people: string }>(
      `WITH reached AS (
         SELECT DISTINCT m.payload->>'source' AS source FROM "OutboxEvent" m
         WHERE m.kind = 'chat_message' AND m.result IN ('sent', 'zns') AND m."createdAt" > $1::date - 8 AND m.payload ? 'source')
       SELECT p."communeId", count(DISTINCT p.id) people
       FROM "OutboxEvent" o JOIN "Person" p ON p.id = (o.payload->>'personId')::int
       LEFT JOIN "OutboxEvent" msg ON msg.id = (o.payload->>'messageId')::bigint
       WHERE o.kind = 'unreachable' AND o."createdAt" > $1::date - 7 AND p."communeId" IS NOT NULL
         AND (msg.payload->>'source' IS NULL OR msg.payload->>'source' NOT IN (SELECT source FROM reached))
       GROUP BY p."communeId"`,
      [date],
    ),
  ]);

  // The area tree above every commune that appears.
  const areas = new Map<number, AreaInfo>();
  let ids = [...new Set([...stats.map((r) => r.communeId), ...tickets.map((r) => r.communeId).filter((x): x is number => x !== null), ...unreachable.map((r) => r.communeId)])];
  while (ids.length) {
    const rows = await sql.query<AreaInfo>(`SELECT id, "parentId", level, name FROM "Area" WHERE id = ANY($1::int[])`, [ids]);
    for (const a of rows) areas.set(a.id, a);
    ids = [...new Set(rows.map((a) => a.parentId).filter((p): p is number => p !== null && !areas.has(p)))];
  }
  const lineage = (id: number): number[] => {
    const out: number[] = [];
    for (let a = areas.get(id); a; a = a.parentId === null ? undefined : areas.get(a.parentId)) out.push(a.id);
    return out;
  };

  const ownedMap = new Map<number, AreaBacklog>();
  for (const r of owned) ownedMap.set(r.owner, { waiting: +r.waiting, dueToday: +r.due_today, dueNext: +r.due_next, overdue: +r.overdue, approved: +r.approved, oldest: [] });
  for (const r of oldest) {
    ownedMap.get(r.owner)?.oldest.push({
      entitlementId: r.id, maskedName: maskName(r.fullName), idLast: r.idLast, stage: r.stage, stageEn: r.stageEn, commune: r.commune, dueAt: r.dueAt,
      overdueDays: calendar.workingDaysBetween(r.dueAt, date),
    });
  }
  for (const b of ownedMap.values()) b.oldest.sort((a, b2) => a.dueAt.localeCompare(b2.dueAt) || a.entitlementId - b2.entitlementId);

  const escalations = new Map<number, Escalation[]>();
  for (const r of esc) {
    const list = escalations.get(r.up) ?? [];
    list.push({ communeId: r.communeId, commune: r.commune, files: +r.files, worstDueAt: r.worst, worstDays: calendar.workingDaysBetween(r.worst, date) });
    escalations.set(r.up, list);
  }
  for (const list of escalations.values()) list.sort((a, b) => a.worstDueAt.localeCompare(b.worstDueAt) || b.files - a.files);

  const statMap = new Map<number, { files: number; paid: number; approved: number }>();
  for (const r of stats) {
    for (const id of lineage(r.communeId)) {
      const s = statMap.get(id) ?? { files: 0, paid: 0, approved: 0 };
      s.files += +r.files;
      s.paid += +r.paid;
      s.approved += +r.approved;
      statMap.set(id, s);
    }
  }
  const ticketMap = new Map<number, { open: number; oldest: Date }>();
  const unassigned = { open: 0, oldest: null as Date | null };
  for (const r of tickets) {
    if (r.communeId === null) {
      unassigned.open += +r.open;
      unassigned.oldest = r.oldest;
      continue;
    }
    for (const id of lineage(r.communeId)) {
      const t = ticketMap.get(id);
      ticketMap.set(id, { open: (t?.open ?? 0) + +r.open, oldest: t && t.oldest < r.oldest ? t.oldest : r.oldest });
    }
  }
  const unreachableMap = new Map<number, number>();
  for (const r of unreachable) for (const id of lineage(r.communeId)) unreachableMap.set(id, (unreachableMap.get(id) ?? 0) + +r.people);

  return {
    date, nextWorkingDay: next, escalateAfter, owned: ownedMap, escalations, stats: statMap, tickets: ticketMap,
    unassignedTickets: unassigned, unreachable: unreachableMap, areas,
  };
}

/** The province above an area (itself for a province). */
export function provinceOf(s: BacklogSnapshot, areaId: number): number | null {
  for (let a = s.areas.get(areaId); a; a = a.parentId === null ? undefined : s.areas.get(a.parentId)) if (a.level === 'province') return a.id;
  return null;
}

