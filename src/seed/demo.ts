/**
 * Demo data shaped like the two seed reports (reference/seeds): Sóc Trăng under NQ42-2020
 * (253,514 people in the protected groups, 97.3% paid; 6,297 lottery-ticket sellers; 2,740
 * workers in five districts) and Long An under NQ68-2021 (435,000 people across its groups),
 * at `scale` times those numbers. Deterministic for a seed and an as-of date: files still in
 * progress entered their stage a few working days before `asOf`, so some are due today or
 * tomorrow and some are overdue; paid and rejected files keep the programs' historical dates.
 *
 * Writes with set-based INSERT ... SELECT FROM unnest(...) in batches, not a round trip per row.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../db/client.js';
import type { SqlRunner } from '../db/sql.js';
import type { Keys } from '../shared/secrets.js';
import { encryptPhone, hashPhone } from '../shared/secrets.js';
import { UserError } from '../shared/errors.js';
import { centuryGenderDigit, CCCD_PROVINCES, hashIdNumber, idLastDigits, type Gender } from '../people/id-number.js';
import { addDays, formatVi, type LocalDate } from '../calendar/local-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { GroupDefinition, ProgramDefinition } from '../programs/definition.js';
import { computeAmount } from '../programs/amounts.js';
import { Random } from './random.js';
import { inSentence } from '../areas/names.js';
import { familyName, fullName } from './names.js';
import { ListWriter } from '../imports/list-writer.js';

export interface SeedOptions {
  /** Multiplier on the reports' numbers; 1 = full scale (~698,000 people). */
  scale: number;
  seed: number;
  /** "Today" for files still in progress. */
  asOf: LocalDate;
  /** Folder for demo-people.json. */
  dataDir: string;
  /** Extra sample people to write beyond the ~48 varied ones (benchmarks need thousands). */
  extraSamples?: number;
  /**
   * Also write every generated person as a beneficiary list, one file per program
   * (`<dir>/<program>.csv` or `.xlsx`): what a province would import to get the same data.
   */
  exportTo?: { dir: string; format: 'csv' | 'xlsx' };
}

export interface SeedSummary {
  scale: number;
  seed: number;
  asOf: LocalDate;
  people: number;
  entitlements: number;
  events: number;
  byProgram: { program: string; province: string; groups: { group: string; people: number; paid: number; inProgress: number; rejected: number; amount: number }[] }[];
  samplesFile: string;
  /** Lists written with `exportTo`. */
  exports: string[];
  millis: number;
}

export const DEFAULT_SCALE = 0.02;
export const MAX_SCALE = 5;

/** One group's share of a province's demo population. */
interface Slice {
  group: string;
  count: number;
  /** Share paid; the rest is split between in-progress (mostly) and rejected. */
  paid: number;
  rejected: number;
  born: [number, number];
  /** Birth dates known as a year only in the list. */
  yearOnly?: number;
  amount: (r: Random, g: GroupDefinition) => { total: number; detail: object };
  /** District codes the group is limited to (Sóc Trăng's 2,740 workers). */
  districts?: string[];
  household?: boolean;
  paidWindow: [LocalDate, LocalDate];
  decisionYear: number;
}

const full = (g: GroupDefinition) => {
  const b = computeAmount(g);
  return { total: b.total, detail: b };
};

const SOC_TRANG: Slice[] = [
  { group: 'g5-merit', count: 20_281, paid: 0.973, rejected: 0.002, born: [1928, 1962], yearOnly: 0.04, amount: (_r, g) => full(g), paidWindow: ['2020-05-05', '2020-06-30'], decisionYear: 2020 },
  { group: 'g6-social-protection', count: 25_351, paid: 0.973, rejected: 0.002, born: [1925, 2015], yearOnly: 0.04, amount: (_r, g) => full(g), paidWindow: ['2020-05-05', '2020-06-30'], decisionYear: 2020 },
  { group: 'g7-poor-household', count: 207_882, paid: 0.973, rejected: 0.003, born: [1930, 2019], yearOnly: 0.03, household: true, amount: (_r, g) => full(g), paidWindow: ['2020-05-05', '2020-07-15'], decisionYear: 2020 },
  {
    group: 'g4-freelancer', count: 6_297, paid: 1, rejected: 0, born: [1955, 2000],
    // Lottery-ticket sellers: 5,667,300,000 đ / 6,297 people = 900,000 đ each (paid by the lottery company).
    amount: () => ({ total: 900_000, detail: { base: 900_000, periods: 1, supplements: [], note: 'Người bán vé số lưu động' } }),
    paidWindow: ['2020-05-15', '2020-06-30'], decisionYear: 2020,
  },
  {
    group: 'g4-freelancer', count: 2_740, paid: 0.6, rejected: 0.01, born: [1960, 2001], districts: ['944', '945', '946', '947', '948'],
    // 1,570,000,000 đ / 2,740 people ≈ 573,000 đ: partial months.
    amount: (r) => { const v = r.weighted([[500_000, 55], [600_000, 25], [700_000, 20]] as const); return { total: v, detail: { base: v, periods: 1, supplements: [], note: 'Chi theo số ngày thực tế' } }; },
    paidWindow: ['2020-06-15', '2020-07-31'], decisionYear: 2020,
  },
];

