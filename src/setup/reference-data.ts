/**
 * Loads everything the system needs besides people: areas, the working-day calendar and the
 * program definitions. Idempotent; `ansinh demo` and the test helpers call it.
 */
import type { Database } from '../db/client.js';
import { loadAreas } from '../areas/area.service.js';
import { readCalendarFile, saveCalendarEntries } from '../calendar/calendar.service.js';
import { loadProgramDefinitions, type LoadedProgram } from '../programs/loader.js';
import { syncPrograms } from '../programs/program.service.js';

export interface ReferenceSummary {
  areas: number;
  calendarDays: number;
  programs: { code: string; groups: number; stages: number; changed: boolean }[];
  definitions: LoadedProgram[];
}

export async function loadReferenceData(db: Database, programsDir: string): Promise<ReferenceSummary> {
  const definitions = loadProgramDefinitions(programsDir);
  const areas = await loadAreas(db.sql);
  const existingDays = await db.prisma.calendarDay.count();
  const calendarDays = existingDays > 0 ? existingDays : await saveCalendarEntries(db.prisma, readCalendarFile());
  const programs = await syncPrograms(db.prisma, definitions);
  return { areas: areas.units, calendarDays, programs, definitions };
}
