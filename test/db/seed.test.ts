/**
 * The demo seed: shape, determinism, consistency of ID numbers with birth dates, privacy of
 * what is stored, and refusal of bad scales.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo, type SeedSummary } from '../../src/seed/demo.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { checkIdNumber, hashIdNumber } from '../../src/people/id-number.js';
import { decryptPhone } from '../../src/shared/secrets.js';
import { UserError } from '../../src/shared/errors.js';
import type { ReferenceSummary } from '../../src/setup/reference-data.js';
import { backends, freshDatabase, testKeys, withReferenceData, type TestDatabase } from '../helpers/db.js';

const AS_OF = '2022-01-24';

describe.each(backends)('demo seed on %s', (backend) => {
  let db: TestDatabase;
  let ref: ReferenceSummary;
  let summary: SeedSummary;
  let dataDir: string;
  const seed = async (scale: number, s: number) => {
    const calendar = await loadWorkingCalendar(db.prisma);
    return seedDemo(db, { keys: testKeys, calendar, programs: ref.definitions }, { scale, seed: s, asOf: AS_OF, dataDir });
  };

  beforeAll(async () => {
    db = await freshDatabase(backend);
    ref = await withReferenceData(db);
    dataDir = mkdtempSync(join(tmpdir(), 'ansinh-seed-'));
    summary = await seed(0.01, 7);
  });
  afterAll(async () => db?.drop());

  it("should follow the reports' proportions", () => {
    const st = summary.byProgram.find((p) => p.program === 'NQ42-2020')!;
    const protectedGroups = st.groups.filter((g) => ['g5-merit', 'g6-social-protection', 'g7-poor-household'].includes(g.group));
    const people = protectedGroups.reduce((n, g) => n + g.people, 0);
    const paid = protectedGroups.reduce((n, g) => n + g.paid, 0);
    expect(people).toBe(Math.round(20_281 * 0.01) + Math.round(25_351 * 0.01) + Math.round(207_882 * 0.01)); // 2,535 ≈ 253,514 × 0.01
    expect(paid / people).toBeGreaterThan(0.95);
    expect(paid / people).toBeLessThan(0.99);
    const la = summary.byProgram.find((p) => p.program === 'NQ68-2021')!;
    expect(la.groups.reduce((n, g) => n + g.people, 0)).toBe(4_350);
    expect(summary.people).toBe(summary.entitlements);
  });

  it('should give lottery-ticket sellers 900,000 đ each, as in Sóc Trăng', async () => {
    const rows = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Entitlement" e JOIN "ProgramGroup" g ON g.id = e."groupId" WHERE g.code = 'g4-freelancer' AND e.amount = 900000`,
    );
    expect(rows[0]!.n).toBe(Math.round(6_297 * 0.01));
  });

  it('should store only keyed hashes and the last 4 digits of ID numbers, and encrypted phones', async () => {
    const samples = JSON.parse(readFileSync(summary.samplesFile, 'utf8')).people as { idNumber: string; dateOfBirth: string; status: string; program: string }[];
    expect(samples.length).toBeGreaterThanOrEqual(20);
    const s = samples[0]!;
    const person = await db.prisma.person.findUniqueOrThrow({ where: { idHash: hashIdNumber(testKeys.id, s.idNumber) } });
    expect(person.idLast).toBe(s.idNumber.slice(-4));
    const dump = JSON.stringify(await db.sql.query(`SELECT * FROM "Person" LIMIT 200`));
    for (const x of samples) expect(dump).not.toContain(x.idNumber);
    const withPhone = await db.prisma.person.findFirstOrThrow({ where: { phoneCipher: { not: null } } });
    expect(decryptPhone(testKeys, withPhone.phoneCipher!)).toMatch(/^0\d{9}$/);
  });

  it('should make ID numbers consistent with birth year, gender and a real province code', () => {
    const samples = JSON.parse(readFileSync(summary.samplesFile, 'utf8')).people as { idNumber: string; dateOfBirth: string }[];
    for (const s of samples) {
      const year = Number(s.dateOfBirth.slice(-4));
      expect(checkIdNumber(s.idNumber, { currentYear: 2022, birthYear: year }).problems, s.idNumber).toEqual([]);
    }
  });

  it('should cover paid, in-progress and rejected files in the samples, and some year-only birth dates', () => {
    const samples = JSON.parse(readFileSync(summary.samplesFile, 'utf8')).people as { status: string; dateOfBirth: string; program: string }[];
    expect(new Set(samples.map((s) => s.status))).toEqual(new Set(['paid', 'in_review', 'approved', 'rejected']));
    expect(new Set(samples.map((s) => s.program))).toEqual(new Set(['NQ42-2020', 'NQ68-2021']));
    expect(samples.some((s) => /^\d{4}$/.test(s.dateOfBirth))).toBe(true);
  });

  it('should leave some files overdue, some due soon, with due dates from the working-day calendar', async () => {
    const rows = await db.sql.query<{ overdue: number; upcoming: number; nodue: number }>(
      `SELECT count(*) FILTER (WHERE "dueAt" < $1::date)::int AS overdue,
              count(*) FILTER (WHERE "dueAt" >= $1::date)::int AS upcoming,
              count(*) FILTER (WHERE "dueAt" IS NULL)::int AS nodue
       FROM "Entitlement" WHERE status IN ('in_review', 'approved')`,
      [AS_OF],
    );
    expect(rows[0]!.overdue).toBeGreaterThan(0);
    expect(rows[0]!.upcoming).toBeGreaterThan(0);
    const cal = await loadWorkingCalendar(db.prisma);
    const hkd = await db.sql.query<{ entered: string; due: string }>(
      `SELECT to_char(e."stageEnteredAt", 'YYYY-MM-DD') AS entered, to_char(e."dueAt", 'YYYY-MM-DD') AS due
       FROM "Entitlement" e JOIN "ProgramGroup" g ON g.id = e."groupId" WHERE g.code = 'la-freelancer' AND e.stage = 'commune_review' LIMIT 20`,
    );
    for (const r of hkd) expect(r.due).toBe(cal.addWorkingDays(r.entered, 5));
  });

  it('should record a status history ending at the current stage', async () => {
    const e = await db.prisma.entitlement.findFirstOrThrow({ where: { status: 'paid' }, include: { events: { orderBy: { at: 'asc' } } } });
    expect(e.events.at(-1)!.toStage).toBe('paid');
    expect(e.events.length).toBeGreaterThanOrEqual(2);
  });

  it('should be deterministic for a seed and as-of date', async () => {
    const fingerprint = async () => (await db.sql.query<{ f: string }>(
      `SELECT md5(string_agg(p."idHash" || p."fullName" || e.stage || e.amount::text || coalesce(e."dueAt"::text, ''), ',' ORDER BY p."idHash")) AS f
       FROM "Person" p JOIN "Entitlement" e ON e."personId" = p.id`,
    ))[0]!.f;
    const first = await fingerprint();
    await seed(0.01, 7);
    expect(await fingerprint()).toBe(first);
    await seed(0.01, 8);
    expect(await fingerprint()).not.toBe(first);
  });

  it('should refuse a scale of 0, -1 or nonsense with one clear line', async () => {
    for (const scale of [0, -1, Number.NaN, 100]) {
      const err = await seed(scale, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).toLine()).toMatch(/^Scale must be a number above 0/);
    }
  });
});
