/**
 * Finds an ID number and a date of birth anywhere in a message, in every common form:
 * "094 160 123 456", "094.160.123.456"; 05/03/1960, 5-3-60, 05.03.1960, 05031960,
 * "5 tháng 3 năm 1960", "ngay 5 thang 3 nam 1960", or a year alone.
 */
import { fold } from './text.js';
import { isLocalDate, type LocalDate } from '../calendar/local-date.js';

export type IdExtract =
  | { kind: 'id'; digits: string }
  | { kind: 'bad_length'; length: number }
  | { kind: 'letters' }
  | { kind: 'none' };

export type DateExtract =
  | { kind: 'date'; date: LocalDate; year: number }
  | { kind: 'year'; year: number }
  | { kind: 'invalid' } // 31/02/1960
  | { kind: 'future' }
  | { kind: 'none' };

const pad = (n: number) => String(n).padStart(2, '0');

function expandYear(y: string, currentYear: number): number {
  if (y.length === 4) return Number(y);
  const n = Number(y);
  return n > currentYear % 100 ? 1900 + n : 2000 + n;
}

function makeDate(d: number, m: number, y: number, currentYear: number): DateExtract {
  const date = `${y}-${pad(m)}-${pad(d)}`;
  if (!isLocalDate(date) || y < 1880) return { kind: 'invalid' };
  if (y > currentYear) return { kind: 'future' };
  return { kind: 'date', date, year: y };
}

const DATE_PATTERNS: { re: RegExp; parse(m: RegExpExecArray, cy: number): DateExtract }[] = [
  // ngay 5 thang 3 nam 1960 / 5 thang 3 nam 1960 (folded)
  { re: /(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam\s*)?(\d{4})/, parse: (m, cy) => makeDate(+m[1]!, +m[2]!, +m[3]!, cy) },
  // 05/03/1960, 5-3-60, 05.03.1960
  { re: /(?<![\d.\-/])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?![\d.\-/])/, parse: (m, cy) => makeDate(+m[1]!, +m[3]!, expandYear(m[4]!, cy), cy) },
];

export interface Extracted {
  id: IdExtract;
  date: DateExtract;
}

/**
 * Extracts both from one message. Dates are taken out first so that "05.03.1960" is not read
 * as part of an ID; what remains is searched for a run of digits with single spaces, dots or
 * dashes between groups.
 */
export function extract(text: string, currentYear: number): Extracted {
  let rest = fold(text);
  let date: DateExtract = { kind: 'none' };
  for (const p of DATE_PATTERNS) {
    const m = p.re.exec(rest);
    if (!m) continue;
    date = p.parse(m, currentYear);
    rest = rest.slice(0, m.index) + ' # ' + rest.slice(m.index + m[0].length);
    break;
  }
  const found = extractId(rest);
  if (found.compactDate && date.kind === 'none') {
    const m = /^(\d{2})(\d{2})(\d{4})$/.exec(found.compactDate)!;
    date = makeDate(+m[1]!, +m[2]!, +m[3]!, currentYear);
  }
  if (date.kind === 'none') {
    // A year alone: 4 digits 1880..currentYear, not part of a longer number.
    const y = /(?<![\d.\-])(?:nam\s*)?(1[89]\d\d|20\d\d)(?![\d.\-])/.exec(rest.replace(/\d[\d .\-]{7,}\d/g, ' '));
    if (y) {
      const year = Number(y[1]);
      date = year > currentYear ? { kind: 'future' } : { kind: 'year', year };
    }
  }
  return { id: found.id, date };
}

/**
 * The longest run of digits joined by single spaces, dots or dashes. A run that is an ID
 * followed (or preceded) by a space and an 8-digit date, "094160123456 05031960", is split.
 */
function extractId(text: string): { id: IdExtract; compactDate?: string } {
  const runs = [...text.matchAll(/\d(?:[ .\-]?\d)*/g)].map((m) => ({ raw: m[0], digits: m[0].replace(/\D/g, '') }));
  const candidates = runs.filter((r) => r.digits.length >= 7).sort((a, b) => b.digits.length - a.digits.length);
  if (candidates.length === 0) {
    // "09416O123456": digits mixed with letters.
    if (/\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{9,13}\b/.test(text) && (text.match(/\d/g)?.length ?? 0) >= 6) return { id: { kind: 'letters' } };
    return { id: { kind: 'none' } };
  }
  const best = candidates[0]!;
  const ok = (d: string) => d.length === 9 || d.length === 12;
  // Eight digits alone are a date written without separators (05031960), not an ID.
  if (best.digits.length === 8 && /^\d{8}$/.test(best.raw)) return { id: { kind: 'none' }, compactDate: best.digits };
  if (ok(best.digits)) {
    // An 8-digit date standing apart elsewhere in the text.
    const other = candidates.find((c) => c !== best && c.digits.length === 8 && !/[ .\-]/.test(c.raw));
    return { id: { kind: 'id', digits: best.digits }, compactDate: other?.digits };
  }
  const groups = best.raw.split(' ');
  if (groups.length >= 2) {
    const last = groups.at(-1)!.replace(/\D/g, '');
    const head = groups.slice(0, -1).join('').replace(/\D/g, '');
    if (last.length === 8 && ok(head)) return { id: { kind: 'id', digits: head }, compactDate: last };
    const first = groups[0]!.replace(/\D/g, '');
    const tail = groups.slice(1).join('').replace(/\D/g, '');
    if (first.length === 8 && ok(tail)) return { id: { kind: 'id', digits: tail }, compactDate: first };
  }
  return { id: { kind: 'bad_length', length: best.digits.length } };
}
