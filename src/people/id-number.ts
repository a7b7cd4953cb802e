/**
 * Vietnamese personal ID numbers: the 12-digit CCCD / personal identification number
 * (PPP G YY RRRRRR: birth-registration province, century+gender, year of birth, random; no
 * check digit) and the legacy 9-digit CMND, accepted as a key only. See
 * reference/policy.md §3 (Circular 07/2016/TT-BCA Annex I; Citizen Identification Law 2023).
 */
import { createHmac } from 'node:crypto';

/** The 63 birth-registration province codes of Circular 07/2016 Annex I, with names. */
export const CCCD_PROVINCES: Readonly<Record<string, string>> = {
  '001': 'Hà Nội', '002': 'Hà Giang', '004': 'Cao Bằng', '006': 'Bắc Kạn', '008': 'Tuyên Quang',
  '010': 'Lào Cai', '011': 'Điện Biên', '012': 'Lai Châu', '014': 'Sơn La', '015': 'Yên Bái',
  '017': 'Hòa Bình', '019': 'Thái Nguyên', '020': 'Lạng Sơn', '022': 'Quảng Ninh', '024': 'Bắc Giang',
  '025': 'Phú Thọ', '026': 'Vĩnh Phúc', '027': 'Bắc Ninh', '030': 'Hải Dương', '031': 'Hải Phòng',
  '033': 'Hưng Yên', '034': 'Thái Bình', '035': 'Hà Nam', '036': 'Nam Định', '037': 'Ninh Bình',
  '038': 'Thanh Hóa', '040': 'Nghệ An', '042': 'Hà Tĩnh', '044': 'Quảng Bình', '045': 'Quảng Trị',
  '046': 'Thừa Thiên Huế', '048': 'Đà Nẵng', '049': 'Quảng Nam', '051': 'Quảng Ngãi', '052': 'Bình Định',
  '054': 'Phú Yên', '056': 'Khánh Hòa', '058': 'Ninh Thuận', '060': 'Bình Thuận', '062': 'Kon Tum',
  '064': 'Gia Lai', '066': 'Đắk Lắk', '067': 'Đắk Nông', '068': 'Lâm Đồng', '070': 'Bình Phước',
  '072': 'Tây Ninh', '074': 'Bình Dương', '075': 'Đồng Nai', '077': 'Bà Rịa - Vũng Tàu', '079': 'TP. Hồ Chí Minh',
  '080': 'Long An', '082': 'Tiền Giang', '083': 'Bến Tre', '084': 'Trà Vinh', '086': 'Vĩnh Long',
  '087': 'Đồng Tháp', '089': 'An Giang', '091': 'Kiên Giang', '092': 'Cần Thơ', '093': 'Hậu Giang',
  '094': 'Sóc Trăng', '095': 'Bạc Liêu', '096': 'Cà Mau',
};

export type IdKind = 'cccd' | 'cmnd';
export type Gender = 'M' | 'F';

export type IdProblem =
  | 'format' // not 9 or 12 digits
  | 'province' // PPP not a province code
  | 'future' // the encoded birth year is in the future
  | 'year_mismatch' // encoded year differs from the given birth year
  | 'gender_mismatch'; // encoded gender differs from the given gender

export interface IdCheck {
  ok: boolean;
  kind?: IdKind;
  /** Digits only. */
  digits: string;
  problems: IdProblem[];
  /** Decoded from a 12-digit number. */
  birthYear?: number;
  gender?: Gender;
  provinceCode?: string;
}

/** Strips spaces, dots and dashes; returns the digits or null if anything else is present. */
export function normaliseIdNumber(raw: string): string | null {
  const s = raw.normalize('NFKC').replace(/[\s.\-]/g, '');
  return /^\d+$/.test(s) ? s : null;
}

/** Encodes century and gender as the G digit: 1900s M0 F1, 2000s M2 F3, ... */
export function centuryGenderDigit(year: number, gender: Gender): number {
  const century = Math.floor(year / 100) - 19;
  return century * 2 + (gender === 'F' ? 1 : 0);
}

/**
 * Checks a number's structure, and against a known birth year and gender when given.
 * `currentYear` is passed in (from the clock) so checks are reproducible.
 */
export function checkIdNumber(
  raw: string,
  opts: { currentYear: number; birthYear?: number; gender?: Gender },
): IdCheck {
  const digits = normaliseIdNumber(raw) ?? '';
  if (digits.length === 9) return { ok: true, kind: 'cmnd', digits, problems: [] };
  if (digits.length !== 12) return { ok: false, digits, problems: ['format'] };
  const problems: IdProblem[] = [];
  const provinceCode = digits.slice(0, 3);
  if (!CCCD_PROVINCES[provinceCode]) problems.push('province');
  const g = Number(digits[3]);
  const birthYear = 1900 + 100 * Math.floor(g / 2) + Number(digits.slice(4, 6));
  const gender: Gender = g % 2 === 0 ? 'M' : 'F';
  if (birthYear > opts.currentYear) problems.push('future');
  if (opts.birthYear !== undefined && opts.birthYear !== birthYear) problems.push('year_mismatch');
  if (opts.gender !== undefined && opts.gender !== gender) problems.push('gender_mismatch');
  return { ok: problems.length === 0, kind: 'cccd', digits, problems, birthYear, gender, provinceCode };
}

/** Keyed hash stored instead of the number: HMAC-SHA256 over the digits, hex. */
export function hashIdNumber(key: Buffer, digits: string): string {
  return createHmac('sha256', key).update(`id:${digits}`).digest('hex');
}

/** The last digits kept in clear for display ("***1234"). */
export function idLastDigits(digits: string): string {
  return digits.slice(-4);
}
