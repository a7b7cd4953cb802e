/**
 * The area tree: loading the pinned snapshots (prisma/areas/*.json) into Area, and reading
 * it (`ansinh areas show`, "this area and below" for officers and reports). Codes can repeat
 * across schemes (pre-2025 "92" Cần Thơ vs. the merged "92" Cần Thơ), so lookups by code
 * prefer the unit valid on a given date.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import { UserError } from '../shared/errors.js';
import { fromUtcDate, type LocalDate } from '../calendar/local-date.js';

export const AREAS_DIR = resolve(import.meta.dirname, '../../prisma/areas');

const oldSnapshot = z.object({
  scheme: z.literal('2008'),
  validTo: z.string(),
  source: z.string(),
  units: z.array(z.object({ code: z.string(), name: z.string(), kind: z.string(), level: z.string(), parent: z.string().nullable() })),
});
const newSnapshot = z.object({
  scheme: z.literal('2025'),
  validFrom: z.string(),
  source: z.string(),
  units: z.array(z.object({ code: z.string(), name: z.string(), kind: z.string(), mergedFrom: z.array(z.string()) })),
});

export interface AreaLoadResult {
  units: number;
  successors: number;
}

/** Loads both snapshots; idempotent (upsert by code and scheme). */
export async function loadAreas(sql: SqlRunner, dir = AREAS_DIR): Promise<AreaLoadResult> {
  const old = oldSnapshot.parse(JSON.parse(readFileSync(`${dir}/vn-2008.json`, 'utf8')));
  const neu = newSnapshot.parse(JSON.parse(readFileSync(`${dir}/vn-2025-provinces.json`, 'utf8')));
  const rows = [
    ...old.units.map((u) => ({ ...u, scheme: '2008', validFrom: null as string | null, validTo: old.validTo as string | null, source: old.source })),
    ...neu.units.map((u) => ({ code: u.code, name: u.name, kind: u.kind, level: 'province', parent: null, scheme: '2025', validFrom: neu.validFrom as string | null, validTo: null as string | null, source: neu.source })),
  ];
  return sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO "Area" (code, scheme, name, kind, level, path, "validFrom", "validTo", source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::date[], $9::text[])
       ON CONFLICT (code, scheme) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, level = EXCLUDED.level,
         "validFrom" = EXCLUDED."validFrom", "validTo" = EXCLUDED."validTo", source = EXCLUDED.source`,
      [
        rows.map((r) => r.code), rows.map((r) => r.scheme), rows.map((r) => r.name), rows.map((r) => r.kind),
        rows.map((r) => r.level), rows.map(() => ''), rows.map((r) => r.validFrom), rows.map((r) => r.validTo), rows.map((r) => r.source),
      ],
    );
    const withParent = old.units.filter((u) => u.parent);
    await tx.query(
      `UPDATE "Area" a SET "parentId" = p.id
       FROM unnest($1::text[], $2::text[]) AS x(code, parent)
       JOIN "Area" p ON p.code = x.parent AND p.scheme = '2008'
       WHERE a.code = x.code AND a.scheme = '2008'`,
      [withParent.map((u) => u.code), withParent.map((u) => u.parent)],
    );
    const merges = neu.units.flatMap((u) => u.mergedFrom.map((from) => ({ from, to: u.code })));
    await tx.query(
      `UPDATE "Area" a SET "successorId" = n.id
       FROM unnest($1::text[], $2::text[]) AS x(old, neu)
       JOIN "Area" n ON n.code = x.neu AND n.scheme = '2025'
       WHERE a.code = x.old AND a.scheme = '2008' AND a.level = 'province'`,
      [merges.map((m) => m.from), merges.map((m) => m.to)],
    );
    await refreshPaths(tx);
    return { units: rows.length, successors: merges.length };
  });
}

/** Recomputes every materialised path ("/1/12/345/") from the parent links. */
export async function refreshPaths(sql: SqlRunner): Promise<void> {
  await sql.exec(`
    WITH RECURSIVE t(id, path) AS (
      SELECT id, '/' || id || '/' FROM "Area" WHERE "parentId" IS NULL
      UNION ALL
      SELECT a.id, t.path || a.id || '/' FROM "Area" a JOIN t ON a."parentId" = t.id
    )
    UPDATE "Area" a SET path = t.path FROM t WHERE a.id = t.id AND a.path IS DISTINCT FROM t.path`);
}

export interface AreaView {
  id: number;
  code: string;
  scheme: string;
  name: string;
  kind: string;
  level: string;
  validFrom: LocalDate | null;
  validTo: LocalDate | null;
  source: string;
  ancestors: { code: string; name: string; level: string }[];
  children: { code: string; name: string; kind: string; level: string; descendants: number }[];
  successor: { code: string; name: string; scheme: string } | null;
  predecessors: { code: string; name: string; scheme: string }[];
  /** Other units with the same code in another scheme. */
  sameCode: { code: string; name: string; scheme: string }[];
}

/**
 * Finds the unit with this code: the one valid on `on` when several share the code, else
 * the only one. Throws a UserError for an unknown code.
 */
export async function findArea(prisma: PrismaClient, code: string, on?: LocalDate) {
  const trimmed = code.trim();
  if (!/^\d{2,5}$/.test(trimmed)) {
    throw new UserError(`"${code}" is not an area code.`, 'Use the Statistics Office code: 2 digits for a province, 3 for a district, 5 for a commune (e.g. 94, 941, 31498).');
  }
  const all = await prisma.area.findMany({ where: { code: trimmed }, orderBy: { scheme: 'desc' } });
  if (all.length === 0) {
    throw new UserError(`Unknown area code ${trimmed}.`, 'Check the code (npx ansinh areas show 94 lists Sóc Trăng and its districts), or load the areas with npx ansinh areas load.');
  }
  if (all.length === 1 || !on) return all[0]!;
  const d = new Date(on);
  return all.find((a) => (!a.validFrom || a.validFrom <= d) && (!a.validTo || a.validTo >= d)) ?? all[0]!;
}

export async function describeArea(prisma: PrismaClient, code: string, on?: LocalDate): Promise<AreaView> {
  const a = await findArea(prisma, code, on);
  const ancestorIds = a.path.split('/').filter(Boolean).map(Number).filter((id) => id !== a.id);
  const [ancestors, children, successor, predecessors, sameCode] = await Promise.all([
    prisma.area.findMany({ where: { id: { in: ancestorIds } } }),
    prisma.area.findMany({ where: { parentId: a.id }, orderBy: { code: 'asc' } }),
    a.successorId ? prisma.area.findUnique({ where: { id: a.successorId } }) : null,
    prisma.area.findMany({ where: { successorId: a.id }, orderBy: { code: 'asc' } }),
    prisma.area.findMany({ where: { code: a.code, id: { not: a.id } } }),
  ]);
  const counts = await Promise.all(children.map((c) => prisma.area.count({ where: { path: { startsWith: c.path }, id: { not: c.id } } })));
  const order = new Map(ancestorIds.map((id, i) => [id, i]));
  const brief = (x: { code: string; name: string; scheme: string }) => ({ code: x.code, name: x.name, scheme: x.scheme });
  return {
    id: a.id,
    code: a.code,
    scheme: a.scheme,
    name: a.name,
    kind: a.kind,
    level: a.level,
    validFrom: a.validFrom ? fromUtcDate(a.validFrom) : null,
    validTo: a.validTo ? fromUtcDate(a.validTo) : null,
    source: a.source,
    ancestors: ancestors.sort((x, y) => order.get(x.id)! - order.get(y.id)!).map((x) => ({ code: x.code, name: x.name, level: x.level })),
    children: children.map((c, i) => ({ code: c.code, name: c.name, kind: c.kind, level: c.level, descendants: counts[i]! })),
    successor: successor ? brief(successor) : null,
    predecessors: predecessors.map(brief),
    sameCode: sameCode.map(brief),
  };
}
