/**
 * Importing a beneficiary list (CSV or xlsx) for one program, all or nothing by default:
 *
 *   read (streamed) → find the header → check each row (zod) → stage the good rows in
 *   ImportRow → file-wide checks in SQL (duplicates, exclusive groups, already paid, shared
 *   phones, external ids) → commit in ONE transaction: people upserted, new files inserted
 *   with their first history event, changed stages through `changeStagesIn` (history + the
 *   outbox rows that notify citizens), other field changes → summary, error files.
 *
 * A file with any error changes nothing unless `partial` is set; a dry run does the whole
 * commit and rolls it back, so its counts are exact. Importing the same file again changes
 * nothing. Every write is set-based: a batch of rows is one statement.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { Logger } from '../shared/log.js';
import type { SqlRunner } from '../db/sql.js';
import type { Keys } from '../shared/secrets.js';
import type { Clock } from '../shared/clock.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { formatVi, localDateAt, type LocalDate } from '../calendar/local-date.js';
import { changeStagesIn, type StageChange } from '../entitlements/stage.service.js';
import { fold } from '../conversation/text.js';
import { CANONICAL, looksLikeHeader, mapHeader, REQUIRED, type HeaderMap } from './columns.js';
import { loadImportContext, type ImportContext } from './context.js';
import { openListFile, type ListFile, type SheetRow } from './readers.js';
import { checkRow, rowInput, rowSchema, type StagedRow } from './validate-row.js';
import { cellText, isBlank, type RawCell } from './values.js';
import { ErrorFiles } from './error-files.js';
import { ImportFileError, type RowIssue } from './errors.js';

export interface ImportDeps {
  sql: SqlRunner;
  keys: Keys;
  calendar: WorkingCalendar;
  clock: Clock;
  log: Logger;
}

export interface ImportOptions {
  program: string;
  /** Two-digit province code for communes given by name (default: the program's province). */
  province?: string;
  dryRun?: boolean;
  partial?: boolean;
  /** Who imports (kept in the history and the batch). */
  actor?: string;
  /** The importer's area path (a console user's, an API key's): who may see the import in the console. */
  areaPath?: string;
  /** cli | console | api (the files' history `source` is always "import"). */
  via?: string;
  /** Folder for errors.csv, errors.xlsx and summary.json; `<dir>/<import id>` is created. */
  outDir: string;
  /** Name shown in the history (default: the file's base name). */
  fileName?: string;
  maxBytes?: number;
  maxRows?: number;
  /** An ImportBatch created beforehand (the console queues the job first). */
  importId?: number;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  importId: number;
  phase: 'reading' | 'checking' | 'writing' | 'done';
  rows: number;
  bytesRead: number;
  bytes: number;
}

export interface ImportChanges {
  peopleCreated: number;
  peopleUpdated: number;
  filesCreated: number;
  stageChanges: number;
  filesUpdated: number;
  unchanged: number;
}

export interface ImportSummary {
  id: number;
  program: string;
  fileName: string;
  format: string | null;
  /** committed | rejected (errors, nothing written) | checked (dry run) | failed (whole file refused) */
  status: 'committed' | 'rejected' | 'checked' | 'failed';
  dryRun: boolean;
  partial: boolean;
  rows: number;
  okRows: number;
  errorRows: number;
  warnings: number;
  ignoredRows: number;
  changes: ImportChanges;
  /** The reason a whole file was refused. */
  fatal: string | null;
  /** The first problems (masked), for a screen; the error files hold all of them. */
  issues: RowIssue[];
  errorFiles: { csv: string; xlsx: string } | null;
  /** The same file was imported before. */
  previous: { id: number; at: string; status: string } | null;
  unknownColumns: string[];
  ms: number;
  /** Where the time went (ms): reading and checking rows with staging, file-wide checks, commit. */
  timings: { read: number; checks: number; commit: number };
}

