/**
 * What the integration API does, for one authenticated key, without HTTP: set a file's stage
 * by its external id, upsert a batch of rows through the import pipeline, read a progress
 * report. The key's area bounds everything: a file outside it does not exist for the key, a
 * row outside it refuses the whole batch, a report outside it is refused.
 *
 * Every call that reads or changes files is audited with actor `api:<key prefix>`; no ID
 * number ever goes into an audit detail.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import type { Keys } from '../shared/secrets.js';
import type { Clock } from '../shared/clock.js';
import { scrubText, type Logger } from '../shared/log.js';
import { UserError } from '../shared/errors.js';
import { audit } from '../audit/audit.service.js';
import { loadWorkingCalendar } from '../calendar/calendar.service.js';
import { localDateAt, type LocalDate } from '../calendar/local-date.js';
import { changeStages, FINAL_STAGES, UnknownStageError, type StageChangeResult } from '../entitlements/stage.service.js';
import { findProgram, type ProgramRef } from '../programs/program-area.js';
import { hashIdNumber, normaliseIdNumber } from '../people/id-number.js';
import { importList, type ImportChanges, type ImportSummary } from '../imports/import.service.js';
import { objectRows } from '../imports/readers.js';
import { CANONICAL, FIELDS, type Field } from '../imports/columns.js';
import type { RowIssue } from '../imports/errors.js';
import { progressReport, type ProgressReport } from '../reports/progress-report.js';
import type { ApiKeyInfo } from './api-keys.js';

export interface IntegrationDeps {
  sql: SqlRunner;
  prisma: PrismaClient;
  keys: Keys;
  clock: Clock;
  log: Logger;
  /** Folder for the import error files (`<outDir>/<import id>/`). */
  outDir: string;
}

/** A request the API refuses: `kind` says how (the HTTP layer maps it to a status). */
export class ApiRefusal extends Error {
  constructor(readonly kind: 'not_found' | 'forbidden' | 'invalid' | 'conflict', message: string) {
    super(message);
    this.name = 'ApiRefusal';
  }
}

const actorOf = (key: ApiKeyInfo) => `api:${key.prefix}`;

