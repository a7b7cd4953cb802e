/**
 * Progress reports: exact figures on a small known dataset at province, district and commune
 * level, area scoping (`within`), the errors, the file formats (xlsx read back with exceljs,
 * CSV neutralised), and the demo seed's figures checked against independent SQL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Excel } from '../../src/shared/exceljs.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressReport, paidPercent, type ProgressReport } from '../../src/reports/progress-report.js';
import { parseReportFormat, reportCsv, reportJson, reportTable, reportTitle, reportXlsx, XLSX_LAYOUT } from '../../src/reports/report-files.js';
import { seedDemo } from '../../src/seed/demo.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { UserError } from '../../src/shared/errors.js';
import type { SqlRunner } from '../../src/db/sql.js';
import { backends, freshDatabase, testKeys, withReferenceData, type TestDatabase } from '../helpers/db.js';

const AS_OF = '2022-01-24';
const NQ42_NAME = 'Hỗ trợ người dân gặp khó khăn do đại dịch COVID-19 (Nghị quyết 42/NQ-CP)';
const MERIT = 'Người có công với cách mạng đang hưởng trợ cấp ưu đãi hằng tháng';
const POOR = 'Người thuộc hộ nghèo, hộ cận nghèo';

let seq = 0;

/** One person and one file (status as given) of a program group in a commune (null: none). */
async function addFile(sql: SqlRunner, program: string, group: string, commune: string | null, status: string, amount: number) {
  const n = ++seq;
  const [p] = await sql.query<{ id: number }>(
    `INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthYear", "communeId", "updatedAt")
     VALUES ($1, $2, 'cccd', 'Nguyễn Văn A', 1960, (SELECT id FROM "Area" WHERE code = $3 AND scheme = '2008'), now()) RETURNING id`,
    [`report-test-${n}`, String(n).padStart(4, '0'), commune],
  );
  const stage = status === 'paid' || status === 'rejected' ? status : status === 'approved' ? 'payment' : 'commune_list';
  await sql.query(
    `INSERT INTO "Entitlement" ("personId", "programId", "groupId", "communeId", amount, stage, status, "stageEnteredAt", "updatedAt")
     SELECT $1, pr.id, g.id, (SELECT id FROM "Area" WHERE code = $4 AND scheme = '2008'), $5, $6, $7, '2020-06-01', now()
     FROM "Program" pr JOIN "ProgramGroup" g ON g."programId" = pr.id WHERE pr.code = $2 AND g.code = $3`,
    [p!.id, program, group, commune, amount, stage, status],
  );
}

const fig = (people: number, approved: number, approvedAmount: number, paid: number, paidAmount: number, paidPercent: number) =>
  ({ people, approved, approvedAmount, paid, paidAmount, paidPercent });

const error = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a UserError'); }, (e: unknown) => {
  expect(e).toBeInstanceOf(UserError);
  return (e as UserError).toLine();
});

