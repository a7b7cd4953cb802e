/**
 * The demo data exported as beneficiary lists (one per program, CSV and xlsx) and imported
 * into an empty database gives the same progress report, row for row; importing it again
 * changes nothing. (bench/import.ts does the same at full scale.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDatabase, testKeys, withReferenceData, type TestDatabase } from '../helpers/db.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import { deriveKeys } from '../../src/shared/secrets.js';
import { seedDemo } from '../../src/seed/demo.js';
import { importListFile } from '../../src/imports/import.service.js';
import { progressReport } from '../../src/reports/progress-report.js';

const log = createLogger({ level: 'silent' });
const clock = fixedClock('2026-11-20T02:00:00Z');

describe.each(backends)('export and re-import of the demo data (%s)', (backend) => {
  let seeded: TestDatabase;
  let empty: TestDatabase;
  let dir: string;
  let exports: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ansinh-roundtrip-'));
    seeded = await freshDatabase(backend);
    empty = await freshDatabase(backend);
    const ref = await withReferenceData(seeded);
    await withReferenceData(empty);
    const calendar = await loadWorkingCalendar(seeded.prisma);
    const s = await seedDemo(seeded, { keys: testKeys, calendar, programs: ref.definitions }, { scale: 0.004, seed: 7, asOf: '2026-11-20', dataDir: dir, exportTo: { dir, format: 'csv' } });
    exports = s.exports;
  }, 240_000);
  afterAll(async () => {
    await seeded?.drop();
    await empty?.drop();
  });

  it('should give the same report for every program and area after importing the exported lists, and change nothing the second time', async () => {
    expect(exports.map((p) => p.split('/').pop())).toEqual(['NQ42-2020.csv', 'NQ68-2021.csv']);
    const calendar = await loadWorkingCalendar(empty.prisma);
    // Another deployment has another secret: the lists carry clear numbers, not hashes.
    const deps = { sql: empty.sql, keys: deriveKeys('another-secret-for-the-second-database-0123'), calendar, clock, log };
    for (const [path, program, province] of [[exports[0]!, 'NQ42-2020', '94'], [exports[1]!, 'NQ68-2021', '80']] as const) {
      const s = await importListFile(deps, path, { program, outDir: join(dir, 'out') });
      expect(s.errorRows, JSON.stringify(s.issues.slice(0, 3))).toBe(0);
      expect(s.status, s.fatal ?? '').toBe('committed');
      for (const area of [province, undefined]) {
        const a = await progressReport(seeded.sql, { program, area, asOf: '2026-11-20' });
        const b = await progressReport(empty.sql, { program, area, asOf: '2026-11-20' });
        expect(b).toEqual(a);
        expect(b.total.people).toBeGreaterThan(100);
      }
      const again = await importListFile(deps, path, { program, outDir: join(dir, 'out') });
      expect(again.changes).toMatchObject({ peopleCreated: 0, peopleUpdated: 0, filesCreated: 0, stageChanges: 0, filesUpdated: 0, unchanged: s.okRows });
    }
  }, 240_000);

  it('should read the same lists back from xlsx', async () => {
    const xdir = mkdtempSync(join(tmpdir(), 'ansinh-roundtrip-x-'));
    const other = await freshDatabase(backend);
    try {
      const ref = await withReferenceData(other);
      const calendar = await loadWorkingCalendar(other.prisma);
      const s = await seedDemo(other, { keys: testKeys, calendar, programs: ref.definitions }, { scale: 0.002, seed: 7, asOf: '2026-11-20', dataDir: xdir, exportTo: { dir: xdir, format: 'xlsx' } });
      const before = await progressReport(other.sql, { program: 'NQ68-2021', asOf: '2026-11-20' });
      await other.sql.exec(`TRUNCATE "EntitlementEvent", "Entitlement", "Person", "OutboxEvent" RESTART IDENTITY CASCADE`);
      const r = await importListFile({ sql: other.sql, keys: testKeys, calendar, clock, log }, s.exports[1]!, { program: 'NQ68-2021', province: '80', outDir: join(xdir, 'out') });
      expect(r, JSON.stringify(r.issues.slice(0, 3))).toMatchObject({ format: 'xlsx', status: 'committed', errorRows: 0 });
      expect(await progressReport(other.sql, { program: 'NQ68-2021', asOf: '2026-11-20' })).toEqual(before);
    } finally {
      await other.drop();
    }
  }, 240_000);
});
