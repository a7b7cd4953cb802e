/**
 * Which column is which. Lists come from communes as spreadsheets with headers typed by hand:
 * "Họ và tên", "HỌ TÊN", "Ho ten", "Số CMND/CCCD", "Xã/Phường"... A header is folded (no
 * diacritics, lower case, punctuation as spaces) and matched against the aliases below; order
 * is free. STT, signature and notes columns are recognised and ignored.
 */
import { fold } from '../conversation/text.js';

export const FIELDS = [
  'fullName', 'birthDate', 'gender', 'idNumber', 'phone', 'communeCode', 'communeName', 'group', 'amount',
  'stage', 'paidAt', 'paymentPlace', 'reason', 'externalId',
] as const;
export type Field = (typeof FIELDS)[number];

/** The canonical Vietnamese header of each field (error files and the exported template use these). */
export const CANONICAL: Record<Field, string> = {
  fullName: 'Họ và tên',
  birthDate: 'Ngày sinh',
  gender: 'Giới tính',
  idNumber: 'Số CCCD/CMND',
  phone: 'Số điện thoại',
  communeCode: 'Mã xã',
  communeName: 'Xã/Phường',
  group: 'Nhóm đối tượng',
  amount: 'Số tiền',
  stage: 'Trạng thái',
  paidAt: 'Ngày chi trả',
  paymentPlace: 'Nơi chi trả',
  reason: 'Lý do',
  externalId: 'Mã hồ sơ',
};

/** Folded aliases per field (after `headerKey`). */
const ALIASES: Record<Field, string[]> = {
  fullName: ['ho va ten', 'ho ten', 'ten', 'ho va ten nguoi nhan', 'ho ten nguoi nhan', 'ho va ten nguoi lao dong', 'ho ten nguoi lao dong', 'ho va ten doi tuong', 'ho ten doi tuong', 'ho va ten chu ho', 'ho ten chu ho'],
  birthDate: ['ngay sinh', 'ngay thang nam sinh', 'ngay thang sinh', 'nam sinh', 'sinh ngay', 'ngay sinh nam sinh'],
  gender: ['gioi tinh', 'gioi', 'nam nu', 'phai'],
  idNumber: ['so cccd cmnd', 'so cmnd cccd', 'cccd cmnd', 'cmnd cccd', 'so cccd', 'so cmnd', 'cccd', 'cmnd', 'so dinh danh', 'so dinh danh ca nhan', 'so can cuoc', 'so can cuoc cong dan', 'so cmnd the can cuoc', 'so cmnd can cuoc', 'so cmt', 'cmt', 'ma dinh danh'],
  phone: ['so dien thoai', 'dien thoai', 'sdt', 'so dt', 'dt', 'dien thoai lien he', 'so dien thoai lien he'],
  communeCode: ['ma xa', 'ma xa phuong', 'ma don vi', 'ma xa phuong thi tran', 'ma dvhc'],
  communeName: ['xa phuong', 'xa', 'phuong', 'xa phuong thi tran', 'ten xa', 'ten xa phuong', 'don vi', 'xa thi tran', 'phuong xa'],
  group: ['nhom doi tuong', 'nhom', 'doi tuong', 'ma nhom', 'nhom ho tro', 'loai doi tuong'],
  amount: ['so tien', 'so tien ho tro', 'muc ho tro', 'thanh tien', 'so tien dong', 'so tien vnd', 'tien ho tro', 'kinh phi ho tro', 'muc ho tro dong'],
  stage: ['trang thai', 'tinh trang', 'trang thai ho so', 'buoc'],
  paidAt: ['ngay chi tra', 'ngay nhan', 'ngay nhan tien', 'ngay chi'],
  paymentPlace: ['noi chi tra', 'dia diem chi tra', 'noi nhan'],
  reason: ['ly do', 'ly do tu choi', 'ly do khong duyet'],
  externalId: ['ma ho so', 'so ho so', 'ma ho so tinh'],
};

/** Columns people add that carry nothing for us. */
const IGNORED = ['stt', 'tt', 'so tt', 'so thu tu', 'ky nhan', 'ky ten', 'ky nhan tien', 'nguoi nhan ky', 'ghi chu', 'dia chi', 'thon ap', 'ap', 'thon', 'khom ap', 'to'];

const LOOKUP = new Map<string, Field | 'ignored'>();
for (const f of FIELDS) for (const a of ALIASES[f]) LOOKUP.set(a, f);
for (const a of IGNORED) LOOKUP.set(a, 'ignored');

/** A header folded to words: "Số CCCD/CMND (*)" → "so cccd cmnd". */
export function headerKey(raw: string): string {
  return fold(raw.normalize('NFC'))
    .replace(/\(.*?\)/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The field a header names, 'ignored', or null when unknown. */
export function recogniseHeader(raw: string): Field | 'ignored' | null {
  const key = headerKey(raw);
  if (!key) return null;
  return LOOKUP.get(key) ?? LOOKUP.get(key.replace(/^(cot|so) /, '')) ?? null;
}

export interface HeaderMap {
  /** Field → 0-based column index. */
  columns: Partial<Record<Field, number>>;
  /** Header text as written, per column index (for error messages). */
  labels: string[];
  /** Headers we did not recognise (reported as a warning). */
  unknown: string[];
  /** Two columns naming the same field. */
  duplicates: { field: Field; labels: string[] }[];
}

export function mapHeader(cells: readonly string[]): HeaderMap {
  const columns: Partial<Record<Field, number>> = {};
  const unknown: string[] = [];
  const seen = new Map<Field, string[]>();
  cells.forEach((raw, i) => {
    const text = raw.trim();
    if (!text) return;
    const f = recogniseHeader(text);
    if (f === null) unknown.push(text);
    else if (f !== 'ignored') {
      seen.set(f, [...(seen.get(f) ?? []), text]);
      if (columns[f] === undefined) columns[f] = i;
    }
  });
  const duplicates = [...seen].filter(([, l]) => l.length > 1).map(([field, labels]) => ({ field, labels }));
  return { columns, labels: cells.map((c) => c.trim()), unknown, duplicates };
}

/** A row looks like the header when it names the ID column and at least two other fields. */
export function looksLikeHeader(cells: readonly string[]): boolean {
  const fields = new Set(cells.map((c) => recogniseHeader(c)).filter((f): f is Field => f !== null && f !== 'ignored'));
  return fields.has('idNumber') && fields.size >= 3;
}

/** Fields a row cannot do without (commune: by code or by name). */
export const REQUIRED: Field[] = ['fullName', 'birthDate', 'idNumber', 'group'];
