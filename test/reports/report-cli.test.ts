/**
 * `ansinh report` as a user runs it, on a demo data folder: JSON and table output, a file
 * written with --out, a one-line error (the domain's errors are tested in report.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDateAt } from '../../src/calendar/local-date.js';
import { cliProcess } from '../helpers/cli.js';

const { dataDir, run, cleanup } = cliProcess('ansinh-report-cli-');

describe('ansinh report', () => {
  beforeAll(() => {
    const r = run(['demo', '--no-serve', '--scale', '0.002']);
    expect(r.code, r.err).toBe(0);
  });
  afterAll(cleanup);

  it('should print the report of the program\'s province as JSON, and as a table for a district', () => {
    const before = localDateAt(new Date());
    const json = run(['report', '--program', 'NQ42-2020', '--format', 'json']);
    expect(json.code, json.err).toBe(0);
    const r = JSON.parse(json.out);
    expect(r.program).toBe('NQ42-2020');
    expect(r.area).toEqual({ code: '94', name: 'Tỉnh Sóc Trăng' });
    expect([before, localDateAt(new Date())]).toContain(r.asOf);
    expect(r.rows.length).toBeGreaterThan(10);
    const sum = (k: string) => r.rows.reduce((n: number, row: Record<string, number>) => n + row[k]!, 0);
    for (const k of ['people', 'approved', 'approvedAmount', 'paid', 'paidAmount']) expect(r.total[k], k).toBe(sum(k));
    expect(r.rows.every((row: { area: { code: string } }) => /^9\d\d$/.test(row.area.code))).toBe(true);

    const table = run(['report', '--program', 'NQ42-2020', '--area', '941']);
    expect(table.code, table.err).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toBe('BÁO CÁO TIẾN ĐỘ CHI TRẢ HỖ TRỢ NGƯỜI DÂN GẶP KHÓ KHĂN DO ĐẠI DỊCH COVID-19 (NGHỊ QUYẾT 42/NQ-CP) TRÊN ĐỊA BÀN THÀNH PHỐ SÓC TRĂNG');
    expect(lines[1]).toMatch(/^Số liệu đến ngày \d\d\/\d\d\/\d{4}$/);
    expect(lines[3]).toMatch(/^Đơn vị\s+Nhóm đối tượng\s+Số người\s+Đã duyệt/);
    expect(table.out).toMatch(/\nPhường 5 /);
    const district = r.rows.filter((row: { area: { code: string } }) => row.area.code === '941');
    const people = district.reduce((n: number, row: { people: number }) => n + row.people, 0);
    expect(lines.at(-1)).toMatch(new RegExp(`^TỔNG CỘNG\\s+${people.toLocaleString('vi-VN').replace(/\./g, '\\.')}\\s+.* đ\\s+[\\d,]+%$`));
  });

  it('should write an xlsx file with --out', () => {
    const out = join(dataDir, 'tien-do.xlsx');
    const r = run(['report', '--program', 'NQ68-2021', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Wrote .*tien-do\.xlsx: \d+ rows and the total, NQ68-2021 in Tỉnh Long An \(80\), as of \d\d\/\d\d\/\d{4}\.\n$/);
    expect(readFileSync(out).subarray(0, 2).toString()).toBe('PK');
  });

  it('should refuse to print a spreadsheet file to the terminal, in one line', () => {
    const r = run(['report', '--program', 'NQ42-2020', '--format', 'csv']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('ansinh: --format csv makes a file for a spreadsheet, not text for the terminal. Give --out FILE, e.g. --out tien-do.csv.\n');
    expect(r.out).toBe('');
  });
});
