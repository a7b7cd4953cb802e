/**
 * One row of a list, checked with zod: each column parsed by its reader (values.ts), then the
 * checks across columns: the CCCD's province, century/gender digit and year against the date
 * of birth and gender; the amount against the group's rule; the commune against the group's
 * province; dates not in the future. Every problem names its column and says what to do.
 */
import { z } from 'zod';
import { checkIdNumber, hashIdNumber, idLastDigits, type Gender } from '../people/id-number.js';
import { encryptPhone, hashPhone, normalisePhone, type Keys } from '../shared/secrets.js';
import { formatVnd } from '../shared/format.js';
import { formatVi, type LocalDate } from '../calendar/local-date.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { CANONICAL, type Field, type HeaderMap } from './columns.js';
import { cellProblem, cellText, isBlank, parseDate, parseGender, parseIdCell, parseName, parseVnd, type DateValue, type Parsed, type RawCell } from './values.js';
import { communeByName, labelKey, type CommuneInfo, type GroupInfo, type ImportContext } from './context.js';
import type { RowIssue } from './errors.js';

/** A row ready for staging: no clear ID number, the phone encrypted. */
export interface StagedRow {
  rowNo: number;
  idHash: string;
  idLast: string;
  idKind: 'cccd' | 'cmnd';
  fullName: string;
  birthDate: LocalDate | null;
  birthYear: number;
  gender: Gender | null;
  communeId: number;
  phoneHash: string | null;
  phoneCipher: string | null;
  groupId: number;
  exclusivity: string | null;
  amount: number;
  stage: string;
  stageGiven: boolean;
  status: 'in_review' | 'approved' | 'paid' | 'rejected';
  dueAt: LocalDate | null;
  paidAt: LocalDate | null;
  paymentPlace: string | null;
  reason: string | null;
  externalId: string | null;
}

export interface RowDeps {
  ctx: ImportContext;
  keys: Keys;
  calendar: WorkingCalendar;
  today: LocalDate;
}

/** Cells by field for one row (absent columns are undefined). */
export type RowInput = Partial<Record<Field, RawCell>>;

export function rowInput(header: HeaderMap, cells: readonly RawCell[]): RowInput {
  const out: RowInput = {};
  for (const [f, i] of Object.entries(header.columns) as [Field, number][]) out[f] = cells[i] ?? null;
  return out;
}

/** A zod field from one of our parsers: parse failures become issues on that field. */
function cell<T>(parse: (c: RawCell) => Parsed<T>, opts: { required?: string } = {}) {
  return z.custom<RawCell>().optional().transform((c, ctx): T | null => {
    if (c === undefined || isBlank(c)) {
      if (opts.required) ctx.addIssue({ code: 'custom', message: opts.required });
      return null;
    }
    const problem = cellProblem(c);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return null;
    }
    const p = parse(c);
    if (!p.ok) {
      ctx.addIssue({ code: 'custom', message: p.reason });
      return null;
    }
    return p.value;
  });
}

const text = (max: number) => (c: RawCell): Parsed<string> => {
  const t = cellText(c).replace(/\s+/g, ' ');
  return t.length > max ? { ok: false, reason: `Dài quá ${max} ký tự.` } : { ok: true, value: t };
};

const ID_PROBLEMS: Record<string, (d: { digits: string; year?: number; birthYear: number; gender?: Gender; given?: Gender | null }) => string> = {
  province: (d) => `Ba chữ số đầu ${d.digits.slice(0, 3)} không phải mã tỉnh nơi đăng ký khai sinh; kiểm tra lại số CCCD.`,
  future: (d) => `Số CCCD mã hóa năm sinh ${d.year}, ở tương lai; kiểm tra lại số CCCD.`,
  year_mismatch: (d) => `Số CCCD mã hóa năm sinh ${d.year}, khác năm sinh ${d.birthYear} trong cột Ngày sinh.`,
  gender_mismatch: (d) => `Chữ số thứ 4 của số CCCD cho giới tính ${d.gender === 'F' ? 'Nữ' : 'Nam'}, khác cột Giới tính (${d.given === 'F' ? 'Nữ' : 'Nam'}).`,
};