async function program(sql: SqlRunner, code: string): Promise<ProgramRef> {
  try {
    return await findProgram(sql, code);
  } catch (e) {
    if (e instanceof UserError) throw new ApiRefusal('not_found', e.toLine());
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// PUT stage by external id

export interface SetStageInput {
  stage: string;
  reason?: string | null;
  paymentPlace?: string | null;
  paymentMethod?: string | null;
  decisionNo?: string | null;
  /** YYYY-MM-DD, for `paid`: the day of payment when it is not today. */
  paidAt?: LocalDate | null;
  note?: string | null;
}

export interface SetStageResult {
  entitlementId: number;
  externalId: string;
  fromStage: string;
  toStage: string;
  changed: boolean;
}

/**
 * Moves the file with that external id to a stage through `changeStages` (history and the
 * citizen's notification in one transaction); asking for the stage the file is at changes
 * nothing. A file outside the key's area is reported as not found, like a missing one.
 */
export async function setStageByExternalId(deps: IntegrationDeps, key: ApiKeyInfo, programCode: string, externalId: string, input: SetStageInput): Promise<SetStageResult> {
  const now = deps.clock.now();
  const p = await program(deps.sql, programCode);
  const [file] = await deps.sql.query<{ id: number; personId: number; stage: string; path: string | null }>(
    `SELECT e.id, e."personId", e.stage, c.path FROM "Entitlement" e LEFT JOIN "Area" c ON c.id = e."communeId" WHERE e."programId" = $1 AND e."externalId" = $2`,
    [p.id, externalId],
  );
  // An external id is the caller's to choose; should it be an ID number, the audit keeps it masked.
  const detail = { program: p.code, externalId: scrubText(externalId) };
  const base = { action: 'api_set_stage', channel: 'api', actor: actorOf(key), at: now };
  if (!file || !file.path?.startsWith(key.area.path)) {
    await audit(deps.sql, { ...base, result: 'not_found', detail });
    throw new ApiRefusal('not_found', `No file with external id "${externalId}" in program ${p.code} within this key's area.`);
  }
  if (input.paidAt && input.paidAt > localDateAt(now)) {
    await audit(deps.sql, { ...base, result: 'invalid_date', personId: file.personId, detail: { ...detail, entitlementId: file.id, paidAt: input.paidAt } });
    throw new ApiRefusal('invalid', `paidAt ${input.paidAt} is in the future.`);
  }
  // Paid is final here as in imports: money paid out is not un-paid by a system call.
  if (file.stage === 'paid' && input.stage !== 'paid') {
    await audit(deps.sql, { ...base, result: 'refused_paid', personId: file.personId, detail: { ...detail, entitlementId: file.id, toStage: scrubText(input.stage) } });
    throw new ApiRefusal('conflict', 'The file is already paid; a paid file cannot be moved to another stage through the API (an operator can correct it with ansinh entitlement set-stage).');
  }
  const calendar = await loadWorkingCalendar(deps.prisma);
  let results: StageChangeResult[];
  try {
    results = await changeStages(deps.sql, calendar, [{
      entitlementId: file.id, toStage: input.stage, reason: input.reason, paymentPlace: input.paymentPlace, paymentMethod: input.paymentMethod,
      decisionNo: input.decisionNo, paidAt: input.paidAt, note: input.note,
    }], { source: 'api', actor: actorOf(key), at: now });
  } catch (e) {
    if (!(e instanceof UnknownStageError)) throw e;
    await audit(deps.sql, { ...base, result: 'unknown_stage', personId: file.personId, detail: { ...detail, entitlementId: file.id, toStage: scrubText(input.stage) } });
    throw new ApiRefusal('invalid', `"${input.stage}" is not a stage of this file's group. Stages: ${[...e.known, ...FINAL_STAGES].join(', ')}.`);
  }
  const r = results[0]!;
  await audit(deps.sql, {
    ...base, result: r.changed ? 'changed' : 'unchanged', personId: file.personId,
    detail: { ...detail, entitlementId: file.id, fromStage: r.fromStage, toStage: r.toStage },
  });
  return { entitlementId: file.id, externalId, fromStage: r.fromStage, toStage: r.toStage, changed: r.changed };
}

// ---------------------------------------------------------------------------------------------
// Bulk upsert through the import pipeline

/** The row fields the API takes: a list's columns, communes by code only. */
export const BULK_FIELDS = FIELDS.filter((f) => f !== 'communeName') as Exclude<Field, 'communeName'>[];
export type BulkField = (typeof BULK_FIELDS)[number];
export type BulkRow = Partial<Record<BulkField | 'communeName', string | number | null>>;

export interface BulkInput {
  rows: BulkRow[];
  partial?: boolean;
  dryRun?: boolean;
}

export interface BulkIssue {
  /** 0-based index of the row in `rows`; null for the request as a whole. */
  index: number | null;
  /** The row field, when the problem is in one. */
  field: string | null;
  /** The list column the import names (Vietnamese header). */
  column: string;
  /** The value, ID numbers and phones masked. */
  value: string;
  reason: string;
  severity: 'error' | 'warning';
}

export interface BulkResult
  extends Pick<ImportSummary, 'program' | 'status' | 'dryRun' | 'partial' | 'rows' | 'okRows' | 'errorRows' | 'warnings' | 'changes' | 'fatal'> {
  /** The import batch; null when the request was refused before the import (area checks). */
  importId: number | null;
  issues: BulkIssue[];
  previous: { importId: number; at: string } | null;
}

const FIELD_OF_COLUMN = new Map(FIELDS.map((f) => [CANONICAL[f], f]));
const NO_CHANGES: ImportChanges = { peopleCreated: 0, peopleUpdated: 0, filesCreated: 0, stageChanges: 0, filesUpdated: 0, unchanged: 0 };
const MAX_ISSUES = 100;

/**
 * Upserts rows into a program as an import of a list with the canonical header would: the same
 * checks, all or nothing unless `partial`, a dry run that writes nothing, the same rows again
 * changing nothing, stage changes notifying citizens. Rows outside the key's area, or naming a
 * commune without its code, refuse the request before anything is imported.
 */
export async function bulkUpsert(deps: IntegrationDeps, key: ApiKeyInfo, programCode: string, input: BulkInput): Promise<BulkResult> {
  const p = await program(deps.sql, programCode);
  const base = { action: 'api_bulk_upsert', channel: 'api', actor: actorOf(key), at: deps.clock.now() };
  const refused = await scopeIssues(deps, key, input.rows);
  if (refused.length) {
    const errorRows = new Set(refused.map((i) => i.index)).size;
    await audit(deps.sql, { ...base, result: 'refused', detail: { program: p.code, rows: input.rows.length, errorRows, reason: 'scope' } });
    return {
      importId: null, program: p.code, status: 'rejected', dryRun: !!input.dryRun, partial: !!input.partial, rows: input.rows.length,
      okRows: input.rows.length - errorRows, errorRows, warnings: 0, changes: { ...NO_CHANGES }, fatal: null, issues: refused.slice(0, MAX_ISSUES), previous: null,
    };
  }
  const cells = input.rows.map((r) => BULK_FIELDS.map((f) => r[f] ?? null));
  const sha256 = createHash('sha256').update(JSON.stringify(cells)).digest('hex');
  const list = objectRows(input.rows, BULK_FIELDS, BULK_FIELDS.map((f) => CANONICAL[f]), sha256);
  const province = await provinceOf(deps.sql, key);
  const calendar = await loadWorkingCalendar(deps.prisma);
  const s = await importList({ ...deps, calendar }, async () => list, {
    program: p.code, province, outDir: deps.outDir, fileName: 'api', actor: actorOf(key), areaPath: key.area.path, via: 'api', partial: input.partial, dryRun: input.dryRun,
  });
  await audit(deps.sql, {
    ...base, result: s.status,
    detail: { program: p.code, importId: s.id, rows: s.rows, okRows: s.okRows, errorRows: s.errorRows, dryRun: s.dryRun, partial: s.partial, changes: s.changes },
  });
  return {
    importId: s.id, program: s.program, status: s.status, dryRun: s.dryRun, partial: s.partial, rows: s.rows, okRows: s.okRows, errorRows: s.errorRows,
    warnings: s.warnings, changes: s.changes, fatal: s.fatal, issues: s.issues.map(toBulkIssue),
    previous: s.previous ? { importId: s.previous.id, at: s.previous.at } : null,
  };
}

/** The import counts the header as row 1, so row n is `rows[n - 2]`. */
function toBulkIssue(i: RowIssue): BulkIssue {
  return { index: i.row >= 2 ? i.row - 2 : null, field: FIELD_OF_COLUMN.get(i.column) ?? null, column: i.column, value: i.value, reason: i.reason, severity: i.severity };
}

/** The two-digit code of the key's province (the first unit of its path). */
async function provinceOf(sql: SqlRunner, key: ApiKeyInfo): Promise<string | undefined> {
  const [p] = await sql.query<{ code: string }>(`SELECT code FROM "Area" WHERE path = '/' || split_part($1, '/', 2) || '/' AND level = 'province'`, [key.area.path]);
  return p?.code;
}

const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
const mask = (digits: string) => `${'*'.repeat(Math.max(0, digits.length - 3))}${digits.slice(-3)}`;

/**
 * What the import cannot check for a key: each row's commune must be given by code and lie in
 * the key's area, and a person already recorded outside the area (their commune or any of their
 * files) cannot be changed through this key, since an upsert would move them into it. Unknown
 * commune codes and bad ID numbers are left to the import, which explains them.
 */
async function scopeIssues(deps: IntegrationDeps, key: ApiKeyInfo, rows: BulkRow[]): Promise<BulkIssue[]> {
  const issues: BulkIssue[] = [];
  const err = (index: number, field: BulkField | null, value: string, reason: string) =>
    issues.push({ index, field, column: field ? CANONICAL[field] : '', value, reason, severity: 'error' });
  const codes = new Map<number, string>();
  rows.forEach((r, i) => {
    if (Object.values(r).every(blank)) return err(i, null, '', 'The row is empty.');
    if (blank(r.communeCode)) {
      return err(i, 'communeCode', '', blank(r.communeName)
        ? 'communeCode is required (the 5-digit pre-2025 commune code).'
        : 'communeCode is required: the API does not look communes up by name (communeName).');
    }
    codes.set(i, String(r.communeCode).replace(/\s/g, ''));
  });
  const known = await deps.sql.query<{ code: string; name: string; path: string }>(
    `SELECT code, name, path FROM "Area" WHERE scheme = '2008' AND level = 'commune' AND code = ANY($1::text[])`,
    [[...new Set(codes.values())]],
  );
  const byCode = new Map(known.map((c) => [c.code, c]));
  for (const [i, code] of codes) {
    const c = byCode.get(code);
    if (c && !c.path.startsWith(key.area.path)) err(i, 'communeCode', code, `Commune ${code} (${c.name}) is outside this key's area (${key.area.name}, ${key.area.code}).`);
  }

  const hashes = new Map<number, { hash: string; digits: string }>();
  rows.forEach((r, i) => {
    const digits = typeof r.idNumber === 'string' ? normaliseIdNumber(r.idNumber) : null;
    if (digits && (digits.length === 9 || digits.length === 12)) hashes.set(i, { hash: hashIdNumber(deps.keys.id, digits), digits });
  });
  if (hashes.size) {
    const outside = await deps.sql.query<{ idHash: string }>(
      `SELECT p."idHash" FROM "Person" p LEFT JOIN "Area" pc ON pc.id = p."communeId"
       WHERE p."idHash" = ANY($1::text[])
         AND ((pc.path IS NOT NULL AND NOT starts_with(pc.path, $2))
           OR EXISTS (SELECT 1 FROM "Entitlement" e LEFT JOIN "Area" c ON c.id = e."communeId"
                      WHERE e."personId" = p.id AND (c.path IS NULL OR NOT starts_with(c.path, $2))))`,
      [[...new Set([...hashes.values()].map((h) => h.hash))], key.area.path],
    );
    const out = new Set(outside.map((o) => o.idHash));
    for (const [i, h] of hashes) {
      if (out.has(h.hash)) err(i, 'idNumber', mask(h.digits), "This person is recorded outside this key's area (their commune or one of their files); only a key whose area includes it can change them.");
    }
  }
  return issues.sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
}

// ---------------------------------------------------------------------------------------------
// Report

/**
 * The progress report of a program for an area within the key's (default: the key's own area,
 * so a district key gets its district).
 */
export async function apiReport(deps: IntegrationDeps, key: ApiKeyInfo, programCode: string, areaCode?: string): Promise<ProgressReport> {
  const p = await program(deps.sql, programCode);
  const code = areaCode?.trim() || key.area.code;
  const refuse = async (kind: 'not_found' | 'forbidden', message: string) => {
    await audit(deps.sql, { action: 'api_report', result: kind, channel: 'api', actor: actorOf(key), detail: { program: p.code, area: scrubText(code) }, at: deps.clock.now() });
    return new ApiRefusal(kind, message);
  };
  if (areaCode) {
    const [a] = await deps.sql.query<{ name: string; path: string }>(`SELECT name, path FROM "Area" WHERE code = $1 AND scheme = '2008'`, [code]);
    if (!a) throw await refuse('not_found', `Unknown area code ${code}: use a pre-2025 code (2 digits for a province, 3 for a district, 5 for a commune).`);
    if (!a.path.startsWith(key.area.path)) throw await refuse('forbidden', `${a.name} (${code}) is outside this key's area (${key.area.name}, ${key.area.code}).`);
  }
  let report: ProgressReport;
  try {
    report = await progressReport(deps.sql, { program: p.code, area: code, within: key.area.path, asOf: localDateAt(deps.clock.now()) });
  } catch (e) {
    if (e instanceof UserError) throw await refuse('not_found', e.toLine());
    throw e;
  }
  await audit(deps.sql, { action: 'api_report', result: 'ok', channel: 'api', actor: actorOf(key), detail: { program: p.code, area: report.area.code }, at: deps.clock.now() });
  return report;
}
