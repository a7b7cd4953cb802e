/**
 * A progress report as the files people read or send upward: an aligned text table for the
 * terminal, JSON (the report as is), CSV (UTF-8 with BOM, CRLF, for Excel) and xlsx shaped
 * like a provincial report (title, date line, Vietnamese headers, number formats, a bold
 * "TỔNG CỘNG" row, frozen header). Every text cell goes through `neutralise` (shared/csv.ts)
 * so a name starting with "=" is never taken for a formula.
 */
import { Excel } from '../shared/exceljs.js';
import { formatVi } from '../calendar/local-date.js';
import { UserError } from '../shared/errors.js';
import { csvLine, neutralise, UTF8_BOM } from '../shared/csv.js';
import { formatCount, formatPercent, formatVnd } from '../shared/format.js';
import type { ProgressFigures, ProgressReport } from './progress-report.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Formats that are files to open in a spreadsheet, not text for a terminal. */
export const FILE_ONLY_FORMATS: readonly ReportFormat[] = ['csv', 'xlsx'];

/** A format name from the user, or a one-line error listing the valid ones. */
export function parseReportFormat(text: string): ReportFormat {
  const f = text.trim().toLowerCase();
  if ((REPORT_FORMATS as readonly string[]).includes(f)) return f as ReportFormat;
  throw new UserError(`Unknown report format "${text}".`, `Use one of ${REPORT_FORMATS.join(', ')}.`);
}

export interface ReportFileOptions {
  /** The program's name for the title (e.g. "Hỗ trợ người dân gặp khó khăn do đại dịch COVID-19 (Nghị quyết 42/NQ-CP)"); the code when absent. */
  programName?: string;
}

/** The column headers, as the provinces write them. */
export const HEADERS = {
  area: 'Đơn vị',
  group: 'Nhóm đối tượng',
  people: 'Số người',
  approved: 'Đã duyệt',
  approvedAmount: 'Số tiền đã duyệt (đồng)',
  paid: 'Đã chi trả',
  paidAmount: 'Số tiền đã chi (đồng)',
  paidPercent: 'Tỷ lệ chi trả (%)',
} as const;

export const TOTAL_LABEL = 'TỔNG CỘNG';

const upper = (s: string) => s.toLocaleUpperCase('vi-VN');

/** "BÁO CÁO TIẾN ĐỘ CHI TRẢ HỖ TRỢ NGƯỜI DÂN … TRÊN ĐỊA BÀN TỈNH SÓC TRĂNG". */
export function reportTitle(report: ProgressReport, opts: ReportFileOptions = {}): string {
  const name = opts.programName?.trim() || report.program;
  // Program names start with "Hỗ trợ …"; do not write "hỗ trợ" twice.
  const what = /^hỗ trợ\s/iu.test(name.normalize('NFC')) ? upper(name) : `HỖ TRỢ ${upper(name)}`;
  return `BÁO CÁO TIẾN ĐỘ CHI TRẢ ${what} TRÊN ĐỊA BÀN ${upper(report.area.name)}`;
}

/** "Số liệu đến ngày 24/01/2022". */
export function reportDateLine(report: ProgressReport): string {
  return `Số liệu đến ngày ${formatVi(report.asOf)}`;
}

/** The report as JSON text: exactly the report's fields, numbers as numbers. */
export function reportJson(report: ProgressReport): string {
  const figures = (f: ProgressFigures) => ({
    people: f.people, approved: f.approved, approvedAmount: f.approvedAmount, paid: f.paid, paidAmount: f.paidAmount, paidPercent: f.paidPercent,
  });
  return JSON.stringify({
    program: report.program,
    area: { code: report.area.code, name: report.area.name },
    asOf: report.asOf,
    rows: report.rows.map((r) => ({ area: { code: r.area.code, name: r.area.name }, group: r.group, groupName: r.groupName, ...figures(r) })),
    total: figures(report.total),
  }, null, 2) + '\n';
}

/**
 * CSV: BOM, a Vietnamese header row, one line per row (codes too, for machines), then the
 * total; CRLF. Amounts are plain integers and the percentage has a decimal point, so any
 * spreadsheet reads them as numbers.
 */
export function reportCsv(report: ProgressReport): string {
  const figures = (f: ProgressFigures) => [f.people, f.approved, f.approvedAmount, f.paid, f.paidAmount, f.paidPercent.toFixed(1)];
  let out = UTF8_BOM + csvLine(['Mã đơn vị', HEADERS.area, 'Mã nhóm', HEADERS.group, HEADERS.people, HEADERS.approved, HEADERS.approvedAmount, HEADERS.paid, HEADERS.paidAmount, HEADERS.paidPercent]);
  for (const r of report.rows) out += csvLine([r.area.code, r.area.name, r.group, r.groupName, ...figures(r)]);
  out += csvLine(['', TOTAL_LABEL, '', '', ...figures(report.total)]);
  return out;
}

/** Longest group name shown in the terminal table; the files keep the whole name. */
const TABLE_GROUP_WIDTH = 44;

