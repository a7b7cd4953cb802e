/**
 * Payment progress of a program in an area, by child area and beneficiary group, as the
 * provinces report it upward (Sóc Trăng, 2020: 253,514 approved, 246,684 paid, over 97%).
 *
 * Definitions, per (child area, group), over the program's files ("Entitlement" rows):
 * - people: files in that area and group, any status (a person has at most one file per group,
 *   so within a group files = people; the total row adds groups up and so counts a person in
 *   two groups twice, as the provinces' own tables do);
 * - approved: files with status `approved` or `paid` (paid files were approved first);
 *   approvedAmount: the sum of their `amount` (VND, supplements included);
 * - paid: files with status `paid`; paidAmount: the sum of their `amount`;
 * - paidPercent: paid / approved × 100, rounded to one decimal; 0 when nothing is approved.
 * Rejected and in-review files count in `people` only. A file's area is its commune
 * (`Entitlement.communeId`); files with no commune are in no area and not reported.
 *
 * Areas are 2008-scheme units (the codes COVID-era files use): a province's rows are its
 * districts, a district's rows are its communes, and a commune's rows are its groups (area =
 * the commune itself). Only (area, group) pairs with at least one file appear. The total row
 * is the sum of the rows, its paidPercent recomputed from the sums.
 *
 * `within` (an area path prefix such as "/262/") limits what the caller may see, for
 * area-scoped API keys and console users: an area outside it is refused. With no area given,
 * the report is for the program's province, or for the `within` area itself when that lies
 * inside the province (a district officer gets their district).
 *
 * Computed in one aggregate query (files grouped by commune and group, then rolled up to the
 * child area read from the commune's materialised path), so its cost does not depend on the
 * number of areas: ~700,000 files take well under a second on PostgreSQL.
 */
import type { SqlRunner } from '../db/sql.js';
import type { LocalDate } from '../calendar/local-date.js';
import { UserError } from '../shared/errors.js';
import { findProgram, programProvince } from '../programs/program-area.js';

/** An area as reports name it: its official code and name ("94", "Tỉnh Sóc Trăng"). */
export interface ReportArea {
  code: string;
  name: string;
}

/** The figures of one row or of the total. Amounts in VND. */
export interface ProgressFigures {
  people: number;
  approved: number;
  approvedAmount: number;
  paid: number;
  paidAmount: number;
  /** paid / approved × 100, one decimal; 0 when approved is 0. */
  paidPercent: number;
}

/** One (child area, group) row. */
export interface ProgressRow extends ProgressFigures {
  area: ReportArea;
  /** The group's code, e.g. "g7-poor-household". */
  group: string;
  /** The group's Vietnamese name. */
  groupName: string;
}

/** A progress report; serialised as is, it is the report's JSON. */
export interface ProgressReport {
  /** Program code, e.g. "NQ42-2020". */
  program: string;
  /** The area reported on (its children are the rows). */
  area: ReportArea;
  /** The date the figures are as of (YYYY-MM-DD). */
  asOf: LocalDate;
  /** Ordered by area code, then by group in the program's order. */
  rows: ProgressRow[];
  total: ProgressFigures;
}

export interface ProgressReportOptions {
  /** Program code. */
  program: string;
  /** 2008-scheme area code: 2 digits (province), 3 (district) or 5 (commune). Default: the program's province. */
  area?: string;
  /** Area path prefix ("/262/263/") the caller is limited to; an area outside it is refused. */
  within?: string;
  /** "Today" for the title, from the caller's clock. */
  asOf: LocalDate;
}