const supplementsNq68 = (r: Random, g: GroupDefinition, gender: Gender) => {
  const s: Record<string, number> = {};
  if (g.supplements.some((x) => x.code === 'pregnant') && gender === 'F' && r.chance(0.06)) s.pregnant = 1;
  if (g.supplements.some((x) => x.code === 'child_under_6') && r.chance(0.18)) s.child_under_6 = r.weighted([[1, 70], [2, 25], [3, 5]] as const);
  return s;
};

const LONG_AN = (): Slice[] => [
  { group: 'la-freelancer', count: 360_000, paid: 0.86, rejected: 0.012, born: [1956, 2003], amount: (_r, g) => full(g), paidWindow: ['2021-07-25', '2021-10-05'], decisionYear: 2021 },
  { group: 'i7-child', count: 50_000, paid: 0.8, rejected: 0.005, born: [2006, 2020], amount: (_r, g) => full(g), paidWindow: ['2021-08-10', '2021-10-05'], decisionYear: 2021 },
  {
    group: 'i5-work-stoppage', count: 12_000, paid: 0.75, rejected: 0.02, born: [1965, 2003], paidWindow: ['2021-08-01', '2021-10-05'], decisionYear: 2021,
    amount: (r, g) => { const gender: Gender = r.chance(0.55) ? 'F' : 'M'; const b = computeAmount(g, { supplements: supplementsNq68(r, g, gender) }); return { total: b.total, detail: b }; },
  },
  {
    group: 'i7-f0-food', count: 6_000, paid: 0.7, rejected: 0.01, born: [1940, 2005], paidWindow: ['2021-08-15', '2021-10-05'], decisionYear: 2021,
    amount: (r, g) => { const b = computeAmount(g, { periods: r.int(7, 45) }); return { total: b.total, detail: b }; },
  },
  { group: 'i10-household-business', count: 4_000, paid: 0.8, rejected: 0.02, born: [1950, 1998], amount: (_r, g) => full(g), paidWindow: ['2021-08-01', '2021-10-05'], decisionYear: 2021 },
  {
    group: 'i4-suspended-contract', count: 2_000, paid: 0.7, rejected: 0.02, born: [1965, 2003], paidWindow: ['2021-08-01', '2021-10-05'], decisionYear: 2021,
    amount: (r, g) => { const tier = r.chance(0.8) ? 3_710_000 : 1_855_000; const b = computeAmount(g, { tier, supplements: supplementsNq68(r, g, r.chance(0.55) ? 'F' : 'M') }); return { total: b.total, detail: b }; },
  },
  {
    group: 'i6-contract-ended', count: 800, paid: 0.6, rejected: 0.03, born: [1965, 2003], paidWindow: ['2021-08-15', '2021-10-05'], decisionYear: 2021,
    amount: (r, g) => { const b = computeAmount(g, { supplements: supplementsNq68(r, g, r.chance(0.55) ? 'F' : 'M') }); return { total: b.total, detail: b }; },
  },
  { group: 'i9-tour-guides', count: 200, paid: 0.75, rejected: 0.02, born: [1970, 1998], amount: (_r, g) => full(g), paidWindow: ['2021-08-15', '2021-10-05'], decisionYear: 2021 },
];

const REJECTIONS = [
  'Không thuộc danh mục công việc được hỗ trợ.',
  'Đã nhận hỗ trợ theo chính sách khác; mỗi người chỉ được hưởng một chế độ.',
  'Không cư trú tại địa phương trong thời gian được hỗ trợ.',
  'Thu nhập trên mức chuẩn cận nghèo.',
  'Hồ sơ thiếu xác nhận của cơ quan bảo hiểm xã hội.',
  'Thông tin trên hồ sơ không khớp với Cơ sở dữ liệu quốc gia về dân cư.',
];