/** Amounts a group allows: its rule, tiers, periods and supplements. */
export function amountRule(g: GroupInfo): { ok(n: number): boolean; describe: string } {
  const a = g.def.amount;
  if (a.kind !== 'grant') return { ok: (n) => n >= 0 && n <= 1_000_000_000, describe: 'từ 0 đ đến 1.000.000.000 đ' };
  if (a.value === undefined) return { ok: (n) => n > 0 && n <= 100_000_000, describe: 'từ 1 đ đến 100.000.000 đ (mức do tỉnh quyết định)' };
  const bases = [a.value, ...(a.tiers ?? []).map((t) => t.value)];
  const maxPeriods = a.periods ?? 1;
  const once = g.def.supplements.filter((s) => s.per === 'person').map((s) => s.value);
  const perChild = g.def.supplements.filter((s) => s.per === 'child').map((s) => s.value);
  const supplementMax = once.reduce((x, y) => x + y, 0) + perChild.reduce((x, y) => x + y * 6, 0);
  const max = Math.max(...bases) * maxPeriods + supplementMax;
  if (a.prorated) return { ok: (n) => n > 0 && n <= max, describe: `từ 1 đ đến ${formatVnd(max)}` };
  const allowed = new Set<number>();
  let extras = [0];
  for (const v of once) extras = [...extras, ...extras.map((e) => e + v)];
  for (const v of perChild) extras = extras.flatMap((e) => [0, 1, 2, 3, 4, 5, 6].map((k) => e + k * v));
  for (const b of bases) for (let p = 1; p <= maxPeriods; p++) for (const e of extras) allowed.add(b * p + e);
  const shown = bases.map((b) => formatVnd(b * maxPeriods)).join(' hoặc ');
  return { ok: (n) => allowed.has(n), describe: `${shown}${supplementMax ? ' (cộng phần hỗ trợ thêm nếu có)' : ''}` };
}

/** Builds the row schema for one import. */
export function rowSchema(deps: RowDeps) {
  const { ctx, today } = deps;
  const currentYear = Number(today.slice(0, 4));
  const rules = new Map(ctx.groups.map((g) => [g.id, amountRule(g)]));
  const byCode = (c: RawCell): Parsed<CommuneInfo> => {
    const code = typeof c === 'number' ? String(c).padStart(5, '0') : cellText(c).replace(/\s/g, '');
    const found = ctx.communeByCode.get(code);
    if (found) {
      if (ctx.province && found.provinceCode !== ctx.province.code) return { ok: false, reason: `Xã ${code} (${found.name}) thuộc tỉnh khác, không thuộc ${ctx.province.name}.` };
      return { ok: true, value: found };
    }
    if (ctx.newSchemeCodes.has(code)) return { ok: false, reason: `Mã ${code} thuộc danh mục đơn vị hành chính từ 01/07/2025; hồ sơ của chương trình này dùng mã xã trước sắp xếp (5 chữ số).` };
    return { ok: false, reason: /^\d{5}$/.test(code) ? `Không có xã mã ${code} trong danh mục.` : `"${cellText(c)}" không phải mã xã (5 chữ số).` };
  };
  const byName = (c: RawCell): Parsed<CommuneInfo> => {
    const r = communeByName(ctx, cellText(c));
    return r.commune ? { ok: true, value: r.commune } : { ok: false, reason: r.reason! };
  };
  const group = (c: RawCell): Parsed<GroupInfo> => {
    const g = ctx.groupByKey.get(labelKey(cellText(c)));
    return g ? { ok: true, value: g } : { ok: false, reason: `Không có nhóm "${cellText(c)}" trong chương trình ${ctx.program.code}; dùng mã nhóm (ví dụ ${ctx.groups.slice(0, 2).map((x) => x.code).join(', ')}) hoặc tên nhóm.` };
  };

  return z
    .object({
      fullName: cell(parseName, { required: 'Thiếu họ và tên.' }),
      birthDate: cell((c) => parseDate(c, { yearOnly: true, today }), { required: 'Thiếu ngày sinh.' }),
      gender: cell(parseGender),
      idNumber: cell(parseIdCell, { required: 'Thiếu số CCCD/CMND.' }),
      phone: cell((c): Parsed<string> => {
        const p = normalisePhone(typeof c === 'number' ? `0${c}` : cellText(c));
        return p ? { ok: true, value: p } : { ok: false, reason: `"${cellText(c)}" không phải số điện thoại Việt Nam (10 chữ số, bắt đầu bằng 0).` };
      }),
      communeCode: cell(byCode),
      communeName: cell(byName),
      group: cell(group, { required: 'Thiếu nhóm đối tượng.' }),
      amount: cell(parseVnd),
      stage: cell(text(200)),
      paidAt: cell((c) => parseDate(c, { today })),
      paymentPlace: cell(text(200)),
      reason: cell(text(500)),
      externalId: cell((c): Parsed<string> => {
        const t = cellText(c);
        return /^[\p{L}\p{N}._\/-]{1,64}$/u.test(t) ? { ok: true, value: t } : { ok: false, reason: 'Mã hồ sơ chỉ gồm chữ, số và . _ / - (tối đa 64 ký tự).' };
      }),
    })
    .transform((r, zctx) => {
      const issue = (path: Field, message: string) => zctx.addIssue({ code: 'custom', path: [path], message });
      const commune = r.communeCode ?? r.communeName;
      if (!commune) issue('communeCode', 'Thiếu xã (cột Mã xã hoặc Xã/Phường).');
      const g = r.group;
      const birth = r.birthDate as DateValue | null;
      if (r.idNumber && birth) {
        const check = checkIdNumber(r.idNumber, { currentYear, birthYear: birth.year, gender: r.gender ?? undefined });
        for (const p of check.problems) if (p !== 'format') issue('idNumber', ID_PROBLEMS[p]!({ digits: check.digits, year: check.birthYear, birthYear: birth.year, gender: check.gender, given: r.gender }));
      }
      let stage: string | null = null;
      if (g) {
        stage = r.stage === null ? g.firstStage : (g.stageByKey.get(labelKey(r.stage)) ?? null);
        if (!stage) issue('stage', `Nhóm ${g.code} không có trạng thái "${r.stage}"; dùng một trong: ${[...g.stages.map((s) => s.vi), 'Đã chi trả', 'Từ chối'].join('; ')}.`);
        if (g.province && commune && commune.provinceCode !== g.province) issue('group', `Nhóm ${g.code} chỉ dành cho người ở tỉnh mã ${g.province}.`);
        if (r.amount !== null && !rules.get(g.id)!.ok(r.amount)) issue('amount', `Số tiền ${formatVnd(r.amount)} không đúng mức của nhóm ${g.code}: ${rules.get(g.id)!.describe}.`);
        if (r.amount === null && g.def.amount.value === undefined && g.def.amount.kind === 'grant') issue('amount', `Nhóm ${g.code} không có mức cố định; cần ghi số tiền.`);
      }
      const paidAt = r.paidAt as DateValue | null;
      if (paidAt?.date && birth && paidAt.date < (birth.date ?? `${birth.year}-01-01`)) issue('paidAt', 'Ngày chi trả trước ngày sinh.');
      if (!g || !stage || !commune || !r.idNumber || !birth || !r.fullName) return z.NEVER;
      const s = g.stages.find((x) => x.code === stage);
      const status = stage === 'paid' ? 'paid' : stage === 'rejected' ? 'rejected' : s?.payment ? 'approved' : 'in_review';
      const idKind = r.idNumber.length === 12 ? ('cccd' as const) : ('cmnd' as const);
      const gender = r.gender ?? (idKind === 'cccd' ? checkIdNumber(r.idNumber, { currentYear }).gender ?? null : null);
      const amount = r.amount ?? (g.def.amount.value !== undefined ? g.def.amount.value * (g.def.amount.periods ?? 1) : 0);
      return {
        rowNo: 0,
        idHash: hashIdNumber(deps.keys.id, r.idNumber),
        idLast: idLastDigits(r.idNumber),
        idKind,
        fullName: r.fullName,
        birthDate: birth.date,
        birthYear: birth.year,
        gender,
        communeId: commune.id,
        phoneHash: r.phone ? hashPhone(deps.keys, r.phone) : null,
        phoneCipher: r.phone ? encryptPhone(deps.keys, r.phone) : null,
        groupId: g.id,
        exclusivity: g.exclusivity,
        amount,
        stage,
        stageGiven: r.stage !== null,
        status,
        dueAt: s?.days && s.unit ? deps.calendar.dueDate(today, s.days, s.unit) : null,
        paidAt: status === 'paid' ? (paidAt?.date ?? today) : null,
        paymentPlace: status === 'paid' ? r.paymentPlace : null,
        reason: status === 'rejected' ? r.reason : null,
        externalId: r.externalId,
      } satisfies StagedRow;
    });
}