describe.each(backends)('progress report on %s', (backend) => {
  let db: TestDatabase;
  const report = (o: { program?: string; area?: string; within?: string } = {}) =>
    progressReport(db.sql, { program: o.program ?? 'NQ42-2020', area: o.area, within: o.within, asOf: AS_OF });

  beforeAll(async () => {
    db = await freshDatabase(backend);
    await withReferenceData(db);
    const M = 1_500_000;
    const P = 750_000;
    // Phường 5 (31498, Thành phố Sóc Trăng 941).
    for (const s of ['paid', 'paid', 'approved', 'in_review', 'rejected']) await addFile(db.sql, 'NQ42-2020', 'g5-merit', '31498', s, M);
    for (const s of ['paid', 'rejected']) await addFile(db.sql, 'NQ42-2020', 'g7-poor-household', '31498', s, P);
    // Phường 7 (31501, 941).
    await addFile(db.sql, 'NQ42-2020', 'g5-merit', '31501', 'approved', M);
    for (const s of ['in_review', 'in_review']) await addFile(db.sql, 'NQ42-2020', 'g7-poor-household', '31501', s, P);
    // Thị trấn Châu Thành (31569, Huyện Châu Thành 942).
    for (let i = 0; i < 3; i++) await addFile(db.sql, 'NQ42-2020', 'g7-poor-household', '31569', 'paid', P);
    // Not counted: a file with no commune.
    await addFile(db.sql, 'NQ42-2020', 'g5-merit', null, 'paid', M);
  });
  afterAll(async () => db?.drop());

  it('should give one row per district and group of the province, and the total, by default', async () => {
    const r = await report();
    expect(r.program).toBe('NQ42-2020');
    expect(r.area).toEqual({ code: '94', name: 'Tỉnh Sóc Trăng' });
    expect(r.asOf).toBe(AS_OF);
    expect(r.rows).toEqual([
      { area: { code: '941', name: 'Thành phố Sóc Trăng' }, group: 'g5-merit', groupName: MERIT, ...fig(6, 4, 6_000_000, 2, 3_000_000, 50) },
      { area: { code: '941', name: 'Thành phố Sóc Trăng' }, group: 'g7-poor-household', groupName: POOR, ...fig(4, 1, 750_000, 1, 750_000, 100) },
      { area: { code: '942', name: 'Huyện Châu Thành' }, group: 'g7-poor-household', groupName: POOR, ...fig(3, 3, 2_250_000, 3, 2_250_000, 100) },
    ]);
    expect(r.total).toEqual(fig(13, 8, 9_000_000, 6, 6_000_000, 75));
    expect(await report({ area: '94' })).toEqual(r);
  });

  it('should give one row per commune and group for a district', async () => {
    const r = await report({ area: '941' });
    expect(r.area).toEqual({ code: '941', name: 'Thành phố Sóc Trăng' });
    expect(r.rows.map((x) => [x.area.code, x.area.name, x.group, x.people, x.approved, x.approvedAmount, x.paid, x.paidAmount, x.paidPercent])).toEqual([
      ['31498', 'Phường 5', 'g5-merit', 5, 3, 4_500_000, 2, 3_000_000, 66.7],
      ['31498', 'Phường 5', 'g7-poor-household', 2, 1, 750_000, 1, 750_000, 100],
      ['31501', 'Phường 7', 'g5-merit', 1, 1, 1_500_000, 0, 0, 0],
      ['31501', 'Phường 7', 'g7-poor-household', 2, 0, 0, 0, 0, 0],
    ]);
    expect(r.total).toEqual(fig(10, 5, 6_750_000, 3, 3_750_000, 60));
  });

  it('should give one row per group, with the commune as area, for a commune', async () => {
    const r = await report({ area: ' 31498 ' });
    expect(r.area).toEqual({ code: '31498', name: 'Phường 5' });
    expect(r.rows.map((x) => [x.area.code, x.group, x.people, x.paidPercent])).toEqual([['31498', 'g5-merit', 5, 66.7], ['31498', 'g7-poor-household', 2, 100]]);
    expect(r.total).toEqual(fig(7, 4, 5_250_000, 3, 3_750_000, 75));
  });

  it('should keep a scoped caller within their area', async () => {
    const district = await db.sql.query<{ path: string }>(`SELECT path FROM "Area" WHERE code = '941' AND scheme = '2008'`);
    const within = district[0]!.path;
    expect((await report({ area: '31501', within })).total.people).toBe(3);
    expect((await report({ area: '941', within })).total.people).toBe(10);
    // No area: their own district, not the whole province.
    expect((await report({ within })).area.code).toBe('941');
    expect(await error(report({ area: '94', within }))).toMatch(/^Tỉnh Sóc Trăng \(94\) is outside the area you may see\./);
    expect(await error(report({ area: '31569', within }))).toMatch(/^Thị trấn Châu Thành \(31569\) is outside the area you may see\./);
    const longAn = await db.sql.query<{ path: string }>(`SELECT path FROM "Area" WHERE code = '80' AND scheme = '2008'`);
    expect(await error(report({ within: longAn[0]!.path }))).toMatch(/^Tỉnh Sóc Trăng \(94\) is outside the area you may see\./);
    await expect(report({ within: '262' })).rejects.toThrow(/within must be an area path/);
  });

  it('should answer unknown programs and areas, and areas without files, with one clear line', async () => {
    expect(await error(report({ program: 'NQ99' }))).toBe('Unknown program "NQ99". Programs: NQ42-2020, NQ68-2021.');
    expect(await error(report({ area: '99999' }))).toMatch(/^Unknown area code 99999\. Use a pre-2025 code/);
    expect(await error(report({ area: '80' }))).toMatch(/^Program NQ42-2020 has no files in Tỉnh Long An \(80\)\./);
    expect(await error(report({ area: '31570' }))).toMatch(/^Program NQ42-2020 has no files in .* \(31570\)\./);
  });

  it('should say when a program has no files, and ask for an area when it has files in two provinces', async () => {
    expect(await error(report({ program: 'NQ68-2021' }))).toMatch(/^Program NQ68-2021 has no files yet: nothing to report\./);
    await addFile(db.sql, 'NQ68-2021', 'i10-household-business', '31498', 'paid', 3_000_000);
    expect((await report({ program: 'NQ68-2021' })).total).toEqual(fig(1, 1, 3_000_000, 1, 3_000_000, 100));
    const [commune] = await db.sql.query<{ code: string }>(`SELECT c.code FROM "Area" c JOIN "Area" d ON d.id = c."parentId" JOIN "Area" p ON p.id = d."parentId" WHERE p.code = '80' AND p.scheme = '2008' ORDER BY c.code LIMIT 1`);
    await addFile(db.sql, 'NQ68-2021', 'i10-household-business', commune!.code, 'approved', 3_000_000);
    expect(await error(report({ program: 'NQ68-2021' }))).toMatch(/^The program has files in 2 provinces \(.*\)\. Say which area to report on \(--area CODE\)\.$/);
    const la = await report({ program: 'NQ68-2021', area: '80' });
    expect(la.total).toEqual(fig(1, 1, 3_000_000, 0, 0, 0));
    // The NQ42 figures are untouched by another program's files.
    expect((await report({ area: '31498' })).total.people).toBe(7);
  });

  it('should write the report as JSON with exactly the agreed shape', async () => {
    const r = await report({ area: '941' });
    const json = JSON.parse(reportJson(r));
    expect(json).toEqual(r);
    expect(Object.keys(json)).toEqual(['program', 'area', 'asOf', 'rows', 'total']);
    expect(Object.keys(json.rows[0])).toEqual(['area', 'group', 'groupName', 'people', 'approved', 'approvedAmount', 'paid', 'paidAmount', 'paidPercent']);
    expect(Object.keys(json.total)).toEqual(['people', 'approved', 'approvedAmount', 'paid', 'paidAmount', 'paidPercent']);
  });

  it('should write an xlsx file a province can send upward', async () => {
    const r = await report();
    const wb = new Excel.Workbook();
    await wb.xlsx.load(await reportXlsx(r, { programName: NQ42_NAME }) as never);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('Tiến độ chi trả');
    expect(ws.getCell('A1').value).toBe('BÁO CÁO TIẾN ĐỘ CHI TRẢ HỖ TRỢ NGƯỜI DÂN GẶP KHÓ KHĂN DO ĐẠI DỊCH COVID-19 (NGHỊ QUYẾT 42/NQ-CP) TRÊN ĐỊA BÀN TỈNH SÓC TRĂNG');
    expect(ws.getCell('A1').font?.bold).toBe(true);
    expect(ws.getCell('A2').value).toBe('Số liệu đến ngày 24/01/2022');
    expect((ws.getRow(XLSX_LAYOUT.headerRow).values as unknown[]).slice(1)).toEqual([
      'Đơn vị', 'Nhóm đối tượng', 'Số người', 'Đã duyệt', 'Số tiền đã duyệt (đồng)', 'Đã chi trả', 'Số tiền đã chi (đồng)', 'Tỷ lệ chi trả (%)',
    ]);
    const first = ws.getRow(XLSX_LAYOUT.firstDataRow);
    expect((first.values as unknown[]).slice(1)).toEqual(['Thành phố Sóc Trăng', MERIT, 6, 4, 6_000_000, 2, 3_000_000, 50]);
    const total = ws.getRow(XLSX_LAYOUT.firstDataRow + r.rows.length);
    expect(total.getCell(1).value).toBe('TỔNG CỘNG');
    expect([3, 4, 5, 6, 7, 8].map((c) => total.getCell(c).value)).toEqual([13, 8, 9_000_000, 6, 6_000_000, 75]);
    expect(total.getCell(1).font?.bold).toBe(true);
    expect(total.getCell(5).font?.bold).toBe(true);
    expect([3, 4, 5, 6, 7].map((c) => first.getCell(c).numFmt)).toEqual(Array(5).fill('#,##0'));
    expect(total.getCell(8).numFmt).toBe('0.0');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: XLSX_LAYOUT.headerRow });
    expect(ws.getColumn(2).width).toBeGreaterThan(30);
    expect(ws.rowCount).toBe(XLSX_LAYOUT.firstDataRow + r.rows.length);
  });

  it('should print an aligned table with Vietnamese amounts', async () => {
    const text = reportTable(await report(), { programName: NQ42_NAME });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(reportTitle(await report(), { programName: NQ42_NAME }));
    expect(lines[1]).toBe('Số liệu đến ngày 24/01/2022');
    expect(lines[3]).toMatch(/^Đơn vị\s+Nhóm đối tượng\s+Số người\s+Đã duyệt\s+Số tiền đã duyệt\s+Đã chi trả\s+Số tiền đã chi\s+Tỷ lệ chi$/);
    expect(lines.at(-1)).toMatch(/^TỔNG CỘNG\s+13\s+8\s+9\.000\.000 đ\s+6\s+6\.000\.000 đ\s+75,0%$/);
    expect(text).toMatch(/Thành phố Sóc Trăng\s+Người có công với cách mạng đang hưởng trợ …\s+6\s+4\s+6\.000\.000 đ\s+2\s+3\.000\.000 đ\s+50,0%/);
    // Every line of the table (header to total) ends in the same column.
    const table = lines.slice(3);
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
  });
});

