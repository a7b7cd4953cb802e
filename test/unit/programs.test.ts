import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProgramDefinitions } from '../../src/programs/loader.js';
import { describeProgram } from '../../src/programs/program.service.js';
import { computeAmount, maxBaseAmount } from '../../src/programs/amounts.js';
import { UserError } from '../../src/shared/errors.js';
import { PROGRAMS_DIR } from '../helpers/db.js';

const defs = loadProgramDefinitions(PROGRAMS_DIR);
const nq42 = defs.find((d) => d.code === 'NQ42-2020')!;
const nq68 = defs.find((d) => d.code === 'NQ68-2021')!;
const group = (p: typeof nq42, code: string) => p.groups.find((g) => g.code === code)!;

describe('program definitions', () => {
  it('should define every NQ42-2020 group from policy.md (7 groups + employer loans)', () => {
    expect(nq42.groups.map((g) => g.code)).toEqual([
      'g1-unpaid-leave', 'g2-household-business', 'g3-contract-ended', 'g4-freelancer',
      'g5-merit', 'g6-social-protection', 'g7-poor-household', 'g8-employer-loan',
    ]);
    expect(group(nq42, 'g1-unpaid-leave').amount).toMatchObject({ value: 1_800_000, periods: 3, periodUnit: 'month', paidAtOnce: false });
    expect(group(nq42, 'g7-poor-household').amount).toMatchObject({ value: 250_000, unit: 'household_member', paidAtOnce: true });
  });

  it('should define all 12 NQ68 policies, with item 7 split into F0, F1 and children', () => {
    const sections = new Set(nq68.groups.filter((g) => !g.province).map((g) => g.section));
    expect(sections.size).toBe(12);
  });

  it('should give NQ68 item 4 its tiers and supplements', () => {
    const g = group(nq68, 'i4-suspended-contract');
    expect(g.amount.tiers?.map((t) => t.value)).toEqual([3_710_000, 1_855_000]);
    expect(g.supplements.map((s) => [s.code, s.value, s.per])).toEqual([['pregnant', 1_000_000, 'person'], ['child_under_6', 1_000_000, 'child']]);
    expect(g.exclusivity).toBe('nq68-worker');
  });

  it('should give household businesses the 9-working-day chain commune 3 → tax 2 → district 2 → province 2', () => {
    const g = group(nq68, 'i10-household-business');
    expect(g.stages.map((s) => [s.owner, s.days, s.unit])).toEqual([
      ['commune', 3, 'working'], ['tax_office', 2, 'working'], ['district', 2, 'working'], ['province', 2, 'working'], ['commune', undefined, undefined],
    ]);
    expect(g.deadline).toBe('2022-01-31');
  });

  it('should keep day units apart: NQ42 household businesses use calendar days at the commune', () => {
    expect(group(nq42, 'g2-household-business').stages[0]).toMatchObject({ days: 5, unit: 'calendar' });
  });

  it('should keep unverified facts marked', () => {
    expect(group(nq42, 'g5-merit').stages.every((s) => s.unverified)).toBe(true);
    expect(nq42.intake.unverified).toBe(true);
    expect(group(nq68, 'i8-artists').amount.unverified).toBe(true);
  });

  it("should merge Long An's variant into NQ68 as a provincial group", () => {
    const g = group(nq68, 'la-freelancer');
    expect(g.province).toBe('80');
    expect(g.amount.value).toBe(750_000);
    expect(nq68.legalBasis.map((l) => l.doc)).toContain('Quyết định 6652/QĐ-UBND tỉnh Long An');
    expect(nq68.questions.la_job_lost).toBeDefined();
  });

  it('should reference only defined questions from eligibility rules', () => {
    for (const p of defs) for (const g of p.groups) for (const r of g.eligibility) expect(p.questions[r.q], `${p.code}/${g.code}/${r.q}`).toBeDefined();
  });

  it('should describe a program for `programs show --json` with stage owners mapped to area levels', () => {
    const view = describeProgram(nq68);
    const hkd = view.groups.find((g) => g.code === 'i10-household-business')!;
    expect(hkd.stages[1]).toMatchObject({ seq: 2, owner: 'tax_office', ownerLevel: 'district', dayLimit: 2, dayUnit: 'working' });
    expect(hkd.eligibility[0]!.question?.vi).toMatch(/Hộ kinh doanh/);
  });
});

