/**
 * The working-day calendar on real dates: Tết 2022 (29/01-06/02/2022, Government Office
 * letter 245/VPCP-KGVX), National Day 2021 (02-03/09) and 2022 (01-02/09), make-up days,
 * a swapped working Saturday (04/05/2024), and the computed fallback for a year without data.
 */
import { describe, expect, it } from 'vitest';
import { readCalendarFile } from '../../src/calendar/calendar.service.js';
import { WorkingCalendar } from '../../src/calendar/working-calendar.js';
import { fallbackHolidays } from '../../src/calendar/fallback.js';
import { addDays, localDateAt } from '../../src/calendar/local-date.js';

const cal = new WorkingCalendar(readCalendarFile(), fallbackHolidays);

describe('WorkingCalendar on official data', () => {
  it('should treat every day of Tết 2022 as off, and the days around it as working', () => {
    expect(cal.isWorkingDay('2022-01-28')).toBe(true); // Friday before
    for (const d of ['2022-01-31', '2022-02-01', '2022-02-02', '2022-02-03', '2022-02-04']) expect(cal.isWorkingDay(d)).toBe(false);
    expect(cal.isWorkingDay('2022-02-07')).toBe(true); // Monday after
  });

  it('should count 3 working days from Thu 27/01/2022 across Tết to Tue 08/02/2022', () => {
    expect(cal.addWorkingDays('2022-01-27', 3)).toBe('2022-02-08');
  });

  it('should count the working days between two dates across Tết', () => {
    // After 28/01 up to 08/02: only 07/02 and 08/02 are working days.
    expect(cal.workingDaysBetween('2022-01-28', '2022-02-08')).toBe(2);
    expect(cal.workingDaysBetween('2022-02-08', '2022-01-28')).toBe(0);
  });

  it('should count the same as a walk day by day, within a year, across years and into fallback years', () => {
    const walk = (from: string, to: string) => {
      let n = 0;
      for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (cal.isWorkingDay(d)) n++;
      return n;
    };
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const day = () => addDays('2018-01-01', rand(12 * 365)); // 2018-2029: official and fallback years
    const pairs: [string, string][] = [['2020-12-31', '2021-01-01'], ['2021-12-31', '2022-12-31'], ['2024-02-28', '2024-03-01'], ['2019-06-01', '2028-06-01']];
    for (let i = 0; i < 300; i++) pairs.push([day(), day()]);
    for (const [a, b] of pairs) expect(cal.workingDaysBetween(a, b), `${a} → ${b}`).toBe(b <= a ? 0 : walk(a, b));
  });

  it('should keep the National Day extra day: 02-03/09/2021 and 01-02/09/2022', () => {
    expect(cal.isWorkingDay('2021-09-02')).toBe(false);
    expect(cal.isWorkingDay('2021-09-03')).toBe(false);
    expect(cal.addWorkingDays('2021-09-01', 1)).toBe('2021-09-06');
    expect(cal.isWorkingDay('2022-09-01')).toBe(false);
    expect(cal.isWorkingDay('2022-09-02')).toBe(false);
    expect(cal.addWorkingDays('2022-08-31', 1)).toBe('2022-09-05');
  });

  it('should give make-up days when a holiday falls on a weekend (30/4-1/5/2022)', () => {
    expect(cal.isWorkingDay('2022-05-02')).toBe(false);
    expect(cal.isWorkingDay('2022-05-03')).toBe(false);
    expect(cal.addWorkingDays('2022-04-29', 1)).toBe('2022-05-04');
  });

  it('should count a swapped Saturday as a working day (04/05/2024)', () => {
    expect(cal.isWorkingDay('2024-05-04')).toBe(true);
    expect(cal.isWorkingDay('2024-04-29')).toBe(false);
  });

  it('should handle NQ68 deadlines: 31/01/2022 + 2 working days lands after Tết', () => {
    expect(cal.dueDate('2022-01-31', 2, 'working')).toBe('2022-02-08');
    expect(cal.dueDate('2022-01-31', 2, 'calendar')).toBe('2022-02-02');
  });

  it('should treat N = 0 as the same day when it is a working day, else the next one', () => {
    expect(cal.addWorkingDays('2022-02-07', 0)).toBe('2022-02-07');
    expect(cal.addWorkingDays('2022-02-05', 0)).toBe('2022-02-07');
  });

  it('should count backwards with a negative N', () => {
    expect(cal.addWorkingDays('2022-02-08', -3)).toBe('2022-01-27');
  });

  it('should list the years that have official data', () => {
    expect(cal.years()).toEqual(expect.arrayContaining([2020, 2021, 2022, 2026]));
  });
});

describe('fallback for years without official data', () => {
  it('should compute Tết 2027 (lunar new year 06/02/2027) as the eve and four days, with make-up days', () => {
    const c = new WorkingCalendar([], fallbackHolidays);
    for (const d of ['2027-02-05', '2027-02-08', '2027-02-09']) expect(c.isWorkingDay(d)).toBe(false);
    // 06/02 and 07/02/2027 are a Saturday and Sunday: made up on 10/02 and 11/02.
    expect(c.isWorkingDay('2027-02-10')).toBe(false);
    expect(c.isWorkingDay('2027-02-11')).toBe(false);
    expect(c.isWorkingDay('2027-02-12')).toBe(true);
    expect(c.entry('2027-02-05')?.verified).toBe(false);
  });

  it('should place Hùng Kings day on 10/3 lunar (16/04/2027)', () => {
    expect(fallbackHolidays(2027).some((e) => e.date === '2027-04-16')).toBe(true);
  });
});

describe('localDateAt', () => {
  it('should give the civil date in Vietnam (UTC+7)', () => {
    expect(localDateAt(new Date('2022-01-31T16:59:59Z'))).toBe('2022-01-31');
    expect(localDateAt(new Date('2022-01-31T17:00:00Z'))).toBe('2022-02-01');
  });
});
