/**
 * The shape of a program definition file (prisma/programs/*.yaml), validated with zod at
 * load. A definition is data, not code: amounts, eligibility predicates (read by the
 * self-check questionnaire), exclusivity, documents, where to submit, intake window and the
 * stage chain with owners and legal day limits. Facts not confirmed by a source carry
 * `unverified: true` or an entry in `unverified:` notes, and stay visible as such.
 */
import { z } from 'zod';
import { isLocalDate } from '../calendar/local-date.js';

const date = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z.string().refine(isLocalDate, 'must be a date YYYY-MM-DD'),
);
const text = z.string().trim().min(1);
const code = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _');

/** Who must act at a stage. */
export const OWNERS = [
  'citizen', 'commune', 'district', 'province', 'tax_office', 'social_insurance', 'employer',
  'employment_centre', 'health_facility', 'tourism_authority', 'culture_department', 'bank',
] as const;
export type Owner = (typeof OWNERS)[number];

/** The area tier whose officers own the backlog of a stage; null = outside the area tree. */
export const OWNER_LEVEL: Record<Owner, 'commune' | 'district' | 'province' | null> = {
  citizen: null,
  commune: 'commune',
  district: 'district',
  tax_office: 'district', // Chi cục Thuế is a district-level office
  social_insurance: 'district', // district social-insurance office
  health_facility: 'district',
  province: 'province',
  employment_centre: 'province',
  tourism_authority: 'province',
  culture_department: 'province',
  employer: null,
  bank: null,
};

const legalDoc = z.object({ doc: text, date, note: z.string().optional() }).strict();

const question = z
  .object({
    vi: text,
    en: text,
    type: z.enum(['boolean', 'number', 'choice']),
    /** For number questions: what is counted ("ngày", "tháng", "đồng"). */
    unit: z.string().optional(),
    options: z.array(z.object({ value: code, vi: text, en: text }).strict()).optional(),
  })
  .strict()
  .refine((q) => q.type !== 'choice' || (q.options?.length ?? 0) >= 2, 'a choice question needs at least 2 options');

/** One eligibility rule: a question and what the answer must be. */
const predicate = z
  .object({
    q: code,
    equals: z.union([z.boolean(), z.string()]).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    in: z.array(z.string()).optional(),
    /** Shown when the rule is not met. */
    reason: z.object({ vi: text, en: text }).strict(),
    unverified: z.boolean().optional(),
  })
  .strict()
  .refine((p) => [p.equals, p.min, p.max, p.in].some((x) => x !== undefined), 'a rule needs equals, min, max or in');

