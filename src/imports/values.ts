/**
 * Reading the values people type into lists: dates as text in every local form or as Excel
 * serials, VND as "1.500.000", "1,500,000", "1.5tr" or a number, ID numbers that Excel turned
 * into numbers (losing the leading 0), genders as Nam/Nữ. Each parser returns a value or a
 * plain Vietnamese reason; nothing here throws.
 */
import { fold } from '../conversation/text.js';
import { isLocalDate, type LocalDate } from '../calendar/local-date.js';

/** A cell as the readers hand it over: text (CSV), or what the spreadsheet stored. */
export type RawCell = string | number | Date | null | { kind: 'formula_without_value' } | { kind: 'cell_error'; text: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

/** True for an empty cell (null, blank text). */
export function isBlank(cell: RawCell): boolean {
  return cell === null || (typeof cell === 'string' && cell.trim() === '');
}

/** A cell's text for error messages and free-text fields (length-capped). */
export function cellText(cell: RawCell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell.trim();
  if (typeof cell === 'number') return String(cell);
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  return cell.kind === 'cell_error' ? cell.text : '(công thức)';
}

/** Problems any cell can have before its own parser runs. */
export function cellProblem(cell: RawCell): string | null {
  if (cell === null || typeof cell !== 'object' || cell instanceof Date) return null;
  if (cell.kind === 'formula_without_value') return 'Ô chứa công thức nhưng không có giá trị đã tính; hãy dán giá trị (Paste Values) thay cho công thức.';
  return `Ô báo lỗi ${cell.text}; hãy sửa công thức hoặc nhập giá trị.`;
}

const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/** An Excel serial day number (1900 date system) as a date. */
export function excelSerialToDate(serial: number): LocalDate {
  return new Date(EXCEL_EPOCH + Math.floor(serial) * 86_400_000).toISOString().slice(0, 10);
}

function validDate(y: number, m: number, d: number): LocalDate | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return isLocalDate(iso) ? iso : null;
}

export interface DateValue {
  /** Null when only the year is known (allowed for birth dates). */
  date: LocalDate | null;
  year: number;
}

/**
 * A date written d/m/yyyy (also with - or . and without separators as ddmmyyyy), yyyy-mm-dd,
 * "ngày 5 tháng 3 năm 1960", a bare year (when `yearOnly` is allowed), a spreadsheet date or an
 * Excel serial number. Two-digit years are refused: 5/3/60 could be 1960 or 2060.
 */
export function parseDate(cell: RawCell, opts: { yearOnly?: boolean; today: LocalDate }): Parsed<DateValue> {
  const out = (date: LocalDate | null, year: number): Parsed<DateValue> => {
    if (year < 1900) return bad(`Năm ${year} không hợp lệ.`);
    if ((date ?? `${year}-01-01`) > opts.today) return bad(`Ngày ${date ? date.split('-').reverse().join('/') : year} ở tương lai.`);
    return ok({ date, year });
  };
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return bad('Ngày không hợp lệ.');
    // Spreadsheet dates carry no zone; exceljs gives them as UTC midnight.
    const iso = new Date(cell.getTime() + 12 * 3_600_000).toISOString().slice(0, 10);
    return out(iso, Number(iso.slice(0, 4)));
  }
  if (typeof cell === 'number') {
    if (opts.yearOnly && Number.isInteger(cell) && cell >= 1900 && cell <= 2100) return out(null, cell);
    if (cell >= 1 && cell < 2_958_466) {
      const iso = excelSerialToDate(cell);
      return out(iso, Number(iso.slice(0, 4)));
    }
    return bad(`"${cell}" không phải là ngày.`);
  }
  const text = cellText(cell);
  const t = fold(text).replace(/\s+/g, ' ').trim();
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$/.exec(t))) {
    if (m[3]!.length !== 4) return bad(`Năm trong "${text}" phải đủ 4 chữ số (ví dụ 05/03/1960).`);
    const d = validDate(Number(m[3]), Number(m[2]), Number(m[1]));
    return d ? out(d, Number(m[3])) : bad(`"${text}" không phải là ngày có thật (ngày/tháng/năm).`);
  }
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t))) {
    const d = validDate(Number(m[1]), Number(m[2]), Number(m[3]));
    return d ? out(d, Number(m[1])) : bad(`"${text}" không phải là ngày có thật.`);
  }
  if ((m = /^(?:ngay )?(\d{1,2}) thang (\d{1,2}) nam (\d{4})$/.exec(t))) {
    const d = validDate(Number(m[3]), Number(m[2]), Number(m[1]));
    return d ? out(d, Number(m[3])) : bad(`"${text}" không phải là ngày có thật.`);
  }
  if ((m = /^(\d{2})(\d{2})(\d{4})$/.exec(t))) {
    const d = validDate(Number(m[3]), Number(m[2]), Number(m[1]));
    return d ? out(d, Number(m[3])) : bad(`"${text}" không phải là ngày có thật (ngày/tháng/năm).`);
  }
  if ((m = /^(?:nam )?(\d{4})$/.exec(t))) {
    if (opts.yearOnly) return out(null, Number(m[1]));
    return bad(`Cần ngày đầy đủ (ngày/tháng/năm), không chỉ năm ${m[1]}.`);
  }
  if (/^\d+([.,]\d+)?$/.test(t) && Number(t.replace(',', '.')) > 20_000 && Number(t.replace(',', '.')) < 80_000) {
    // An Excel serial saved into a CSV as text ("22345").
    const iso = excelSerialToDate(Number(t.replace(',', '.')));
    return out(iso, Number(iso.slice(0, 4)));
  }
  return bad(`"${text}" không phải là ngày; hãy ghi theo dạng ngày/tháng/năm, ví dụ 05/03/1960.`);
}

