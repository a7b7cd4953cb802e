/**
 * The working-day calendar as data: read from / written to the CalendarDay table, seeded
 * from prisma/calendar/vn.yaml, extended by admins with `ansinh calendar add`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { PrismaClient } from '../generated/prisma/client.js';
import { UserError } from '../shared/errors.js';
import { addDays, fromUtcDate, isLocalDate, toUtcDate, type LocalDate } from './local-date.js';
import { WorkingCalendar, type CalendarEntry } from './working-calendar.js';
import { fallbackHolidays } from './fallback.js';
import { formatZodIssues } from '../shared/zod-format.js';

export const DEFAULT_CALENDAR_FILE = resolve(import.meta.dirname, '../../prisma/calendar/vn.yaml');

const day = z.preprocess(
  (v) => (v instanceof Date ? fromUtcDate(v) : v),
  z.string().refine(isLocalDate, 'must be a date YYYY-MM-DD'),
);
const item = z
  .object({
    date: day.optional(),
    from: day.optional(),
    to: day.optional(),
    name: z.string().min(1),
    verified: z.boolean(),
    source: z.string().optional(),
  })
  .strict()
  .refine((i) => (i.date ? !i.from && !i.to : i.from && i.to && i.from <= i.to), 'give either date, or from and to (from <= to)');
const fileSchema = z.record(
  z.string().regex(/^\d{4}$/, 'year must be 4 digits'),
  z.object({ holidays: z.array(item).default([]), working: z.array(item).default([]) }).strict(),
);

/** Reads and validates a calendar file into entries. */
export function readCalendarFile(file = DEFAULT_CALENDAR_FILE): CalendarEntry[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as Error).message.split('\n')[0]}).`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: ${formatZodIssues(parsed.error.issues)}`, 'Fix the file and run again.');
  const out: CalendarEntry[] = [];
  for (const [year, y] of Object.entries(parsed.data)) {
    const src = (i: z.infer<typeof item>) => i.source ?? `prisma/calendar/vn.yaml ${year}`;
    for (const [kind, list] of [['holiday', y.holidays], ['working', y.working]] as const) {
      for (const i of list) {
        const from = (i.date ?? i.from)!;
        const to = (i.date ?? i.to)!;
        for (let d = from; d <= to; d = addDays(d, 1)) {
          out.push({ date: d, kind, name: i.name, source: src(i), verified: i.verified });
        }
      }
    }
  }
  return out;
}

/** Upserts entries into the database; returns how many rows were written. */
export async function saveCalendarEntries(prisma: PrismaClient, entries: CalendarEntry[]): Promise<number> {
  await prisma.$transaction(
    entries.map((e) =>
      prisma.calendarDay.upsert({
        where: { date: toUtcDate(e.date) },
        create: { date: toUtcDate(e.date), kind: e.kind, name: e.name, source: e.source, verified: e.verified },
        update: { kind: e.kind, name: e.name, source: e.source, verified: e.verified },
      }),
    ),
  );
  return entries.length;
}

export async function removeCalendarDay(prisma: PrismaClient, date: LocalDate): Promise<boolean> {
  const r = await prisma.calendarDay.deleteMany({ where: { date: toUtcDate(date) } });
  return r.count > 0;
}

/** The calendar from the database, with computed holidays for years it does not cover. */
export async function loadWorkingCalendar(prisma: PrismaClient): Promise<WorkingCalendar> {
  const rows = await prisma.calendarDay.findMany({ orderBy: { date: 'asc' } });
  return new WorkingCalendar(
    rows.map((r) => ({
      date: fromUtcDate(r.date),
      kind: r.kind === 'working' ? 'working' : 'holiday',
      name: r.name,
      source: r.source,
      verified: r.verified,
    })),
    fallbackHolidays,
  );
}