export const DEFAULT_MAX_BYTES = 150 * 1024 * 1024;
export const DEFAULT_MAX_ROWS = 1_000_000;
/** More people than this on one phone number is flagged. */
export const PHONE_SHARED_LIMIT = 8;
const BATCH = 2_000;
const HEADER_SEARCH_ROWS = 20;
const NO_CHANGES: ImportChanges = { peopleCreated: 0, peopleUpdated: 0, filesCreated: 0, stageChanges: 0, filesUpdated: 0, unchanged: 0 };

class DryRunRollback extends Error {
  constructor(readonly changes: ImportChanges) {
    super('dry run');
  }
}

/** Staged rows from which the file checks are worth fresh table statistics. */
const ANALYZE_AFTER_ROWS = 5_000;

/** Creates the ImportBatch row for a file to be imported (the console does this before queueing). */
export async function createImportBatch(sql: SqlRunner, o: { program: string; fileName: string; partial?: boolean; dryRun?: boolean; actor?: string; areaPath?: string; status?: string }): Promise<number> {
  const [b] = await sql.query<{ id: number }>(
    `INSERT INTO "ImportBatch" ("programId", "fileName", "fileHash", format, partial, "dryRun", status, actor, "areaPath")
     SELECT id, $2, '', '', $3, $4, $5, $6, $7 FROM "Program" WHERE code = $1 RETURNING id`,
    [o.program, o.fileName, o.partial ?? false, o.dryRun ?? false, o.status ?? 'queued', o.actor ?? null, o.areaPath ?? null],
  );
  if (!b) throw new ImportFileError(`Không có chương trình ${o.program}.`);
  return b.id;
}

/** Imports a CSV or xlsx file (the CLI, the console's job). */
export function importListFile(deps: ImportDeps, path: string, opts: ImportOptions): Promise<ImportSummary> {
  return importList(deps, () => openListFile(path, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES }), { ...opts, fileName: opts.fileName ?? path.split(/[\\/]/).pop()! });
}

