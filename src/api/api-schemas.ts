/**
 * The integration API's contract as zod schemas: they validate requests, shape responses and
 * are turned into the OpenAPI document. Request objects are strict (an unknown or misspelt field
 * is a 400, not silently dropped); rows are checked here for shape only (strings, numbers,
 * lengths): their meaning is the import's to check.
 */
import { z } from 'zod';
import { isLocalDate } from '../calendar/local-date.js';

/** Rows per bulk request. */
export const MAX_BULK_ROWS = 5_000;
/** Bytes per bulk request body (5,000 typical rows are about 2 MB). */
export const MAX_BULK_BYTES = 8 * 1024 * 1024;

const str = (max: number) => z.string().max(max);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD').refine(isLocalDate, 'not a valid date');

export const programParams = z.object({
  program: str(40).min(1).describe('Program code, e.g. NQ68-2021'),
});

export const stageParams = programParams.extend({
  externalId: str(64).min(1).describe("The file's id in the provincial system (Entitlement.externalId, unique per program)"),
});

export const setStageBody = z
  .strictObject({
    stage: str(60).trim().min(1).describe("A stage code of the file's group (see `ansinh programs show <code>`), or paid / rejected"),
    reason: str(500).nullish().describe('Why, for stage rejected'),
    paymentPlace: str(200).nullish().describe('Where it was paid, for stage paid'),
    paymentMethod: str(100).nullish().describe('How it was paid (cash, bank transfer...), for stage paid'),
    decisionNo: str(100).nullish().describe('Decision number, e.g. 123/QĐ-UBND'),
    paidAt: date.nullish().describe('Day of payment (YYYY-MM-DD), for stage paid; default today'),
    note: str(500).nullish().describe("Kept in the file's history"),
  })
  .superRefine((b, ctx) => {
    for (const f of ['paidAt', 'paymentPlace', 'paymentMethod'] as const) {
      if (b[f] && b.stage !== 'paid') ctx.addIssue({ code: 'custom', path: [f], message: `${f} is only accepted with stage "paid"` });
    }
    if (b.reason && b.stage !== 'rejected') ctx.addIssue({ code: 'custom', path: ['reason'], message: 'reason is only accepted with stage "rejected"' });
  });

export const setStageResponse = z.object({
  entitlementId: z.number().int().describe("ansinh's id of the file"),
  externalId: z.string(),
  fromStage: z.string(),
  toStage: z.string(),
  changed: z.boolean().describe('False when the file already was at that stage: nothing written, nobody notified'),
});

const cell = (max: number) => str(max).nullish();

export const bulkRow = z
  .strictObject({
    fullName: cell(200).describe('Họ và tên'),
    birthDate: cell(40).describe('dd/mm/yyyy, yyyy-mm-dd, or yyyy when only the year is known'),
    gender: cell(20).describe('Nam / Nữ (M / F)'),
    idNumber: cell(40).describe('CCCD (12 digits) or CMND (9), as a string: a JSON number would lose the leading 0'),
    phone: cell(40),
    communeCode: cell(10).describe("Required: the 5-digit commune code in force before 1 July 2025, inside the key's area"),
    communeName: cell(200).describe('Not accepted alone: give communeCode'),
    group: cell(200).describe("The group's code or name"),
    amount: z.union([z.number(), str(40)]).nullish().describe("VND, a number or text such as 1.500.000; default: the group's amount"),
    stage: cell(200).describe("A stage code or label; default: the group's first stage"),
    paidAt: cell(40).describe('Day of payment, for paid'),
    paymentPlace: cell(200),
    reason: cell(500).describe('Why, for rejected'),
    externalId: cell(64).describe("The file's id in the provincial system (letters, digits, . _ / -)"),
  })
  .describe('One beneficiary row, as a line of an imported list');

export const bulkBody = z.strictObject({
  rows: z.array(bulkRow).min(1).max(MAX_BULK_ROWS),
  partial: z.boolean().optional().describe('Write the good rows even when others have errors (default: all or nothing)'),
  dryRun: z.boolean().optional().describe('Check and count everything, write nothing'),
});

const changes = z.object({
  peopleCreated: z.number().int(),
  peopleUpdated: z.number().int(),
  filesCreated: z.number().int(),
  stageChanges: z.number().int(),
  filesUpdated: z.number().int(),
  unchanged: z.number().int(),
});

export const bulkIssue = z.object({
  index: z.number().int().nullable().describe('0-based index in rows; null for the request as a whole'),
  field: z.string().nullable(),
  column: z.string().describe('The column name the import uses (Vietnamese)'),
  value: z.string().describe('The value, ID numbers and phones masked'),
  reason: z.string().describe("What is wrong and what to do (Vietnamese for the import's own checks)"),
  severity: z.enum(['error', 'warning']),
});

export const bulkResponse = z.object({
  importId: z.number().int().nullable().describe('The import batch; null when refused before importing (area checks)'),
  program: z.string(),
  status: z.enum(['committed', 'rejected', 'checked', 'failed']).describe('committed; rejected (errors, nothing written); checked (dry run); failed'),
  dryRun: z.boolean(),
  partial: z.boolean(),
  rows: z.number().int(),
  okRows: z.number().int(),
  errorRows: z.number().int(),
  warnings: z.number().int(),
  changes,
  fatal: z.string().nullable(),
  issues: z.array(bulkIssue).describe('The first 100 problems'),
  previous: z.object({ importId: z.number().int(), at: z.string() }).nullable().describe('The same rows were committed before'),
});

export const reportQuery = z.object({
  area: z.string().regex(/^\d{2,5}$/, 'expected a 2-, 3- or 5-digit area code').optional().describe("Pre-2025 area code within the key's area; default: the key's area"),
});

const area = z.object({ code: z.string(), name: z.string() });
const figures = {
  people: z.number().int(),
  approved: z.number().int(),
  approvedAmount: z.number(),
  paid: z.number().int(),
  paidAmount: z.number(),
  paidPercent: z.number().describe('paid / approved × 100, one decimal'),
};

export const reportResponse = z.object({
  program: z.string(),
  area,
  asOf: z.string(),
  rows: z.array(z.object({ area, group: z.string(), groupName: z.string(), ...figures })),
  total: z.object(figures),
});

export const errorResponse = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
});