describe('computeAmount', () => {
  it('should multiply by periods and add supplements', () => {
    expect(computeAmount(group(nq42, 'g7-poor-household')).total).toBe(750_000);
    expect(computeAmount(group(nq42, 'g1-unpaid-leave'), { periods: 2 }).total).toBe(3_600_000);
    expect(computeAmount(group(nq68, 'i4-suspended-contract'), { tier: 1_855_000, supplements: { pregnant: 1, child_under_6: 2 } }).total).toBe(4_855_000);
  });

  it('should refuse what the group does not allow', () => {
    expect(() => computeAmount(group(nq42, 'g1-unpaid-leave'), { periods: 4 })).toThrow(/periods/);
    expect(() => computeAmount(group(nq68, 'i4-suspended-contract'), { tier: 2_000_000 })).toThrow(/tier/);
    expect(() => computeAmount(group(nq68, 'i10-household-business'), { supplements: { pregnant: 1 } })).toThrow(/supplement/);
  });

  it('should know the maximum base amount', () => {
    expect(maxBaseAmount(group(nq68, 'i7-f0-food'))).toBe(80_000 * 45);
    expect(maxBaseAmount(group(nq68, 'i12-freelancer'))).toBeUndefined();
  });
});

describe('bad program files', () => {
  function dirWith(files: Record<string, string>, withBase = false) {
    const dir = mkdtempSync(join(tmpdir(), 'ansinh-programs-'));
    if (withBase) copyFileSync(join(PROGRAMS_DIR, 'NQ68-2021.yaml'), join(dir, 'NQ68-2021.yaml'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }
  const fail = (dir: string) => {
    try {
      loadProgramDefinitions(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as UserError).message;
    }
    throw new Error('expected a failure');
  };

  it('should name the file, the path and the reason', () => {
    const dir = dirWith({}, true);
    const f = join(dir, 'NQ68-2021.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('unit: "working" }', 'unit: "weekdays" }'));
    const msg = fail(dir);
    expect(msg).toMatch(/NQ68-2021\.yaml: groups\[\d+\]\.stages\[\d+\]\.unit: /);
  });

  it('should report YAML syntax errors with the file name', () => {
    expect(fail(dirWith({ 'broken.yaml': 'code: [unclosed' }))).toMatch(/broken\.yaml: not valid YAML/);
  });

  it('should report an unknown question and a missing payment stage', () => {
    const msg = fail(dirWith({
      'X.yaml': `code: X-1\nvi: x\nen: x\nlegalBasis: [{ doc: d, date: 2021-01-01 }]\nintake: { opens: 2021-01-01 }\ngroups:\n  - code: a\n    vi: a\n    en: a\n    amount: { value: 1, paidAtOnce: true }\n    eligibility: [{ q: nope, equals: true, reason: { vi: r, en: r } }]\n    submitTo: { vi: s, en: s }\n    stages: [{ code: s1, vi: s, en: s, owner: commune }]\n`,
    }));
    expect(msg).toMatch(/groups\[0\]\.stages: a grant needs one stage with payment: true/);
    expect(msg).toMatch(/groups\[0\]\.eligibility\[0\]\.q: unknown question "nope"/);
  });

  it('should refuse a variant of an unknown program', () => {
    expect(fail(dirWith({ 'v.yaml': 'extends: NOPE\nprovince: "80"\nvi: v\nen: v\nlegalBasis: [{ doc: d, date: 2021-01-01 }]\ngroups: []\n' }))).toMatch(/v\.yaml: (extends: unknown program|groups)/);
  });
});