/** Imports rows from any source shaped like a sheet (a file, or the API's JSON rows). */
export async function importList(deps: ImportDeps, open: () => Promise<ListFile>, opts: ImportOptions & { fileName: string }): Promise<ImportSummary> {
  const t0 = performance.now();
  const { sql, log } = deps;
  const now = deps.clock.now();
  const today = localDateAt(now);
  const fileName = opts.fileName;
  const id = opts.importId ?? (await createImportBatch(sql, { program: opts.program, fileName, partial: opts.partial, dryRun: opts.dryRun, actor: opts.actor, areaPath: opts.areaPath, status: 'running' }));
  await sql.query(`UPDATE "ImportBatch" SET status = 'running', "startedAt" = $2 WHERE id = $1`, [id, now]);
  // A retried job starts from a clean slate (staging rows of a run that crashed).
  await sql.query(`DELETE FROM "ImportRow" WHERE "importId" = $1`, [id]);
  const dir = join(opts.outDir, String(id));
  const errors = new ErrorFiles(dir);
  const summary: ImportSummary = {
    id, program: opts.program, fileName, format: null, status: 'failed', dryRun: !!opts.dryRun, partial: !!opts.partial,
    rows: 0, okRows: 0, errorRows: 0, warnings: 0, ignoredRows: 0, changes: { ...NO_CHANGES }, fatal: null, issues: [],
    errorFiles: null, previous: null, unknownColumns: [], ms: 0, timings: { read: 0, checks: 0, commit: 0 },
  };
  let mark = performance.now();
  const lap = (k: keyof ImportSummary['timings']) => {
    const t = performance.now();
    summary.timings[k] = Math.round(t - mark);
    mark = t;
  };
  const errorRows = new Set<number>();
  const report = (list: RowIssue[]) => {
    for (const i of list) {
      if (i.severity === 'error') errorRows.add(i.row);
      else summary.warnings++;
      if (summary.issues.length < 100) summary.issues.push(i);
    }
    errors.add(list);
  };
  let lastProgress = 0;
  const progress = (phase: ImportProgress['phase'], bytesRead: number, bytes: number, force = false) => {
    const t = performance.now();
    if (!force && t - lastProgress < 250) return;
    lastProgress = t;
    opts.onProgress?.({ importId: id, phase, rows: summary.rows, bytesRead, bytes });
    void sql.query(`UPDATE "ImportBatch" SET phase = $2, "rowsRead" = $3 WHERE id = $1`, [id, phase, summary.rows]).catch(() => {});
  };

  try {
    const file = await open();
    summary.format = file.format;
    await sql.query(`UPDATE "ImportBatch" SET "fileHash" = $2, format = $3 WHERE id = $1`, [id, file.sha256, file.format]);
    const [prev] = await sql.query<{ id: number; at: Date; status: string }>(
      `SELECT b.id, b."finishedAt" AS at, b.status FROM "ImportBatch" b JOIN "Program" p ON p.id = b."programId"
       WHERE b."fileHash" = $1 AND p.code = $2 AND b.id <> $3 AND b.status = 'committed' ORDER BY b.id DESC LIMIT 1`,
      [file.sha256, opts.program, id],
    );
    if (prev) summary.previous = { id: prev.id, at: prev.at.toISOString(), status: prev.status };
    const ctx = await loadImportContext(sql, opts.program, opts.province);
    const schema = rowSchema({ ctx, keys: deps.keys, calendar: deps.calendar, today });

    let header: HeaderMap | null = null;
    let before = 0;
    let batch: StagedRow[] = [];
    const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
    for await (const r of file.rows()) {
      if (!header) {
        const texts = r.cells.map((c) => cellText(c));
        if (texts.every((t) => !t)) continue;
        if (looksLikeHeader(texts)) {
          header = checkHeader(mapHeader(texts), ctx);
          summary.unknownColumns = header.unknown;
          continue;
        }
        if (++before >= HEADER_SEARCH_ROWS) break;
        continue;
      }
      if (r.cells.every(isBlank)) continue;
      if (isTotalsRow(header, r)) {
        summary.ignoredRows++;
        continue;
      }
      summary.rows++;
      if (summary.rows > maxRows) throw new ImportFileError(`Tệp có hơn ${maxRows.toLocaleString('vi-VN')} dòng; hãy chia thành nhiều tệp.`);
      const checked = checkRow(schema, header, r.rowNo, rowInput(header, r.cells));
      if (checked.issues.length) report(checked.issues);
      if (checked.row) batch.push(checked.row);
      if (batch.length >= BATCH) {
        await stageRows(sql, id, batch);
        batch = [];
      }
      progress('reading', file.bytesRead(), file.bytes);
    }
    if (!header) {
      throw new ImportFileError(
        `Không tìm thấy dòng tiêu đề trong ${HEADER_SEARCH_ROWS} dòng đầu. Cần các cột: ${[...REQUIRED.map((f) => CANONICAL[f]), `${CANONICAL.communeCode} (hoặc ${CANONICAL.communeName})`].join(', ')}.`,
      );
    }
    if (summary.rows === 0) throw new ImportFileError('Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.');
    await stageRows(sql, id, batch);
    lap('read');
    progress('checking', file.bytes, file.bytes, true);
    // Fresh statistics for the file-wide checks' joins on a large file; a small one (an API call of
    // a few rows) does without, and does not queue behind another import's ANALYZE.
    if (summary.rows >= ANALYZE_AFTER_ROWS) await sql.exec(`ANALYZE "ImportRow"`);
    report(await fileChecks(sql, ctx, id, header));
    const bad = [...errorRows];
    if (bad.length) await sql.query(`UPDATE "ImportRow" SET ok = false WHERE "importId" = $1 AND "rowNo" = ANY($2::int[])`, [id, bad]);
    summary.errorRows = errorRows.size;
    summary.okRows = summary.rows - summary.errorRows;
    lap('checks');

    if (summary.errorRows > 0 && !opts.partial) {
      summary.status = 'rejected';
    } else if (summary.okRows > 0) {
      progress('writing', file.bytes, file.bytes, true);
      summary.changes = await commit(deps, ctx, id, { now, today, dryRun: !!opts.dryRun, actor: opts.actor ?? null, fileName, okRows: summary.okRows });
      summary.status = opts.dryRun ? 'checked' : 'committed';
      lap('commit');
    } else {
      summary.status = opts.dryRun ? 'checked' : 'rejected';
    }
  } catch (e) {
    if (!(e instanceof ImportFileError)) {
      log.error({ err: e, importId: id }, 'import failed');
      summary.fatal = 'Lỗi hệ thống khi nhập tệp; không có thay đổi nào được ghi. Hãy thử lại hoặc báo quản trị.';
    } else summary.fatal = e.message;
    summary.status = 'failed';
    summary.changes = { ...NO_CHANGES };
    errors.add([{ row: 0, column: '', value: '', reason: summary.fatal, severity: 'error' }]);
  } finally {
    await sql.query(`DELETE FROM "ImportRow" WHERE "importId" = $1`, [id]).catch(() => {});
  }
  summary.errorFiles = await errors.close();
  summary.ms = Math.round(performance.now() - t0);
  if (summary.errorFiles) writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n', { mode: 0o600 });
  await sql.query(
    `UPDATE "ImportBatch" SET status = $2, phase = 'done', "rowsRead" = $3, summary = $4::jsonb, "errorDir" = $5, "finishedAt" = $6 WHERE id = $1`,
    [id, summary.status, summary.rows, JSON.stringify(summary), summary.errorFiles ? dir : null, deps.clock.now()],
  );
  opts.onProgress?.({ importId: id, phase: 'done', rows: summary.rows, bytesRead: 0, bytes: 0 });
  log.info({ importId: id, program: opts.program, status: summary.status, rows: summary.rows, errors: summary.errorRows, warnings: summary.warnings, ms: summary.ms, changes: summary.changes }, 'import finished');
  return summary;
}