interface Commune {
  id: number;
  code: string;
  name: string;
  districtCode: string;
}

interface PersonRow {
  idHash: string; idLast: string; fullName: string; birthDate: string | null; birthYear: number; gender: Gender;
  communeId: number; phoneHash: string | null; phoneCipher: string | null; householdRef: string | null;
}
interface EntRow {
  personIdx: number; groupId: number; programId: number; communeId: number; amount: number; detail: object;
  stage: string; status: string; stageEnteredAt: string; dueAt: string | null; rejectionReason: string | null;
  paidAt: string | null; paymentPlace: string | null; paymentMethod: string | null; decisionNo: string | null;
  history: { from: string | null; to: string; at: string }[];
}
interface Sample {
  idNumber: string; dateOfBirth: string; name: string; commune: string; program: string; group: string; stage: string; status: string; amount: number;
}

const BATCH = 5_000;

export function validateSeedOptions(scale: number, seed: number): void {
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_SCALE) {
    throw new UserError(`Scale must be a number above 0 and at most ${MAX_SCALE} (got ${scale}).`, `Use e.g. --scale ${DEFAULT_SCALE} for a quick demo or --scale 1 for the reports' full numbers.`);
  }
  if (!Number.isInteger(seed) || seed < 0) {
    throw new UserError(`Seed must be a whole number of 0 or more (got ${seed}).`);
  }
}

