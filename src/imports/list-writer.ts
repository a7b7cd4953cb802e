/**
 * Writes a beneficiary list in the canonical columns, as CSV (UTF-8 with BOM) or xlsx
 * (streamed): the demo's sample file and the seed's export that an import must read back to
 * the same report.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type ExcelJS from 'exceljs';
import { Excel } from '../shared/exceljs.js';
import { csvLine, neutralise, UTF8_BOM } from '../shared/csv.js';
import { CANONICAL, type Field } from './columns.js';

export const LIST_FIELDS: Field[] = ['fullName', 'birthDate', 'gender', 'idNumber', 'phone', 'communeCode', 'group', 'amount', 'stage', 'paidAt', 'paymentPlace', 'reason'];

export type ListRow = Partial<Record<Field, string | number | null>>;

export class ListWriter {
  private csv: WriteStream | null = null;
  private book: ExcelJS.stream.xlsx.WorkbookWriter | null = null;
  private sheet: ExcelJS.Worksheet | null = null;
  private readonly fields = LIST_FIELDS;

  constructor(readonly path: string) {
    const fields = this.fields;
    const headers = fields.map((f) => CANONICAL[f]);
    if (path.toLowerCase().endsWith('.xlsx')) {
      this.book = new Excel.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false });
      this.sheet = this.book.addWorksheet('Danh sách');
      this.sheet.columns = fields.map((f, i) => ({ header: headers[i], key: f, width: f === 'fullName' || f === 'paymentPlace' ? 28 : 16 }));
      this.sheet.getRow(1).font = { bold: true };
      this.sheet.getRow(1).commit();
    } else {
      this.csv = createWriteStream(path);
      this.csv.write(UTF8_BOM + csvLine(headers));
    }
  }

  add(row: ListRow): void {
    if (this.csv) {
      this.csv.write(csvLine(this.fields.map((f) => row[f] ?? null)));
      return;
    }
    // ID numbers, phones and codes stay text so Excel keeps their leading zeros.
    const cells: Record<string, string | number | null> = {};
    for (const f of this.fields) {
      const v = row[f] ?? null;
      cells[f] = typeof v === 'string' ? neutralise(v) : v;
    }
    this.sheet!.addRow(cells).commit();
  }

  async close(): Promise<void> {
    if (this.csv) {
      const csv = this.csv;
      await new Promise<void>((resolve, reject) => csv.end((e?: Error | null) => (e ? reject(e) : resolve())));
    } else {
      this.sheet!.commit();
      await this.book!.commit();
    }
  }
}