/** Header problems that make the whole file unusable. */
function checkHeader(h: HeaderMap, ctx: ImportContext): HeaderMap {
  if (h.duplicates.length) {
    throw new ImportFileError(`Có hai cột cùng nghĩa: ${h.duplicates.map((d) => d.labels.map((l) => `"${l}"`).join(' và ')).join('; ')}. Hãy xóa hoặc đổi tên một cột.`);
  }
  const missing = REQUIRED.filter((f) => h.columns[f] === undefined).map((f) => CANONICAL[f]);
  if (h.columns.communeCode === undefined && h.columns.communeName === undefined) missing.push(`${CANONICAL.communeCode} (hoặc ${CANONICAL.communeName})`);
  if (missing.length) throw new ImportFileError(`Thiếu cột: ${missing.join(', ')}.`);
  if (h.columns.communeCode === undefined && !ctx.province) {
    throw new ImportFileError(`Tệp chỉ có tên xã, nhưng chưa biết tỉnh của chương trình ${ctx.program.code}. Hãy thêm cột ${CANONICAL.communeCode} hoặc chọn tỉnh (--province).`);
  }
  return h;
}

/** "Tổng cộng" lines at the end of a list: no ID, and a cell saying total. */
function isTotalsRow(h: HeaderMap, r: SheetRow): boolean {
  const id = r.cells[h.columns.idNumber!] ?? null;
  return isBlank(id) && r.cells.some((c) => /^(tong|cong)( cong)?\b/.test(fold(cellText(c as RawCell)).trim()));
}