export async function seedDemo(
  db: Database,
  deps: { keys: Keys; calendar: WorkingCalendar; programs: ProgramDefinition[]; onProgress?: (msg: string) => void },
  opts: SeedOptions,
): Promise<SeedSummary> {
  validateSeedOptions(opts.scale, opts.seed);
  const t0 = Date.now();
  const r = new Random(opts.seed);
  const progress = deps.onProgress ?? (() => {});
  await clearPeople(db.sql);

  const usedIds = new Set<string>();
  const samples: Sample[] = [];
  const extra: Sample[] = [];
  const expected = [...SOC_TRANG, ...LONG_AN()].reduce((n, s) => n + Math.max(1, Math.round(s.count * opts.scale)), 0);
  const extraStep = opts.extraSamples ? Math.max(1, Math.floor(expected / opts.extraSamples)) : 0;
  let serial = 0;
  const summary: SeedSummary = { scale: opts.scale, seed: opts.seed, asOf: opts.asOf, people: 0, entitlements: 0, events: 0, byProgram: [], samplesFile: join(opts.dataDir, 'demo-people.json'), exports: [], millis: 0 };

  for (const [programCode, province, slices, khmer] of [
    ['NQ42-2020', '94', SOC_TRANG, 0.15],
    ['NQ68-2021', '80', LONG_AN(), 0],
  ] as const) {
    const def = deps.programs.find((p) => p.code === programCode);
    if (!def) throw new UserError(`Program ${programCode} is not loaded.`, 'Run npx ansinh programs load first.');
    const communes = await provinceCommunes(db.sql, province);
    if (communes.length === 0) throw new UserError(`No communes for province ${province}.`, 'Run npx ansinh areas load first.');
    const ids = await groupIds(db.sql, programCode);
    const list = opts.exportTo ? new ListWriter(join(opts.exportTo.dir, `${programCode}.${opts.exportTo.format}`)) : null;
    if (list) summary.exports.push(list.path);
    const programSummary = { program: programCode, province, groups: [] as SeedSummary['byProgram'][number]['groups'] };
    summary.byProgram.push(programSummary);

    for (const slice of slices) {
      const g = def.groups.find((x) => x.code === slice.group)!;
      const count = Math.max(1, Math.round(slice.count * opts.scale));
      const pool = slice.districts ? communes.filter((c) => slice.districts!.includes(c.districtCode)) : communes;
      const stat = { group: slice.group, people: 0, paid: 0, inProgress: 0, rejected: 0, amount: 0 };
      programSummary.groups.push(stat);
      let persons: PersonRow[] = [];
      let ents: EntRow[] = [];
      let household: { ref: string; family: string; commune: Commune; phone: string | null; left: number } | null = null;
      for (let i = 0; i < count; i++) {
        let commune: Commune;
        let family: string | undefined;
        let phone: string | null;
        let householdRef: string | null = null;
        if (slice.household) {
          if (!household || household.left === 0) {
            household = { ref: `HN-${province}-${slice.group}-${i}`, family: familyName(r, khmer), commune: r.pick(pool), phone: r.chance(0.7) ? mobile(r) : null, left: r.weighted([[1, 10], [2, 20], [3, 25], [4, 25], [5, 12], [6, 8]] as const) };
          }
          household.left--;
          ({ commune, family, phone } = household);
          householdRef = household.ref;
        } else {
          commune = r.pick(pool);
          phone = r.chance(0.6) ? mobile(r) : null;
        }
        const gender: Gender = r.chance(0.52) ? 'F' : 'M';
        const year = r.int(slice.born[0], slice.born[1]);
        const month = r.int(1, 12);
        const day = r.int(1, daysInMonth(year, month));
        const yearOnly = r.chance(slice.yearOnly ?? 0);
        const idNumber = newIdNumber(r, usedIds, province, year, gender);
        const name = fullName(r, { gender, khmerShare: khmer, family });
        const birthDate = `${year}-${pad(month)}-${pad(day)}`;
        persons.push({
          idHash: hashIdNumber(deps.keys.id, idNumber),
          idLast: idLastDigits(idNumber),
          fullName: name,
          birthDate: yearOnly ? null : birthDate,
          birthYear: year,
          gender,
          communeId: commune.id,
          phoneHash: phone ? hashPhone(deps.keys, phone) : null,
          phoneCipher: phone ? encryptPhone(deps.keys, phone) : null,
          householdRef,
        });
        const amount = slice.amount(r, g);
        const ent = placeFile(r, deps.calendar, g, slice, opts.asOf, commune);
        ents.push({ ...ent, personIdx: persons.length - 1, groupId: ids.get(g.code)!, programId: ids.get('')!, communeId: commune.id, amount: amount.total, detail: amount.detail });
        stat.people++;
        stat.amount += amount.total;
        if (ent.status === 'paid') stat.paid++;
        else if (ent.status === 'rejected') stat.rejected++;
        else stat.inProgress++;
        list?.add({
          fullName: name, birthDate: yearOnly ? String(year) : formatVi(birthDate), gender: gender === 'F' ? 'Nữ' : 'Nam', idNumber, phone,
          communeCode: commune.code, group: slice.group, amount: amount.total, stage: ent.stage, paidAt: ent.paidAt ? formatVi(ent.paidAt) : null,
          paymentPlace: ent.paymentPlace, reason: ent.rejectionReason,
        });
        const sample = () => ({ idNumber, dateOfBirth: yearOnly ? String(year) : formatVi(birthDate), name, commune: commune.name, program: programCode, group: slice.group, stage: ent.stage, status: ent.status, amount: amount.total });
        if (wantSample(samples, programCode, slice.group, ent.status, yearOnly)) samples.push(sample());
        else if (extraStep && ++serial % extraStep === 0 && extra.length < opts.extraSamples!) extra.push(sample());
        if (persons.length >= BATCH) {
          summary.events += await writeBatch(db.sql, persons, ents);
          summary.people += persons.length;
          summary.entitlements += ents.length;
          persons = [];
          ents = [];
          progress(`${programCode}: ${summary.people.toLocaleString('vi-VN')} người`);
        }
      }
      if (persons.length) {
        summary.events += await writeBatch(db.sql, persons, ents);
        summary.people += persons.length;
        summary.entitlements += ents.length;
      }
    }
    await list?.close();
  }
  await db.sql.query(
    `INSERT INTO "Meta" (key, value, "updatedAt") VALUES ('demo_seed', $1::jsonb, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "updatedAt" = now()`,
    [JSON.stringify({ scale: opts.scale, seed: opts.seed, asOf: opts.asOf, people: summary.people })],
  );
  writeSamples(summary.samplesFile, [...samples, ...extra]);
  summary.millis = Date.now() - t0;
  return summary;
}

