/**
 * Working-day arithmetic for legal day limits ("ngày làm việc"). Saturdays and Sundays are
 * off; official holidays (including lunar ones) are off; a weekend day declared a working day
 * (an official swap) is on. Years with official data use it alone; other years fall back to
 * computed holidays (see fallback.ts), because Vietnam decides each year's swaps by decision.
 */
import { addDays, weekday, type LocalDate } from './local-date.js';

export interface CalendarEntry {
  date: LocalDate;
  kind: 'holiday' | 'working';
  name: string;
  source: string;
  verified: boolean;
}

/** [year, day of the year counted from 1]. */
function yearDay(d: LocalDate): [number, number] {
  const y = Number(d.slice(0, 4));
  return [y, (Date.UTC(y, Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) - Date.UTC(y, 0, 1)) / 86_400_000 + 1];
}

export type FallbackProvider = (year: number) => CalendarEntry[];

export class WorkingCalendar {
  private readonly byDate = new Map<LocalDate, CalendarEntry>();
  private readonly officialYears = new Set<number>();
  private readonly fallbackYears = new Set<number>();
  private readonly runningByYear = new Map<number, Int32Array>();

  constructor(
    entries: CalendarEntry[],
    private readonly fallback?: FallbackProvider,
  ) {
    for (const e of entries) {
      this.byDate.set(e.date, e);
      this.officialYears.add(Number(e.date.slice(0, 4)));
    }
  }

  /** Years covered by official data (the rest use the fallback). */
  years(): number[] {
    return [...this.officialYears].sort();
  }

  entry(d: LocalDate): CalendarEntry | undefined {
    this.ensureYear(Number(d.slice(0, 4)));
    return this.byDate.get(d);
  }

  isWorkingDay(d: LocalDate): boolean {
    const e = this.entry(d);
    if (e) return e.kind === 'working';
    const wd = weekday(d);
    return wd !== 0 && wd !== 6;
  }

  /**
   * The date N working days after `start` (the start day itself is not counted, as in
   * "within 3 working days of receipt"). N = 0 gives `start` if it is a working day, else the
   * next working day. Negative N counts backwards.
   */
  addWorkingDays(start: LocalDate, n: number): LocalDate {
    let d = start;
    if (n === 0) {
      while (!this.isWorkingDay(d)) d = addDays(d, 1);
      return d;
    }
    const step = n > 0 ? 1 : -1;
    let left = Math.abs(n);
    while (left > 0) {
      d = addDays(d, step);
      if (this.isWorkingDay(d)) left--;
    }
    return d;
  }

  /**
   * Working days after `from` up to and including `to` (0 when to <= from); e.g. how many
   * working days a file is overdue: workingDaysBetween(dueAt, today).
   */
  workingDaysBetween(from: LocalDate, to: LocalDate): number {
    if (to <= from) return 0;
    // Per-year running counts instead of a walk day by day: a file overdue for years is looked
    // up as fast as one due yesterday (the walk was 12 % of a server's CPU, docs/BENCHMARKS.md).
    const [fy, fd] = yearDay(from);
    const [ty, td] = yearDay(to);
    if (fy === ty) return this.running(fy)[td]! - this.running(fy)[fd]!;
    const first = this.running(fy);
    let n = first[first.length - 1]! - first[fd]!;
    for (let y = fy + 1; y < ty; y++) n += this.running(y).at(-1)!;
    return n + this.running(ty)[td]!;
  }

  /** For a year: [0, working days among its first 1, 2, ... days], built once per year. */
  private running(year: number): Int32Array {
    let r = this.runningByYear.get(year);
    if (!r) {
      const days = Date.UTC(year + 1, 0, 1) / 86_400_000 - Date.UTC(year, 0, 1) / 86_400_000;
      r = new Int32Array(days + 1);
      let d: LocalDate = `${String(year).padStart(4, '0')}-01-01`;
      for (let i = 1; i <= days; i++, d = addDays(d, 1)) r[i] = r[i - 1]! + (this.isWorkingDay(d) ? 1 : 0);
      this.runningByYear.set(year, r);
    }
    return r;
  }

  /** Due date for a limit in working or calendar days from the day a stage was entered. */
  dueDate(entered: LocalDate, days: number, unit: 'working' | 'calendar'): LocalDate {
    return unit === 'working' ? this.addWorkingDays(entered, days) : addDays(entered, days);
  }

  private ensureYear(year: number) {
    if (this.officialYears.has(year) || this.fallbackYears.has(year) || !this.fallback) return;
    this.fallbackYears.add(year);
    for (const e of this.fallback(year)) if (!this.byDate.has(e.date)) this.byDate.set(e.date, e);
  }
}
