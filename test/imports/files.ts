/** Lists for import tests, made by the tests themselves: CSV text and xlsx workbooks. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type ExcelJS from 'exceljs';
import { Excel } from '../../src/shared/exceljs.js';
import { centuryGenderDigit, type Gender } from '../../src/people/id-number.js';

/** A CCCD consistent with birth year and gender, registered in `province` (2 digits). */
export function cccd(province: string, year: number, gender: Gender, serial: number): string {
  return `0${province}${centuryGenderDigit(year, gender)}${String(year % 100).padStart(2, '0')}${String(serial).padStart(6, '0')}`;
}

export const HEADER = ['STT', 'Họ và tên', 'Ngày sinh', 'Giới tính', 'Số CCCD/CMND', 'Số điện thoại', 'Mã xã', 'Nhóm đối tượng', 'Số tiền', 'Trạng thái', 'Ngày chi trả', 'Nơi chi trả', 'Lý do', 'Ký nhận'];

export interface Person {
  name: string;
  dob: string;
  gender?: string;
  id: string;
  phone?: string;
  commune: string;
  group: string;
  amount?: string;
  stage?: string;
  paidAt?: string;
  place?: string;
  reason?: string;
}

export function row(p: Person, i: number): string[] {
  return [String(i + 1), p.name, p.dob, p.gender ?? '', p.id, p.phone ?? '', p.commune, p.group, p.amount ?? '', p.stage ?? '', p.paidAt ?? '', p.place ?? '', p.reason ?? '', ''];
}

const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function csvText(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}

export function writeCsv(dir: string, name: string, people: Person[], header = HEADER): string {
  const path = join(dir, name);
  writeFileSync(path, '\uFEFF' + csvText(header, people.map(row)));
  return path;
}

/** An xlsx workbook; `build` fills the first sheet. */
export async function writeXlsx(dir: string, name: string, build: (ws: ExcelJS.Worksheet) => void): Promise<string> {
  const wb = new Excel.Workbook();
  build(wb.addWorksheet('Danh sách'));
  const path = join(dir, name);
  await wb.xlsx.writeFile(path);
  return path;
}