/**
 * VND as people write it: 1500000, "1.500.000", "1,500,000", "1 500 000", "1.500.000 đ",
 * "1,5 triệu", "1.5tr", "750k", "750 nghìn". Whole đồng only.
 */
export function parseVnd(cell: RawCell): Parsed<number> {
  if (typeof cell === 'number') {
    return Number.isInteger(cell) && cell >= 0 ? ok(cell) : bad(`Số tiền ${cell} phải là số đồng nguyên, không âm.`);
  }
  const text = cellText(cell);
  let t = fold(text).replace(/\s+/g, ' ').trim().replace(/(vnd|dong|d)\.?$/, '').trim();
  let unit = 1;
  const u = /^(.*?)\s*(trieu|tr|nghin|ngan|k)$/.exec(t);
  if (u) {
    unit = u[2] === 'trieu' || u[2] === 'tr' ? 1_000_000 : 1_000;
    t = u[1]!.trim();
  }
  let n: number;
  if (/^\d{1,3}([ .]\d{3})+$/.test(t) && unit === 1) n = Number(t.replace(/[ .]/g, '')); // 1.500.000 (Vietnamese grouping)
  else if (/^\d{1,3}(,\d{3})+$/.test(t) && unit === 1) n = Number(t.replace(/,/g, '')); // 1,500,000 (English grouping)
  else if (/^\d+$/.test(t)) n = Number(t);
  else if (unit > 1 && /^\d+[.,]\d+$/.test(t)) n = Number(t.replace(',', '.'));
  else return bad(`"${text}" không phải là số tiền; hãy ghi số đồng, ví dụ 1.500.000.`);
  const value = Math.round(n * unit * 100) / 100;
  if (!Number.isInteger(value)) return bad(`"${text}" không phải là số đồng nguyên.`);
  return ok(value);
}

/** Nam/Nữ (and M/F, male/female). */
export function parseGender(cell: RawCell): Parsed<'M' | 'F'> {
  const t = fold(cellText(cell)).trim();
  if (['nam', 'm', 'male', 'trai', '1'].includes(t)) return ok('M');
  if (['nu', 'f', 'female', 'gai', '0'].includes(t)) return ok('F');
  return bad(`"${cellText(cell)}" không phải là giới tính; ghi "Nam" hoặc "Nữ".`);
}

/**
 * An ID number cell. Excel stores 094123456789 typed into a number cell as 94123456789: a
 * number with 11 (or 8) digits gets its leading zero back; text must be exact.
 */
export function parseIdCell(cell: RawCell): Parsed<string> {
  if (typeof cell === 'number') {
    if (!Number.isSafeInteger(cell) || cell < 0) return bad(`"${cell}" không phải là số CCCD/CMND (ô bị Excel đổi sang dạng số khoa học?); hãy định dạng cột là Văn bản (Text).`);
    const s = String(cell);
    if (s.length === 11 || s.length === 8) return ok(`0${s}`);
    return ok(s);
  }
  const text = cellText(cell);
  if (/^\d+([.,]\d+)?e\+?\d+$/i.test(text)) return bad(`"${text}" là số bị Excel đổi sang dạng khoa học; hãy định dạng cột là Văn bản (Text) và nhập lại số.`);
  const digits = text.normalize('NFKC').replace(/[\s.\-]/g, '');
  if (!/^\d+$/.test(digits)) return bad(`"${text}" có ký tự không phải chữ số.`);
  if (digits.length !== 12 && digits.length !== 9) return bad(`Số CCCD phải có 12 chữ số (CMND cũ 9 chữ số); "${text}" có ${digits.length}.`);
  return ok(digits);
}

/** A person's name: letters, spaces, apostrophes, dots and hyphens; 2 to 100 characters. */
export function parseName(cell: RawCell): Parsed<string> {
  const text = cellText(cell).normalize('NFC').replace(/\s+/g, ' ');
  if (text.length < 2) return bad('Họ và tên quá ngắn.');
  if (text.length > 100) return bad('Họ và tên dài quá 100 ký tự.');
  if (!/^\p{L}[\p{L}\p{M} .'\-]*$/u.test(text)) return bad(`Họ và tên "${text.slice(0, 40)}" có ký tự không phải chữ cái.`);
  return ok(text);
}