async function stageRows(sql: SqlRunner, importId: number, rows: StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof StagedRow>(k: K) => rows.map((r) => r[k]);
  await sql.query(
    `INSERT INTO "ImportRow" ("importId", "rowNo", "idHash", "idLast", "idKind", "fullName", "birthDate", "birthYear", gender, "communeId",
       "phoneHash", "phoneCipher", "groupId", exclusivity, amount, stage, status, "dueAt", "paidAt", "paymentPlace", reason, "externalId", "stageGiven")
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::int[], $9::text[], $10::int[],
       $11::text[], $12::text[], $13::int[], $14::text[], $15::bigint[], $16::text[], $17::text[], $18::date[], $19::date[], $20::text[], $21::text[], $22::text[], $23::bool[])`,
    [
      importId, col('rowNo'), col('idHash'), col('idLast'), col('idKind'), col('fullName'), col('birthDate'), col('birthYear'), col('gender'), col('communeId'),
      col('phoneHash'), col('phoneCipher'), col('groupId'), col('exclusivity'), col('amount'), col('stage'), col('status'), col('dueAt'), col('paidAt'),
      col('paymentPlace'), col('reason'), col('externalId'), col('stageGiven'),
    ],
  );
}

/**
 * Checks across rows and against what is already recorded, in SQL over the staged rows: the
 * same person twice, one ID with two names or birth dates, groups that exclude each other (in
 * the file and against files already recorded), a paid file the list would move back, someone
 * already paid in another group, an external id used twice, a phone shared by many people.
 */