/** An aligned plain-text table for the terminal (area named once per block of rows). */
export function reportTable(report: ProgressReport, opts: ReportFileOptions = {}): string {
  const len = (s: string) => [...s.normalize('NFC')].length;
  const cut = (s: string, n: number) => (len(s) <= n ? s : [...s.normalize('NFC')].slice(0, n - 1).join('') + '…');
  const nums = (f: ProgressFigures) => [formatCount(f.people), formatCount(f.approved), formatVnd(f.approvedAmount), formatCount(f.paid), formatVnd(f.paidAmount), formatPercent(f.paidPercent, 100)];
  const head = [HEADERS.area, HEADERS.group, HEADERS.people, HEADERS.approved, 'Số tiền đã duyệt', HEADERS.paid, 'Số tiền đã chi', 'Tỷ lệ chi'];
  const body = report.rows.map((r, i) => [i > 0 && report.rows[i - 1]!.area.code === r.area.code ? '' : r.area.name, cut(r.groupName, TABLE_GROUP_WIDTH), ...nums(r)]);
  const total = [TOTAL_LABEL, '', ...nums(report.total)];
  const all = [head, ...body, total];
  const widths = head.map((_, c) => Math.max(...all.map((row) => len(row[c]!))));
  const line = (row: string[]) => row.map((cell, c) => (c < 2 ? cell + ' '.repeat(widths[c]! - len(cell)) : ' '.repeat(widths[c]! - len(cell)) + cell)).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((n, w) => n + w, 0) + 2 * (widths.length - 1));
  return [reportTitle(report, opts), reportDateLine(report), '', line(head), rule, ...body.map(line), rule, line(total)].join('\n') + '\n';
}

const COLUMNS: { header: string; width: number; numFmt?: string }[] = [
  { header: HEADERS.area, width: 26 },
  { header: HEADERS.group, width: 48 },
  { header: HEADERS.people, width: 12, numFmt: '#,##0' },
  { header: HEADERS.approved, width: 12, numFmt: '#,##0' },
  { header: HEADERS.approvedAmount, width: 20, numFmt: '#,##0' },
  { header: HEADERS.paid, width: 12, numFmt: '#,##0' },
  { header: HEADERS.paidAmount, width: 20, numFmt: '#,##0' },
  { header: HEADERS.paidPercent, width: 12, numFmt: '0.0' },
];

/** Row numbers in the sheet. */
export const XLSX_LAYOUT = { titleRow: 1, dateRow: 2, headerRow: 4, firstDataRow: 5 } as const;

/** The report as an .xlsx workbook, one sheet "Tiến độ chi trả". */
export async function reportXlsx(report: ProgressReport, opts: ReportFileOptions = {}): Promise<Buffer> {
  const wb = new Excel.Workbook();
  wb.creator = 'ansinh';
  const ws = wb.addWorksheet('Tiến độ chi trả', {
    views: [{ state: 'frozen', ySplit: XLSX_LAYOUT.headerRow }],
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.pageSetup.printTitlesRow = `${XLSX_LAYOUT.headerRow}:${XLSX_LAYOUT.headerRow}`;
  COLUMNS.forEach((c, i) => { ws.getColumn(i + 1).width = c.width; });
  const last = String.fromCharCode(64 + COLUMNS.length);

  const title = ws.getCell(`A${XLSX_LAYOUT.titleRow}`);
  title.value = neutralise(reportTitle(report, opts));
  title.font = { bold: true, size: 14 };
  title.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  ws.mergeCells(`A${XLSX_LAYOUT.titleRow}:${last}${XLSX_LAYOUT.titleRow}`);
  ws.getRow(XLSX_LAYOUT.titleRow).height = 40;
  const date = ws.getCell(`A${XLSX_LAYOUT.dateRow}`);
  date.value = reportDateLine(report);
  date.font = { italic: true };
  date.alignment = { horizontal: 'center' };
  ws.mergeCells(`A${XLSX_LAYOUT.dateRow}:${last}${XLSX_LAYOUT.dateRow}`);

  const border = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } } as const;
  const header = ws.getRow(XLSX_LAYOUT.headerRow);
  header.values = COLUMNS.map((c) => c.header);
  header.height = 32;
  header.eachCell((cell) => {
    cell.font = { bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
    cell.border = border;
  });

  const figures = (f: ProgressFigures) => [f.people, f.approved, f.approvedAmount, f.paid, f.paidAmount, f.paidPercent];
  const rows = [
    ...report.rows.map((r) => [neutralise(r.area.name), neutralise(r.groupName), ...figures(r)]),
    [TOTAL_LABEL, null, ...figures(report.total)],
  ];
  rows.forEach((values, i) => {
    const row = ws.getRow(XLSX_LAYOUT.firstDataRow + i);
    row.values = values;
    const isTotal = i === rows.length - 1;
    COLUMNS.forEach((c, col) => {
      const cell = row.getCell(col + 1);
      if (c.numFmt) cell.numFmt = c.numFmt;
      cell.border = border;
      cell.alignment = { vertical: 'top', wrapText: col < 2 };
      if (isTotal) cell.font = { bold: true };
    });
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The report in a format: text (table, json, csv) or bytes (xlsx). */
export async function renderReport(report: ProgressReport, format: ReportFormat, opts: ReportFileOptions = {}): Promise<string | Buffer> {
  switch (format) {
    case 'table': return reportTable(report, opts);
    case 'json': return reportJson(report);
    case 'csv': return reportCsv(report);
    case 'xlsx': return reportXlsx(report, opts);
  }
}