const amount = z
  .object({
    /** grant: money to the person; loan, relief, training: measures for employers. */
    kind: z.enum(['grant', 'loan', 'relief', 'training']).default('grant'),
    /** VND per unit (per person, household, household member or day). */
    value: z.number().int().nonnegative().optional(),
    unit: z.enum(['person', 'household', 'household_member', 'day', 'month']).default('person'),
    /** How many months or days the value is multiplied by at most. */
    periods: z.number().int().positive().optional(),
    periodUnit: z.enum(['month', 'day']).optional(),
    /** True when all periods are paid at once. */
    paidAtOnce: z.boolean(),
    /** Alternative fixed amounts (e.g. 3,710,000 for >= 1 month, 1,855,000 for 15 days to < 1 month). */
    tiers: z.array(z.object({ value: z.number().int().positive(), vi: text, en: text }).strict()).optional(),
    /** A paid amount may be below the full rate (partial months, local decisions). */
    prorated: z.boolean().default(false),
    /** The national text leaves the amount to each province (NQ68 item 12). */
    decidedByProvince: z.boolean().optional(),
    note: z.string().optional(),
    unverified: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.kind !== 'grant' || a.value !== undefined || a.decidedByProvince, 'a grant needs a value (or decidedByProvince: true)')
  .refine((a) => a.periods === undefined || a.periodUnit !== undefined, 'periods needs periodUnit');

const supplement = z
  .object({
    code,
    vi: text,
    en: text,
    value: z.number().int().positive(),
    /** person: once; child: per qualifying child. */
    per: z.enum(['person', 'child']),
    note: z.string().optional(),
  })
  .strict();

const stage = z
  .object({
    code,
    vi: text,
    en: text,
    owner: z.enum(OWNERS),
    /** Legal limit for this step; absent when the text sets none. */
    days: z.number().int().positive().optional(),
    unit: z.enum(['working', 'calendar']).optional(),
    /** The step that pays out; reaching it means the file was approved. */
    payment: z.boolean().optional(),
    unverified: z.boolean().optional(),
  })
  .strict()
  .refine((s) => (s.days === undefined) === (s.unit === undefined), 'days and unit go together');

const group = z
  .object({
    code,
    vi: text,
    en: text,
    /** Item of the legal text, e.g. "II.4" or "Điều 4". */
    section: z.string().optional(),
    /** Set for a group a province adds (two-digit province code, e.g. "80"). */
    province: z.string().regex(/^\d{2}$/).optional(),
    beneficiary: z.enum(['person', 'household', 'employer']).default('person'),
    amount,
    supplements: z.array(supplement).default([]),
    eligibility: z.array(predicate).default([]),
    /** Groups sharing a key exclude each other. */
    exclusivity: code.optional(),
    documents: z.array(z.object({ vi: text, en: text, form: z.string().optional() }).strict()).default([]),
    submitTo: z.object({ vi: text, en: text }).strict(),
    /** Last day to submit, when different from the program's. */
    deadline: date.optional(),
    deadlineUnverified: z.boolean().optional(),
    stages: z.array(stage).min(1),
    unverified: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((g, ctx) => {
    const seen = new Set<string>();
    g.stages.forEach((s, i) => {
      if (seen.has(s.code)) ctx.addIssue({ code: 'custom', path: ['stages', i, 'code'], message: `duplicate stage code ${s.code}` });
      seen.add(s.code);
      if (s.code === 'paid' || s.code === 'rejected') ctx.addIssue({ code: 'custom', path: ['stages', i, 'code'], message: `${s.code} is a final state, not a stage` });
    });
    if (g.amount.kind === 'grant' && !g.stages.some((s) => s.payment)) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'a grant needs one stage with payment: true' });
    }
  });

export const programSchema = z
  .object({
    code: z.string().regex(/^[A-Z0-9][A-Z0-9-]*$/, 'must be upper-case letters, digits and -'),
    vi: text,
    en: text,
    legalBasis: z.array(legalDoc).min(1),
    /** The period the support covers (e.g. 1/5-31/12/2021). */
    coverage: z.object({ from: date, to: date }).strict().optional(),
    intake: z
      .object({ opens: date, closes: date.optional(), unverified: z.boolean().optional(), note: z.string().optional() })
      .strict(),
    questions: z.record(code, question).default({}),
    groups: z.array(group).min(1),
    unverified: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.groups.forEach((g, i) => {
      if (seen.has(g.code)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'code'], message: `duplicate group code ${g.code}` });
      seen.add(g.code);
      g.eligibility.forEach((r, j) => {
        if (!p.questions[r.q]) {
          ctx.addIssue({ code: 'custom', path: ['groups', i, 'eligibility', j, 'q'], message: `unknown question "${r.q}" (define it under questions)` });
        }
      });
    });
  });

/** A province's additions to a national program, in its own file. */
export const variantSchema = z
  .object({
    extends: z.string(),
    province: z.string().regex(/^\d{2}$/),
    vi: text,
    en: text,
    legalBasis: z.array(legalDoc).min(1),
    questions: z.record(code, question).default({}),
    groups: z.array(group).min(1),
    unverified: z.array(z.string()).default([]),
  })
  .strict();

export type ProgramDefinition = z.infer<typeof programSchema>;
export type GroupDefinition = ProgramDefinition['groups'][number];
export type StageDefinition = GroupDefinition['stages'][number];
export type VariantDefinition = z.infer<typeof variantSchema>;