async function fileChecks(sql: SqlRunner, ctx: ImportContext, id: number, h: HeaderMap): Promise<RowIssue[]> {
  const col = (f: keyof typeof CANONICAL) => (h.columns[f] !== undefined ? h.labels[h.columns[f]!]! : CANONICAL[f]);
  const groupCode = new Map(ctx.groups.map((g) => [g.id, g.code]));
  const issues: RowIssue[] = [];
  const err = (row: number, column: string, reason: string, value = '') => issues.push({ row, column, value, reason, severity: 'error' });
  const warn = (row: number, column: string, reason: string, value = '') => issues.push({ row, column, value, reason, severity: 'warning' });

  const samePerson = await sql.query<{ rowNo: number; first: number; sameGroup: boolean; sameFacts: boolean; exclusive: boolean; firstGroup: number }>(
    `SELECT "rowNo", first, "groupId" = "firstGroup" AS "sameGroup", "firstGroup",
            ("fullName", "birthYear", "birthDate") IS NOT DISTINCT FROM ("firstName", "firstYear", "firstDate") AS "sameFacts",
            exclusivity IS NOT NULL AND exclusivity = "firstExcl" AS exclusive
     FROM (SELECT "rowNo", "groupId", exclusivity, "fullName", "birthYear", "birthDate",
             first_value("rowNo") OVER w AS first, first_value("groupId") OVER w AS "firstGroup", first_value(exclusivity) OVER w AS "firstExcl",
             first_value("fullName") OVER w AS "firstName", first_value("birthYear") OVER w AS "firstYear", first_value("birthDate") OVER w AS "firstDate"
           FROM "ImportRow" WHERE "importId" = $1 WINDOW w AS (PARTITION BY "idHash" ORDER BY "rowNo")) x
     WHERE "rowNo" <> first ORDER BY "rowNo"`,
    [id],
  );
  for (const r of samePerson) {
    if (!r.sameFacts) err(r.rowNo, col('idNumber'), `Cùng số CCCD/CMND với dòng ${r.first} nhưng khác họ tên hoặc ngày sinh.`);
    else if (r.sameGroup) err(r.rowNo, col('idNumber'), `Trùng người với dòng ${r.first} (cùng nhóm đối tượng).`);
    else if (r.exclusive) err(r.rowNo, col('group'), `Người này đã có ở dòng ${r.first} (nhóm ${groupCode.get(r.firstGroup)}); hai nhóm loại trừ nhau, chỉ được hưởng một.`);
  }

  // An ID number already recorded for someone born on another day is most likely a typo that
  // hits another person: refused. Another spelling of the name is only flagged.
  const known = await sql.query<{ rowNo: number; dobDiffers: boolean; nameDiffers: boolean }>(
    `SELECT r."rowNo", (p."birthYear" <> r."birthYear" OR (p."birthDate" IS NOT NULL AND r."birthDate" IS NOT NULL AND p."birthDate" <> r."birthDate")) AS "dobDiffers",
            lower(p."fullName") <> lower(r."fullName") AS "nameDiffers"
     FROM "ImportRow" r JOIN "Person" p ON p."idHash" = r."idHash"
     WHERE r."importId" = $1 AND (p."birthYear" <> r."birthYear" OR (p."birthDate" IS NOT NULL AND r."birthDate" IS NOT NULL AND p."birthDate" <> r."birthDate") OR lower(p."fullName") <> lower(r."fullName"))
     ORDER BY r."rowNo"`,
    [id],
  );
  for (const r of known) {
    if (r.dobDiffers) err(r.rowNo, col('idNumber'), 'Số CCCD/CMND này đã có trong hệ thống với ngày sinh khác; kiểm tra lại số CCCD hoặc ngày sinh.');
    else if (r.nameDiffers) warn(r.rowNo, col('fullName'), 'Họ tên khác với họ tên đã lưu cho số CCCD/CMND này; họ tên trong danh sách sẽ được ghi.');
  }

  const recorded = await sql.query<{ rowNo: number; kind: string; code: string; status: string; paidAt: string | null; amount: string; rowAmount: string }>(
    `SELECT r."rowNo", CASE WHEN e."groupId" = r."groupId" THEN 'same' WHEN g.exclusivity IS NOT NULL AND g.exclusivity = r.exclusivity THEN 'exclusive' ELSE 'other' END AS kind,
            g.code, e.status, to_char(e."paidAt", 'YYYY-MM-DD') AS "paidAt", e.amount::text AS amount, r.amount::text AS "rowAmount", r.stage AS "rowStage"
     FROM "ImportRow" r JOIN "Person" p ON p."idHash" = r."idHash" JOIN "Entitlement" e ON e."personId" = p.id JOIN "ProgramGroup" g ON g.id = e."groupId"
     WHERE r."importId" = $1 AND e."programId" = $2
       AND ((e."groupId" = r."groupId" AND e.status = 'paid' AND ((r."stageGiven" AND r.stage <> 'paid') OR r.amount <> e.amount))
         OR (e."groupId" <> r."groupId" AND g.exclusivity IS NOT NULL AND g.exclusivity = r.exclusivity AND e.status <> 'rejected')
         OR (e."groupId" <> r."groupId" AND e.status = 'paid'))
     ORDER BY r."rowNo"`,
    [id, ctx.program.id],
  );
  const day = (d: string | null) => (d ? ` ngày ${formatVi(d as LocalDate)}` : '');
  for (const r of recorded) {
    if (r.kind === 'same') {
      if (r.amount !== r.rowAmount) err(r.rowNo, col('amount'), `Hồ sơ đã chi trả ${Number(r.amount).toLocaleString('vi-VN')} đ${day(r.paidAt)}; không sửa được số tiền đã chi.`);
      else err(r.rowNo, col('stage'), `Hồ sơ đã chi trả${day(r.paidAt)}; không thể chuyển về trạng thái khác.`);
    } else if (r.kind === 'exclusive') err(r.rowNo, col('group'), `Người này đã có hồ sơ nhóm ${r.code} (${statusVi(r.status)}); hai nhóm loại trừ nhau, chỉ được hưởng một.`);
    else warn(r.rowNo, col('group'), `Người này đã được chi trả ở nhóm ${r.code}${day(r.paidAt)}; hãy kiểm tra có được hưởng thêm nhóm này không.`);
  }

  const external = await sql.query<{ rowNo: number; first: number | null; taken: boolean }>(
    `SELECT r."rowNo",
            (SELECT min(o."rowNo") FROM "ImportRow" o WHERE o."importId" = r."importId" AND o."externalId" = r."externalId" AND o."rowNo" < r."rowNo") AS first,
            EXISTS (SELECT 1 FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId"
                    WHERE e."programId" = $2 AND e."externalId" = r."externalId" AND NOT (p."idHash" = r."idHash" AND e."groupId" = r."groupId")) AS taken
     FROM "ImportRow" r WHERE r."importId" = $1 AND r."externalId" IS NOT NULL ORDER BY r."rowNo"`,
    [id, ctx.program.id],
  );
  for (const r of external) {
    if (r.first) err(r.rowNo, col('externalId'), `Mã hồ sơ trùng với dòng ${r.first}.`);
    else if (r.taken) err(r.rowNo, col('externalId'), 'Mã hồ sơ này đã dùng cho một hồ sơ khác.');
  }

  const phones = await sql.query<{ rowNo: number; n: number }>(
    `WITH mine AS (SELECT DISTINCT "phoneHash", "idHash" FROM "ImportRow" WHERE "importId" = $1 AND "phoneHash" IS NOT NULL),
          everyone AS (SELECT "phoneHash", "idHash" FROM mine
                       UNION SELECT p."phoneHash", p."idHash" FROM "Person" p WHERE p."phoneHash" IN (SELECT "phoneHash" FROM mine)),
          shared AS (SELECT "phoneHash", count(*)::int AS n FROM everyone GROUP BY "phoneHash" HAVING count(*) > $2)
     SELECT r."rowNo", s.n FROM "ImportRow" r JOIN shared s USING ("phoneHash") WHERE r."importId" = $1 ORDER BY r."rowNo"`,
    [id, PHONE_SHARED_LIMIT],
  );
  for (const r of phones) warn(r.rowNo, col('phone'), `Số điện thoại này dùng chung cho ${r.n} người (quá ${PHONE_SHARED_LIMIT}); hãy kiểm tra lại.`);
  return issues.sort((a, b) => a.row - b.row);
}