/** Decides where a file stands: paid, rejected, or at a stage entered a few working days before asOf. */
function placeFile(r: Random, cal: WorkingCalendar, g: GroupDefinition, slice: Slice, asOf: LocalDate, commune: Commune) {
  const stages = g.stages;
  const history: EntRow['history'] = [];
  const roll = r.next();
  const decisionNo = `${r.int(100, 9999)}/QĐ-UBND`;
  if (roll < slice.paid) {
    const paidAt = randomDate(r, slice.paidWindow);
    let at = addDays(paidAt, -(stages.length * 4 + r.int(0, 10)));
    let prev: string | null = null;
    for (const s of stages) {
      history.push({ from: prev, to: s.code, at });
      prev = s.code;
      at = cal.addWorkingDays(at, s.days ?? 3);
    }
    history.push({ from: prev, to: 'paid', at: paidAt });
    const method = r.weighted([['Tiền mặt', 60], ['Chuyển khoản', 30], ['Qua bưu điện', 10]] as const);
    return {
      stage: 'paid', status: 'paid', stageEnteredAt: paidAt, dueAt: null, rejectionReason: null, paidAt,
      paymentPlace: method === 'Qua bưu điện' ? `Bưu điện ${inSentence(commune.name)}` : `UBND ${inSentence(commune.name)}`,
      paymentMethod: method, decisionNo, history,
    };
  }
  if (roll < slice.paid + slice.rejected) {
    const at = randomDate(r, slice.paidWindow);
    history.push({ from: null, to: stages[0]!.code, at: addDays(at, -r.int(3, 15)) });
    history.push({ from: stages[0]!.code, to: 'rejected', at });
    return { stage: 'rejected', status: 'rejected', stageEnteredAt: at, dueAt: null, rejectionReason: r.pick(REJECTIONS), paidAt: null, paymentPlace: null, paymentMethod: null, decisionNo: null, history };
  }
  // In progress: weighted towards the early stages; entered 0..(2 x limit + 2) working days ago.
  const idx = Math.min(stages.length - 1, Math.floor(Math.pow(r.next(), 1.6) * stages.length));
  const s = stages[idx]!;
  const limit = s.days ?? 5;
  const entered = cal.addWorkingDays(asOf, -r.int(0, limit * 2 + 2));
  let at = cal.addWorkingDays(entered, -(idx * 3 + 1));
  let prev: string | null = null;
  for (const earlier of stages.slice(0, idx)) {
    history.push({ from: prev, to: earlier.code, at });
    prev = earlier.code;
    at = cal.addWorkingDays(at, 3);
  }
  history.push({ from: prev, to: s.code, at: entered });
  return {
    stage: s.code, status: s.payment ? 'approved' : 'in_review', stageEnteredAt: entered,
    dueAt: s.days && s.unit ? cal.dueDate(entered, s.days, s.unit) : null,
    rejectionReason: null, paidAt: null, paymentPlace: null, paymentMethod: null, decisionNo: s.payment ? decisionNo : null, history,
  };
}

function wantSample(samples: Sample[], program: string, group: string, status: string, yearOnly: boolean): boolean {
  // Always keep one person listed with a birth year only, per program, for trying that path.
  if (yearOnly && !samples.some((s) => s.program === program && /^\d{4}$/.test(s.dateOfBirth))) return true;
  if (samples.length >= 48) return false;
  const same = samples.filter((s) => s.program === program && s.group === group && s.status === status).length;
  return same < 1 || (same < 3 && samples.length < 24);
}