export type RowSchema = ReturnType<typeof rowSchema>;

/** Masks what must not sit in an error file in clear: ID numbers and phones keep their last 3 digits. */
export function maskedValue(field: Field | null, c: RawCell | undefined): string {
  const t = c === undefined ? '' : cellText(c);
  if (field === 'idNumber' || field === 'phone') return t.length > 3 ? `${'*'.repeat(Math.min(9, t.length - 3))}${t.slice(-3)}` : t;
  return t.slice(0, 100);
}

/** Checks one row: the staged row, or its issues (errors), plus warnings. */
export function checkRow(schema: RowSchema, header: HeaderMap, rowNo: number, input: RowInput): { row?: StagedRow; issues: RowIssue[] } {
  const r = schema.safeParse(input);
  const issues: RowIssue[] = [];
  const column = (f: Field | null) => (f && header.columns[f] !== undefined ? header.labels[header.columns[f]!]! : f ? CANONICAL[f] : '');
  if (!r.success) {
    for (const i of r.error.issues) {
      const f = (i.path[0] as Field | undefined) ?? null;
      issues.push({ row: rowNo, column: column(f), value: maskedValue(f, f ? input[f] : undefined), reason: i.message, severity: 'error' });
    }
    return { issues };
  }
  const row = { ...r.data, rowNo };
  if (input.paidAt !== undefined && !isBlank(input.paidAt ?? null) && row.status !== 'paid') {
    issues.push({ row: rowNo, column: column('paidAt'), value: maskedValue('paidAt', input.paidAt), reason: 'Có ngày chi trả nhưng trạng thái chưa phải "Đã chi trả"; ngày này không được ghi.', severity: 'warning' });
  }
  if (row.status === 'paid' && (input.paidAt === undefined || isBlank(input.paidAt ?? null))) {
    issues.push({ row: rowNo, column: column('paidAt'), value: '', reason: `Đã chi trả nhưng thiếu ngày chi trả; ghi ngày nhập ${formatVi(row.paidAt!)}.`, severity: 'warning' });
  }
  return { row, issues };
}