function statusVi(s: string): string {
  return ({ paid: 'đã chi trả', approved: 'đã duyệt', in_review: 'đang xét', rejected: 'bị từ chối' } as Record<string, string>)[s] ?? s;
}

/** Writes the good staged rows in one transaction (rolled back for a dry run). */
async function commit(
  deps: ImportDeps, ctx: ImportContext, id: number,
  o: { now: Date; today: LocalDate; dryRun: boolean; actor: string | null; fileName: string; okRows: number },
): Promise<ImportChanges> {
  const note = `Nhập danh sách #${id} (${o.fileName.slice(0, 100)})`;
  try {
    return await deps.sql.transaction(async (tx) => {
      const [people] = await tx.query<{ created: number; updated: number }>(
        `WITH src AS (SELECT DISTINCT ON ("idHash") * FROM "ImportRow" WHERE "importId" = $1 AND ok ORDER BY "idHash", "rowNo"),
         up AS (
           INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthDate", "birthYear", gender, "communeId", "phoneHash", "phoneCipher", "updatedAt")
           SELECT "idHash", "idLast", "idKind", "fullName", "birthDate", "birthYear", gender, "communeId", "phoneHash", "phoneCipher", $2 FROM src
           ON CONFLICT ("idHash") DO UPDATE SET
             "fullName" = EXCLUDED."fullName", "birthDate" = EXCLUDED."birthDate", "birthYear" = EXCLUDED."birthYear",
             gender = COALESCE(EXCLUDED.gender, "Person".gender), "communeId" = EXCLUDED."communeId",
             "phoneHash" = COALESCE(EXCLUDED."phoneHash", "Person"."phoneHash"),
             "phoneCipher" = CASE WHEN EXCLUDED."phoneHash" IS NOT NULL AND EXCLUDED."phoneHash" IS DISTINCT FROM "Person"."phoneHash" THEN EXCLUDED."phoneCipher" ELSE "Person"."phoneCipher" END,
             "updatedAt" = EXCLUDED."updatedAt"
           WHERE ("Person"."fullName", "Person"."birthDate", "Person"."birthYear", "Person"."communeId") IS DISTINCT FROM (EXCLUDED."fullName", EXCLUDED."birthDate", EXCLUDED."birthYear", EXCLUDED."communeId")
              OR (EXCLUDED.gender IS NOT NULL AND EXCLUDED.gender IS DISTINCT FROM "Person".gender)
              OR (EXCLUDED."phoneHash" IS NOT NULL AND EXCLUDED."phoneHash" IS DISTINCT FROM "Person"."phoneHash")
           RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted)::int AS created, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`,
        [id, o.now],
      );
      const [files] = await tx.query<{ created: number }>(
        `WITH ins AS (
           INSERT INTO "Entitlement" ("personId", "programId", "groupId", "communeId", amount, stage, status, "stageEnteredAt", "dueAt",
             "rejectionReason", "paidAt", "paymentPlace", "externalId", "updatedAt")
           SELECT p.id, $2, r."groupId", r."communeId", r.amount, r.stage, r.status, COALESCE(r."paidAt", $3::date), r."dueAt",
             r.reason, r."paidAt", r."paymentPlace", r."externalId", $4
           FROM "ImportRow" r JOIN "Person" p ON p."idHash" = r."idHash"
           WHERE r."importId" = $1 AND r.ok AND NOT EXISTS (SELECT 1 FROM "Entitlement" e WHERE e."personId" = p.id AND e."groupId" = r."groupId")
           RETURNING id, stage),
         ev AS (
           INSERT INTO "EntitlementEvent" ("entitlementId", "fromStage", "toStage", at, source, actor, note)
           SELECT id, NULL, stage, $4, 'import', $5, $6 FROM ins RETURNING 1)
         SELECT count(*)::int AS created FROM ev`,
        [id, ctx.program.id, o.today, o.now, o.actor, note],
      );
      const moved = await tx.query<{ id: number; stage: string; reason: string | null; place: string | null; paidAt: string | null }>(
        `SELECT e.id, r.stage, r.reason, r."paymentPlace" AS place, to_char(r."paidAt", 'YYYY-MM-DD') AS "paidAt"
         FROM "ImportRow" r JOIN "Person" p ON p."idHash" = r."idHash" JOIN "Entitlement" e ON e."personId" = p.id AND e."groupId" = r."groupId"
         WHERE r."importId" = $1 AND r.ok AND r."stageGiven" AND e.stage <> r.stage ORDER BY r."rowNo"`,
        [id],
      );
      const changes: StageChange[] = moved.map((m) => ({ entitlementId: m.id, toStage: m.stage, reason: m.reason, paymentPlace: m.place, paidAt: m.paidAt, note }));
      const results = await changeStagesIn(tx, deps.calendar, changes, { source: 'import', actor: o.actor, at: o.now });
      const [updated] = await tx.query<{ n: number; both: number }>(
        `WITH u AS (
           UPDATE "Entitlement" e SET amount = r.amount, "communeId" = r."communeId", "externalId" = COALESCE(r."externalId", e."externalId"), "updatedAt" = $2
           FROM "ImportRow" r JOIN "Person" p ON p."idHash" = r."idHash"
           WHERE r."importId" = $1 AND r.ok AND e."personId" = p.id AND e."groupId" = r."groupId"
             AND ((e.amount, e."communeId") IS DISTINCT FROM (r.amount, r."communeId") OR (r."externalId" IS NOT NULL AND r."externalId" IS DISTINCT FROM e."externalId"))
           RETURNING e.id)
         SELECT count(*)::int AS n, count(*) FILTER (WHERE id = ANY($3::int[]))::int AS both FROM u`,
        [id, o.now, results.filter((r) => r.changed).map((r) => r.entitlementId)],
      );
      const stageChanges = results.filter((r) => r.changed).length;
      const changes_: ImportChanges = {
        peopleCreated: people!.created, peopleUpdated: people!.updated, filesCreated: files!.created, stageChanges, filesUpdated: updated!.n,
        unchanged: Math.max(0, o.okRows - files!.created - stageChanges - updated!.n + updated!.both),
      };
      if (o.dryRun) throw new DryRunRollback(changes_);
      return changes_;
    });
  } catch (e) {
    if (e instanceof DryRunRollback) return e.changes;
    throw e;
  }
}
