/**
 * Migrations, reference data, areas and the calendar in the database, on PGlite and (in CI)
 * on real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, pendingMigrations, readMigrations } from '../../src/db/migrator.js';
import { openDatabase } from '../../src/db/client.js';
import { describeArea, findArea, loadAreas } from '../../src/areas/area.service.js';
import { loadWorkingCalendar, saveCalendarEntries } from '../../src/calendar/calendar.service.js';
import { syncPrograms } from '../../src/programs/program.service.js';
import { loadProgramDefinitions } from '../../src/programs/loader.js';
import { UserError } from '../../src/shared/errors.js';
import { backends, freshDatabase, postgresUrl, PROGRAMS_DIR, withReferenceData, type TestDatabase } from '../helpers/db.js';

describe.each(backends)('database on %s', (backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(backend);
    await withReferenceData(db);
  });
  afterAll(async () => db?.drop());

  it('should apply every migration once and record it', async () => {
    expect(await pendingMigrations(db.sql)).toEqual([]);
    const again = await migrate(db.sql);
    expect(again).toEqual({ applied: [], alreadyApplied: readMigrations().length });
    const rows = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(rows[0]!.n).toBe(readMigrations().length);
  });

  it('should refuse a migration file changed after it was applied', async () => {
    const [first] = readMigrations();
    await expect(migrate(db.sql, [{ ...first!, checksum: 'x'.repeat(64) }])).rejects.toThrow(/was changed after it was applied/);
  });

  it('should load the old three-level tree for Sóc Trăng and Long An and the 34 new provinces', async () => {
    const st = await describeArea(db.prisma, '94');
    expect(st.name).toBe('Tỉnh Sóc Trăng');
    expect(st.children.map((c) => c.code)).toContain('944'); // Huyện Mỹ Tú
    expect(st.children.length).toBe(11);
    expect(st.successor).toEqual({ code: '92', name: 'Thành phố Cần Thơ', scheme: '2025' });
    const commune = await describeArea(db.prisma, '31498');
    expect(commune.ancestors.map((a) => a.code)).toEqual(['94', '941']);
    expect(commune.level).toBe('commune');
    const la = await describeArea(db.prisma, '80', '2021-10-06');
    expect(la.name).toBe('Tỉnh Long An');
    expect(la.children.length).toBe(15);
    expect(await db.prisma.area.count({ where: { scheme: '2025' } })).toBe(34);
  });

  it('should pick the unit valid on a date when a code was reused (92: Cần Thơ before and after the merger)', async () => {
    expect((await findArea(db.prisma, '92', '2021-01-01')).scheme).toBe('2008');
    const now = await describeArea(db.prisma, '92', '2026-01-01');
    expect(now.scheme).toBe('2025');
    expect(now.predecessors.map((p) => p.code).sort()).toEqual(['92', '93', '94']);
  });

  it('should reject an unknown or malformed area code with a clear message', async () => {
    await expect(findArea(db.prisma, '99999')).rejects.toThrow(UserError);
    await expect(findArea(db.prisma, '99999')).rejects.toThrow(/Unknown area code 99999/);
    await expect(findArea(db.prisma, 'abc')).rejects.toThrow(/not an area code/);
  });

  it('should load areas again without duplicates', async () => {
    const before = await db.prisma.area.count();
    await loadAreas(db.sql);
    expect(await db.prisma.area.count()).toBe(before);
  });

  it('should store the programs with groups and ordered stage chains', async () => {
    const p = await db.prisma.program.findUniqueOrThrow({ where: { code: 'NQ68-2021' }, include: { groups: { include: { stages: { orderBy: { seq: 'asc' } } } } } });
    const hkd = p.groups.find((g) => g.code === 'i10-household-business')!;
    expect(hkd.amount).toBe(3_000_000n);
    expect(hkd.stages.map((s) => s.code)).toEqual(['commune_confirm', 'tax_appraisal', 'district_appraisal', 'province_approval', 'payment']);
    expect(hkd.stages.map((s) => s.ownerLevel)).toEqual(['commune', 'district', 'district', 'province', 'commune']);
    expect(p.groups.find((g) => g.code === 'la-freelancer')!.provinceCode).toBe('80');
  });

  it('should reload unchanged programs as a no-op and apply changes in place', async () => {
    const defs = loadProgramDefinitions(PROGRAMS_DIR);
    expect((await syncPrograms(db.prisma, defs)).every((r) => !r.changed)).toBe(true);
    const changed = defs.map((d) => d.code !== 'NQ42-2020' ? d : {
      ...d,
      groups: d.groups.map((g) => g.code !== 'g4-freelancer' ? g : { ...g, stages: [...g.stages].reverse().map((s, i, all) => i === all.length - 1 ? s : s) }),
    });
    const r = await syncPrograms(db.prisma, changed);
    expect(r.find((x) => x.code === 'NQ42-2020')!.changed).toBe(true);
    const g = await db.prisma.programGroup.findFirstOrThrow({ where: { code: 'g4-freelancer' }, include: { stages: { orderBy: { seq: 'asc' } } } });
    expect(g.stages[0]!.code).toBe('payment');
    await syncPrograms(db.prisma, defs);
  });

  it('should read the working-day calendar from the database and take an admin addition', async () => {
    const cal = await loadWorkingCalendar(db.prisma);
    expect(cal.addWorkingDays('2022-01-27', 3)).toBe('2022-02-08');
    await saveCalendarEntries(db.prisma, [{ date: '2022-02-08', kind: 'holiday', name: 'Nghỉ thử', source: 'test', verified: false }]);
    expect((await loadWorkingCalendar(db.prisma)).addWorkingDays('2022-01-27', 3)).toBe('2022-02-09');
    await db.prisma.calendarDay.delete({ where: { date: new Date('2022-02-08') } });
  });
});

describe.runIf(postgresUrl)('migrations on real PostgreSQL', () => {
  it('should let several processes migrate the same fresh schema at once', async () => {
    const schema = `t_concurrent_${Date.now()}`;
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ url: postgresUrl!, schema })));
    try {
      const results = await Promise.all(dbs.map((d) => migrate(d.sql)));
      expect(results.reduce((n, r) => n + r.applied.length, 0)).toBe(readMigrations().length);
    } finally {
      await dbs[0]!.sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await Promise.all(dbs.map((d) => d.close()));
    }
  });

  it('should say clearly when the server cannot be reached, without the password', async () => {
    const err = await openDatabase({ url: 'postgres://ansinh:s3cret@127.0.0.1:1/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).toLine()).toMatch(/Cannot reach the database at postgres:\/\/ansinh:\*\*\*@127\.0\.0\.1:1\/x .*unset DATABASE_URL/);
    expect((err as UserError).toLine()).not.toContain('s3cret');
  });
});