async function writeBatch(sql: SqlRunner, persons: PersonRow[], ents: EntRow[]): Promise<number> {
  return sql.transaction(async (tx) => {
    const inserted = await tx.query<{ id: number; idHash: string }>(
      `INSERT INTO "Person" ("idHash", "idLast", "idKind", "fullName", "birthDate", "birthYear", gender, "communeId", "phoneHash", "phoneCipher", "householdRef", "updatedAt")
       SELECT h, l, 'cccd', n, b, y, g, c, ph, pc, hr, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[]) AS t(h, l, n, b, y, g, c, ph, pc, hr)
       RETURNING id, "idHash"`,
      [
        persons.map((p) => p.idHash), persons.map((p) => p.idLast), persons.map((p) => p.fullName), persons.map((p) => p.birthDate),
        persons.map((p) => p.birthYear), persons.map((p) => p.gender), persons.map((p) => p.communeId), persons.map((p) => p.phoneHash),
        persons.map((p) => p.phoneCipher), persons.map((p) => p.householdRef),
      ],
    );
    const idByHash = new Map(inserted.map((row) => [row.idHash, row.id]));
    const personIds = ents.map((e) => idByHash.get(persons[e.personIdx]!.idHash)!);
    const entRows = await tx.query<{ id: number; personId: number }>(
      `INSERT INTO "Entitlement" ("personId", "programId", "groupId", "communeId", amount, "amountDetail", stage, status, "stageEnteredAt", "dueAt",
         "rejectionReason", "paidAt", "paymentPlace", "paymentMethod", "decisionNo", "updatedAt")
       SELECT p, pr, g, c, a, d, s, st, se, du, rr, pa, pp, pm, dn, now()
       FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::bigint[], $6::jsonb[], $7::text[], $8::text[], $9::date[], $10::date[],
                   $11::text[], $12::date[], $13::text[], $14::text[], $15::text[]) AS t(p, pr, g, c, a, d, s, st, se, du, rr, pa, pp, pm, dn)
       RETURNING id, "personId"`,
      [
        personIds, ents.map((e) => e.programId), ents.map((e) => e.groupId), ents.map((e) => e.communeId), ents.map((e) => e.amount),
        ents.map((e) => JSON.stringify(e.detail)), ents.map((e) => e.stage), ents.map((e) => e.status), ents.map((e) => e.stageEnteredAt),
        ents.map((e) => e.dueAt), ents.map((e) => e.rejectionReason), ents.map((e) => e.paidAt), ents.map((e) => e.paymentPlace),
        ents.map((e) => e.paymentMethod), ents.map((e) => e.decisionNo),
      ],
    );
    const entByPerson = new Map(entRows.map((row) => [row.personId, row.id]));
    const ev = { id: [] as number[], from: [] as (string | null)[], to: [] as string[], at: [] as string[] };
    ents.forEach((e, i) => {
      const entId = entByPerson.get(personIds[i]!)!;
      for (const h of e.history) {
        ev.id.push(entId);
        ev.from.push(h.from);
        ev.to.push(h.to);
        ev.at.push(`${h.at}T09:00:00+07:00`);
      }
    });
    await tx.query(
      `INSERT INTO "EntitlementEvent" ("entitlementId", "fromStage", "toStage", at, source)
       SELECT e, f, t, a, 'seed' FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[]) AS x(e, f, t, a)`,
      [ev.id, ev.from, ev.to, ev.at],
    );
    return ev.id.length;
  });
}

/** Removes every person and file (the demo seed replaces them). */
async function clearPeople(sql: SqlRunner) {
  await sql.exec(`TRUNCATE "EntitlementEvent", "Entitlement", "Person" RESTART IDENTITY CASCADE`);
}

async function provinceCommunes(sql: SqlRunner, province: string): Promise<Commune[]> {
  return sql.query<Commune>(
    `SELECT c.id, c.code, c.name || ', ' || d.name AS name, d.code AS "districtCode"
     FROM "Area" p JOIN "Area" d ON d."parentId" = p.id JOIN "Area" c ON c."parentId" = d.id
     WHERE p.code = $1 AND p.scheme = '2008' AND c.level = 'commune' ORDER BY c.code`,
    [province],
  );
}

/** Group code -> id for a program; '' -> the program id. */
async function groupIds(sql: SqlRunner, program: string): Promise<Map<string, number>> {
  const rows = await sql.query<{ pid: number; gid: number; code: string }>(
    `SELECT p.id AS pid, g.id AS gid, g.code FROM "Program" p JOIN "ProgramGroup" g ON g."programId" = p.id WHERE p.code = $1`,
    [program],
  );
  if (rows.length === 0) throw new UserError(`Program ${program} is not in the database.`, 'Run npx ansinh programs load first.');
  const m = new Map(rows.map((x) => [x.code, x.gid]));
  m.set('', rows[0]!.pid);
  return m;
}

const OTHER_PROVINCES = Object.keys(CCCD_PROVINCES);

/** A 12-digit number consistent with year and gender; registered in the home province 85% of the time. */
export function newIdNumber(r: Random, used: Set<string>, province: string, year: number, gender: Gender): string {
  for (;;) {
    const ppp = r.chance(0.85) ? `0${province}` : r.pick(OTHER_PROVINCES);
    const id = `${ppp}${centuryGenderDigit(year, gender)}${String(year % 100).padStart(2, '0')}${r.digits(6)}`;
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

export function mobile(r: Random): string {
  return r.pick(['03', '05', '07', '08', '09']) + r.digits(8);
}

function randomDate(r: Random, [from, to]: [LocalDate, LocalDate]): LocalDate {
  const span = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  return addDays(from, r.int(0, span));
}

function daysInMonth(y: number, m: number) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function pad(n: number) {
  return String(n).padStart(2, '0');
}

function writeSamples(file: string, samples: Sample[]) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify(
      {
        note: 'Demo people (synthetic). Give the ID number and the date of birth (or the year, when only the year is listed) to the bot.',
        people: samples,
      },
      null,
      2,
    ) + '\n',
    { mode: 0o600 },
  );
}
