/**
 * Civil dates in Asia/Ho_Chi_Minh as 'YYYY-MM-DD' strings. Vietnam has no daylight saving,
 * so day arithmetic is done on UTC midnights of the civil date.
 */
export type LocalDate = string;

const RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDate(s: string): boolean {
  const m = RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.toISOString().slice(0, 10) === s;
}

export function toUtcDate(d: LocalDate): Date {
  return new Date(`${d}T00:00:00.000Z`);
}

export function fromUtcDate(d: Date): LocalDate {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: LocalDate, n: number): LocalDate {
  const t = toUtcDate(d);
  t.setUTCDate(t.getUTCDate() + n);
  return fromUtcDate(t);
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(d: LocalDate): number {
  return toUtcDate(d).getUTCDay();
}

// Built once: an Intl formatter is costly to create, and these run on every message.
const VN_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' });
const VN_DATE_TIME = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });

/** The civil date in Vietnam at an instant. */
export function localDateAt(instant: Date): LocalDate {
  return VN_DATE.format(instant);
}

/** "14:05 24/01/2022": an instant as a Vietnamese reader expects it, in Vietnam time. */
export function formatDateTimeVi(instant: Date): string {
  return VN_DATE_TIME.format(instant);
}

/** dd/mm/yyyy, as Vietnamese readers expect. */
export function formatVi(d: LocalDate): string {
  const [y, m, day] = d.split('-');
  return `${day}/${m}/${y}`;
}

/** "07:30": the wall-clock time in Vietnam at an instant (UTC+7 all year, no daylight saving). */
export function localTimeAt(instant: Date): string {
  const t = new Date(instant.getTime() + 7 * 3_600_000);
  return `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}`;
}

/** True for a valid 24-hour "HH:MM" (00:00-23:59). */
export function isClockTime(s: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(s);
}
