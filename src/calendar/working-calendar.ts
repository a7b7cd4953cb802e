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

export type FallbackProvider = (year: number) => CalendarEntry[];

export class WorkingCalendar {
  private readonly byDate = new Map<LocalDate, CalendarEntry>();
  private readonly officialYears = new Set<number>();
  private readonly fallbackYears = new Set<number>();

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
    let n = 0;
    for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (this.isWorkingDay(d)) n++;
    return n;
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
