/**
 * Where a program runs. Programs are national texts; a deployment runs them in one province
 * (the demo: NQ42-2020 in Sóc Trăng, NQ68-2021 in Long An). Imports look communes up by name
 * "within the program's province", and reports default to it, so both ask here.
 */
import type { SqlRunner } from '../db/sql.js';
import { UserError } from '../shared/errors.js';

export interface ProgramRef {
  id: number;
  code: string;
  name: string;
}

export interface ProvinceRef {
  id: number;
  code: string;
  name: string;
  path: string;
}

/** The program by code, or a UserError naming the known codes. */
export async function findProgram(sql: SqlRunner, code: string): Promise<ProgramRef> {
  const [p] = await sql.query<ProgramRef>(`SELECT id, code, name FROM "Program" WHERE code = $1`, [code]);
  if (p) return p;
  const known = await sql.query<{ code: string }>(`SELECT code FROM "Program" ORDER BY code`);
  throw new UserError(`Unknown program "${code}".`, known.length ? `Programs: ${known.map((k) => k.code).join(', ')}.` : 'Load them with npx ansinh programs load.');
}

/** A province of the 2008 scheme (the one COVID-era files use) by its two-digit code. */
export async function findProvince(sql: SqlRunner, code: string): Promise<ProvinceRef> {
  const [p] = await sql.query<ProvinceRef>(`SELECT id, code, name, path FROM "Area" WHERE code = $1 AND scheme = '2008' AND level = 'province'`, [code.trim()]);
  if (!p) throw new UserError(`Unknown province code "${code}".`, 'Use the two-digit code, e.g. 94 (Sóc Trăng) or 80 (Long An).');
  return p;
}

/** The provinces where the program has files, most files first. */
export async function programProvinces(sql: SqlRunner, programId: number): Promise<ProvinceRef[]> {
  return sql.query<ProvinceRef>(
    `SELECT p.id, p.code, p.name, p.path
     FROM (SELECT "communeId", count(*) AS n FROM "Entitlement" WHERE "programId" = $1 AND "communeId" IS NOT NULL GROUP BY "communeId") f
     JOIN "Area" c ON c.id = f."communeId"
     JOIN "Area" p ON p.level = 'province' AND p.scheme = c.scheme AND c.path LIKE p.path || '%'
     GROUP BY p.id, p.code, p.name, p.path ORDER BY sum(f.n) DESC, p.code`,
    [programId],
  );
}

/**
 * The province a program runs in: the one given, else the only one where it has files.
 * Null when it has files in none (a first import must then say which province).
 */
export async function programProvince(sql: SqlRunner, programId: number, given?: string): Promise<ProvinceRef | null> {
  if (given) return findProvince(sql, given);
  const all = await programProvinces(sql, programId);
  if (all.length > 1) {
    throw new UserError(`The program has files in ${all.length} provinces (${all.map((p) => `${p.code} ${p.name}`).join(', ')}).`, 'Say which one with --province CODE.');
  }
  return all[0] ?? null;
}