interface AreaRow {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

const PATH = /^(\/\d+)+\/$/;

/** The payment progress of a program in an area (see the module comment for definitions). */
export async function progressReport(sql: SqlRunner, opts: ProgressReportOptions): Promise<ProgressReport> {
  if (opts.within !== undefined && !PATH.test(opts.within)) throw new Error(`within must be an area path such as /1/12/, got "${opts.within}"`);
  const program = await findProgram(sql, opts.program.trim());
  const area = await reportArea(sql, program, opts);
  const rows = await sql.query<{
    areaCode: string; areaName: string; group: string; groupName: string;
    people: string | number; approved: string | number; approvedAmount: string | number | null; paid: string | number; paidAmount: string | number | null;
  }>(
    `WITH f AS (
       SELECT e."communeId", e."groupId", count(*) AS people,
              count(*) FILTER (WHERE e.status IN ('approved', 'paid')) AS approved,
              sum(e.amount) FILTER (WHERE e.status IN ('approved', 'paid')) AS approved_amount,
              count(*) FILTER (WHERE e.status = 'paid') AS paid,
              sum(e.amount) FILTER (WHERE e.status = 'paid') AS paid_amount
       FROM "Entitlement" e JOIN "Area" c ON c.id = e."communeId"
       WHERE e."programId" = $1 AND c.path LIKE $2::text || '%'
       GROUP BY e."communeId", e."groupId"
     ),
     -- The child area is the next id in the commune's path after the report area's path
     -- ("/262/" + "263/264/" → 263); a commune report rolls up to the commune itself.
     u AS (
       SELECT coalesce(nullif(split_part(substr(c.path, length($2::text) + 1), '/', 1), '')::int, c.id) AS unit, f.*
       FROM f JOIN "Area" c ON c.id = f."communeId"
     )
     SELECT a.code AS "areaCode", a.name AS "areaName", g.code AS "group", g.name AS "groupName",
            sum(u.people) AS people, sum(u.approved) AS approved, sum(u.approved_amount) AS "approvedAmount",
            sum(u.paid) AS paid, sum(u.paid_amount) AS "paidAmount"
     FROM u JOIN "Area" a ON a.id = u.unit JOIN "ProgramGroup" g ON g.id = u."groupId"
     GROUP BY a.id, a.code, a.name, g.id, g.code, g.name
     ORDER BY a.code, g.id`,
    [program.id, area.path],
  );
  if (rows.length === 0) {
    throw new UserError(`Program ${program.code} has no files in ${area.name} (${area.code}).`, 'Choose another area, or import its beneficiary lists first.');
  }
  const out: ProgressRow[] = rows.map((r) => ({
    area: { code: r.areaCode, name: r.areaName },
    group: r.group,
    groupName: r.groupName,
    ...figures(Number(r.people), Number(r.approved), Number(r.approvedAmount ?? 0), Number(r.paid), Number(r.paidAmount ?? 0)),
  }));
  const sum = (k: keyof ProgressFigures) => out.reduce((n, r) => n + r[k], 0);
  return {
    program: program.code,
    area: { code: area.code, name: area.name },
    asOf: opts.asOf,
    rows: out,
    total: figures(sum('people'), sum('approved'), sum('approvedAmount'), sum('paid'), sum('paidAmount')),
  };
}

/** paid / approved × 100 rounded to one decimal (half up), 0 when nothing is approved. */
export function paidPercent(paid: number, approved: number): number {
  return approved === 0 ? 0 : Math.round((paid * 1000) / approved) / 10;
}

function figures(people: number, approved: number, approvedAmount: number, paid: number, paidAmount: number): ProgressFigures {
  return { people, approved, approvedAmount, paid, paidAmount, paidPercent: paidPercent(paid, approved) };
}

/** The area to report on: the one asked for, else the caller's scope or the program's province. */
async function reportArea(sql: SqlRunner, program: { id: number; code: string }, opts: ProgressReportOptions): Promise<AreaRow> {
  let area: AreaRow;
  if (opts.area !== undefined) {
    const code = opts.area.trim();
    const [a] = await sql.query<AreaRow>(`SELECT id, code, name, level, path FROM "Area" WHERE code = $1 AND scheme = '2008'`, [code]);
    if (!a) throw new UserError(`Unknown area code ${code}.`, 'Use a pre-2025 code: 2 digits for a province (94), 3 for a district (941), 5 for a commune (31498).');
    area = a;
  } else {
    const province = await defaultProvince(sql, program);
    area = { ...province, level: 'province' };
    if (opts.within !== undefined && opts.within !== area.path && opts.within.startsWith(area.path)) {
      const [scope] = await sql.query<AreaRow>(`SELECT id, code, name, level, path FROM "Area" WHERE path = $1`, [opts.within]);
      if (scope) area = scope;
    }
  }
  if (opts.within !== undefined && !area.path.startsWith(opts.within)) {
    throw new UserError(`${area.name} (${area.code}) is outside the area you may see.`, 'Ask for an area within yours.');
  }
  return area;
}

async function defaultProvince(sql: SqlRunner, program: { id: number; code: string }) {
  let province;
  try {
    province = await programProvince(sql, program.id);
  } catch (e) {
    // Its hint names an import option; here the way out is to name the area.
    if (e instanceof UserError) throw new UserError(e.message, 'Say which area to report on (--area CODE).');
    throw e;
  }
  if (!province) throw new UserError(`Program ${program.code} has no files yet: nothing to report.`, 'Import its beneficiary lists first (or run npx ansinh demo).');
  return province;
}
