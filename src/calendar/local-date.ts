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

/** The civil date in Vietnam at an instant. */
export function localDateAt(instant: Date, timeZone = 'Asia/Ho_Chi_Minh'): LocalDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** dd/mm/yyyy, as Vietnamese readers expect. */
export function formatVi(d: LocalDate): string {
  const [y, m, day] = d.split('-');
  return `${day}/${m}/${y}`;
}
