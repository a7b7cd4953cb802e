/**
 * The error files an officer opens to fix a list: errors.csv and errors.xlsx with one line per
 * problem (row, column, value, reason, error or warning), written as problems are found so a
 * file full of errors never sits in memory. Text that looks like a formula is neutralised.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { Excel } from '../shared/exceljs.js';
import { csvLine, neutralise, UTF8_BOM } from '../shared/csv.js';
import type { RowIssue } from './errors.js';

const HEADERS = ['Dòng', 'Cột', 'Giá trị', 'Lỗi', 'Mức độ'];
/** Enough for any real list; the count in the summary stays exact beyond it. */
export const MAX_LINES = 200_000;

export class ErrorFiles {
  readonly csvPath: string;
  readonly xlsxPath: string;
  private csv: WriteStream | null = null;
  private book: ExcelJS.stream.xlsx.WorkbookWriter | null = null;
  private sheet: ExcelJS.Worksheet | null = null;
  private lines = 0;

  constructor(readonly dir: string) {
    this.csvPath = join(dir, 'errors.csv');
    this.xlsxPath = join(dir, 'errors.xlsx');
  }

  get written(): number {
    return this.lines;
  }

  private open() {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.csv = createWriteStream(this.csvPath, { mode: 0o600 });
    this.csv.write(UTF8_BOM + csvLine(HEADERS));
    this.book = new Excel.stream.xlsx.WorkbookWriter({ filename: this.xlsxPath, useStyles: true, useSharedStrings: false });
    this.sheet = this.book.addWorksheet('Lỗi', { views: [{ state: 'frozen', ySplit: 1 }] });
    this.sheet.columns = [
      { header: HEADERS[0], key: 'row', width: 8 },
      { header: HEADERS[1], key: 'column', width: 20 },
      { header: HEADERS[2], key: 'value', width: 28 },
      { header: HEADERS[3], key: 'reason', width: 90 },
      { header: HEADERS[4], key: 'severity', width: 10 },
    ];
    this.sheet.getRow(1).font = { bold: true };
    this.sheet.getRow(1).commit();
  }

  add(issues: readonly RowIssue[]): void {
    for (const i of issues) {
      if (this.lines >= MAX_LINES) return;
      if (!this.csv) this.open();
      const severity = i.severity === 'error' ? 'Lỗi' : 'Cảnh báo';
      const row = i.row || '';
      this.csv!.write(csvLine([row, i.column, i.value, i.reason, severity]));
      // Strings are written as text cells, never formulas; the apostrophe also keeps Excel from
      // treating "=..." typed back into the cell as one.
      this.sheet!.addRow({ row, column: neutralise(i.column), value: neutralise(i.value), reason: i.reason, severity }).commit();
      this.lines++;
    }
  }

  /** Closes both files; returns their paths, or null when nothing was written. */
  async close(): Promise<{ csv: string; xlsx: string } | null> {
    if (!this.csv) return null;
    await new Promise<void>((resolve, reject) => this.csv!.end((e?: Error | null) => (e ? reject(e) : resolve())));
    this.sheet!.commit();
    await this.book!.commit();
    return { csv: this.csvPath, xlsx: this.xlsxPath };
  }
}
