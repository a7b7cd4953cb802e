import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { DEFAULT_CALENDAR_FILE, loadWorkingCalendar, readCalendarFile, removeCalendarDay, saveCalendarEntries } from '../../calendar/calendar.service.js';
import { addDays, formatVi, weekday } from '../../calendar/local-date.js';
import { UserError } from '../../shared/errors.js';
import { parseDate } from '../args.js';

const WEEKDAY_VI = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

const date = (s: string, what = 'date') => parseDate(s, what);

export function registerCalendar(program: Command, ctx: ContextFactory) {
  const cmd = program.command('calendar').description('Working-day calendar: holidays, swapped working days, day arithmetic');
  cmd.command('load')
    .description('Load official holidays and swaps from a YAML file into the database')
    .argument('[file]', 'calendar file', DEFAULT_CALENDAR_FILE)
    .action(async (file: string) => {
      const entries = readCalendarFile(file);
      const db = await ctx().database();
      console.log(`Saved ${await saveCalendarEntries(db.prisma, entries)} days from ${file}.`);
    });
  cmd.command('show')
    .description("List a year's non-working weekdays and working weekend days")
    .argument('<year>', 'e.g. 2022')
    .option('--json', 'print JSON')
    .action(async (yearText: string, opts: { json?: boolean }) => {
      const year = Number(yearText);
      if (!Number.isInteger(year) || year < 1990 || year > 2100) throw new UserError(`"${yearText}" is not a year.`, 'Use four digits, e.g. 2022.');
      const cal = await loadWorkingCalendar((await ctx().database()).prisma);
      const days = [];
      for (let d = `${year}-01-01`; d <= `${year}-12-31`; d = addDays(d, 1)) {
        const e = cal.entry(d);
        if (e) days.push({ ...e, weekday: WEEKDAY_VI[weekday(d)] ?? '' });
      }
      if (opts.json) {
        console.log(JSON.stringify({ year, official: cal.years().includes(year), days }, null, 2));
        return;
      }
      console.log(`${year}: ${cal.years().includes(year) ? 'lịch chính thức' : 'chưa có lịch chính thức, dùng lịch tính theo Bộ luật Lao động'}`);
      for (const d of days) console.log(`  ${formatVi(d.date)} ${d.weekday.padEnd(9)} ${d.kind === 'working' ? 'LÀM VIỆC' : 'nghỉ'}  ${d.name}${d.verified ? '' : ' (chưa kiểm chứng)'}`);
    });
  cmd.command('add')
    .description('Add or change one day (an official decision): a holiday or a swapped working day')
    .argument('<date>', 'YYYY-MM-DD')
    .requiredOption('--kind <kind>', 'holiday | working')
    .requiredOption('--name <name>', 'e.g. "Nghỉ bù Quốc khánh"')
    .option('--source <source>', 'the decision or notice', 'admin')
    .option('--unverified', 'mark as not yet checked against the decision')
    .action(async (d: string, opts: { kind: string; name: string; source: string; unverified?: boolean }) => {
      date(d);
      if (opts.kind !== 'holiday' && opts.kind !== 'working') throw new UserError(`--kind must be holiday or working (got ${opts.kind}).`);
      const db = await ctx().database();
      await saveCalendarEntries(db.prisma, [{ date: d, kind: opts.kind, name: opts.name, source: opts.source, verified: !opts.unverified }]);
      console.log(`${formatVi(d)}: ${opts.kind === 'working' ? 'ngày làm việc' : 'ngày nghỉ'} (${opts.name}).`);
    });
  cmd.command('remove')
    .description('Remove one day added by mistake')
    .argument('<date>', 'YYYY-MM-DD')
    .action(async (d: string) => {
      const removed = await removeCalendarDay((await ctx().database()).prisma, date(d));
      console.log(removed ? `Removed ${formatVi(d)}.` : `${formatVi(d)} was not in the calendar.`);
    });
  cmd.command('add-days')
    .description('The date N working days (or calendar days) after a date')
    .argument('<date>', 'YYYY-MM-DD')
    .argument('<n>', 'number of days')
    .option('--calendar', 'count calendar days instead of working days')
    .action(async (d: string, nText: string, opts: { calendar?: boolean }) => {
      const n = Number(nText);
      if (!Number.isInteger(n) || Math.abs(n) > 3650) throw new UserError(`"${nText}" is not a whole number of days.`);
      const cal = await loadWorkingCalendar((await ctx().database()).prisma);
      const out = opts.calendar ? addDays(date(d), n) : cal.addWorkingDays(date(d), n);
      console.log(`${formatVi(d)} + ${n} ${opts.calendar ? 'ngày' : 'ngày làm việc'} = ${formatVi(out)} (${WEEKDAY_VI[weekday(out)]})`);
    });
  cmd.command('between')
    .description('Working days after FROM up to and including TO')
    .argument('<from>', 'YYYY-MM-DD')
    .argument('<to>', 'YYYY-MM-DD')
    .action(async (from: string, to: string) => {
      const cal = await loadWorkingCalendar((await ctx().database()).prisma);
      console.log(`${cal.workingDaysBetween(date(from, 'from'), date(to, 'to'))} ngày làm việc từ sau ${formatVi(from)} đến hết ${formatVi(to)}.`);
    });
}