describe('report files', () => {
  const hostile: ProgressReport = {
    program: 'NQ42-2020',
    area: { code: '94', name: 'Tỉnh Sóc Trăng' },
    asOf: '2022-01-24',
    rows: [{ area: { code: '941', name: "=cmd|' /C calc'!A0" }, group: 'g1', groupName: '=HYPERLINK("http://x","y")', ...fig(2, 1, 1_500_000, 1, 1_500_000, 100) }],
    total: fig(2, 1, 1_500_000, 1, 1_500_000, 100),
  };

  it('should write CSV with a BOM, CRLF, Vietnamese headers, and formula-like names neutralised', () => {
    const csv = reportCsv(hostile);
    expect(csv.startsWith('\uFEFFMã đơn vị,Đơn vị,Mã nhóm,Nhóm đối tượng,Số người,Đã duyệt,Số tiền đã duyệt (đồng),Đã chi trả,Số tiền đã chi (đồng),Tỷ lệ chi trả (%)\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`941,'=cmd|' /C calc'!A0,g1,"'=HYPERLINK(""http://x"",""y"")",2,1,1500000,1,1500000,100.0`);
    expect(lines[2]).toBe(',TỔNG CỘNG,,,2,1,1500000,1,1500000,100.0');
    expect(lines[3]).toBe('');
  });

  it('should neutralise formula-like names in xlsx too', async () => {
    const wb = new Excel.Workbook();
    await wb.xlsx.load(await reportXlsx(hostile) as never);
    const row = wb.worksheets[0]!.getRow(XLSX_LAYOUT.firstDataRow);
    expect(row.getCell(1).value).toBe("'=cmd|' /C calc'!A0");
    expect(row.getCell(2).value).toBe('\'=HYPERLINK("http://x","y")');
    expect(wb.worksheets[0]!.getCell('A1').value).toBe('BÁO CÁO TIẾN ĐỘ CHI TRẢ HỖ TRỢ NQ42-2020 TRÊN ĐỊA BÀN TỈNH SÓC TRĂNG');
  });

  it('should round the paid percentage to one decimal, 0 when nothing is approved', () => {
    expect(paidPercent(2, 3)).toBe(66.7);
    expect(paidPercent(1, 3)).toBe(33.3);
    expect(paidPercent(246_684, 253_514)).toBe(97.3);
    expect(paidPercent(0, 0)).toBe(0);
    expect(paidPercent(5, 5)).toBe(100);
  });

  it('should accept the four formats and refuse others', () => {
    expect(parseReportFormat('XLSX')).toBe('xlsx');
    expect(() => parseReportFormat('pdf')).toThrow(/^Unknown report format "pdf"\.$/);
    try { parseReportFormat('pdf'); } catch (e) { expect((e as UserError).toLine()).toBe('Unknown report format "pdf". Use one of table, json, csv, xlsx.'); }
  });
});

describe.each(backends)('progress report of the demo seed on %s', (backend) => {
  let db: TestDatabase;
  const scale = 0.004;

  beforeAll(async () => {
    db = await freshDatabase(backend);
    const ref = await withReferenceData(db);
    const calendar = await loadWorkingCalendar(db.prisma);
    await seedDemo(db, { keys: testKeys, calendar, programs: ref.definitions }, { scale, seed: 3, asOf: AS_OF, dataDir: mkdtempSync(join(tmpdir(), 'ansinh-report-')) });
  });
  afterAll(async () => db?.drop());

  it("should match independent counts, and the seed's protected groups in Sóc Trăng", async () => {
    for (const [program, province] of [['NQ42-2020', '94'], ['NQ68-2021', '80']] as const) {
      const r = await progressReport(db.sql, { program, asOf: AS_OF });
      expect(r.area.code).toBe(province);
      // Independent: walk the tree by parent links instead of paths.
      const [x] = await db.sql.query<{ people: number; approved: number; approved_amount: string; paid: number; paid_amount: string; districts: number }>(
        `SELECT count(*)::int people, count(*) FILTER (WHERE e.status <> 'in_review' AND e.status <> 'rejected')::int approved,
                coalesce(sum(e.amount) FILTER (WHERE e.status <> 'in_review' AND e.status <> 'rejected'), 0)::text approved_amount,
                count(*) FILTER (WHERE e.status = 'paid')::int paid, coalesce(sum(e.amount) FILTER (WHERE e.status = 'paid'), 0)::text paid_amount,
                count(DISTINCT d.id)::int districts
         FROM "Entitlement" e JOIN "Program" pr ON pr.id = e."programId"
         JOIN "Area" c ON c.id = e."communeId" JOIN "Area" d ON d.id = c."parentId" JOIN "Area" p ON p.id = d."parentId"
         WHERE pr.code = $1 AND p.code = $2 AND p.scheme = '2008'`,
        [program, province],
      );
      expect(r.total).toEqual(fig(x!.people, x!.approved, Number(x!.approved_amount), x!.paid, Number(x!.paid_amount), paidPercent(x!.paid, x!.approved)));
      expect(new Set(r.rows.map((row) => row.area.code)).size).toBe(x!.districts);
      for (const row of r.rows) {
        expect(row.approved).toBeLessThanOrEqual(row.people);
        expect(row.paid).toBeLessThanOrEqual(row.approved);
        expect(row.paidAmount).toBeLessThanOrEqual(row.approvedAmount);
      }
      // Each district's rows add up to its own report's total.
      const district = r.rows[0]!.area.code;
      const d = await progressReport(db.sql, { program, area: district, asOf: AS_OF });
      const mine = r.rows.filter((row) => row.area.code === district);
      expect(d.total.people).toBe(mine.reduce((n, row) => n + row.people, 0));
      expect(d.total.paidAmount).toBe(mine.reduce((n, row) => n + row.paidAmount, 0));
    }
    const st = await progressReport(db.sql, { program: 'NQ42-2020', asOf: AS_OF });
    const protectedPeople = st.rows.filter((row) => ['g5-merit', 'g6-social-protection', 'g7-poor-household'].includes(row.group)).reduce((n, row) => n + row.people, 0);
    expect(protectedPeople).toBe(Math.round(20_281 * scale) + Math.round(25_351 * scale) + Math.round(207_882 * scale)); // 253,514 at scale 1
  });
});
