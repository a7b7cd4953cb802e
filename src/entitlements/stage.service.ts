/**
 * Moving files along their stage chain. Every writer (the CLI, imports, the integration API,
 * the admin console) goes through `changeStages`, which in ONE transaction updates the files,
 * appends their history and writes a `stage_changed` outbox row per change, so a notification
 * can never be lost or sent for a change that rolled back. Set-based: a whole batch costs a
 * handful of statements, not one round trip per file.
 */
import type { SqlRunner } from '../db/sql.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { localDateAt, type LocalDate } from '../calendar/local-date.js';
import { UserError } from '../shared/errors.js';

/** The two final states every chain ends in, besides its own stages. */
export const FINAL_STAGES = ['paid', 'rejected'] as const;

export interface StageChange {
  entitlementId: number;
  /** A stage code of the file's group, or `paid` / `rejected`. */
  toStage: string;
  reason?: string | null;
  paymentPlace?: string | null;
  paymentMethod?: string | null;
  decisionNo?: string | null;
  note?: string | null;
  /** The day a payment was made, when it is not the day of the change (imports). */
  paidAt?: LocalDate | null;
}

export interface ChangeContext {
  /** import | api | admin | cli | ... (kept in the file's history). */
  source: string;
  actor?: string | null;
  at: Date;
}

export interface StageChangeResult {
  entitlementId: number;
  fromStage: string;
  toStage: string;
  /** False when the file already was at that stage (nothing written, nobody notified). */
  changed: boolean;
  eventId?: string;
}

export interface StageChangePayload {
  entitlementId: number;
  eventId: string;
  personId: number;
  fromStage: string;
  toStage: string;
}

interface StageRow {
  groupId: number;
  code: string;
  payment: boolean;
  dayLimit: number | null;
  dayUnit: 'working' | 'calendar' | null;
}

/** Thrown for a change that names a stage the file's group does not have. */
export class UnknownStageError extends UserError {
  constructor(readonly entitlementId: number, readonly stage: string, readonly known: string[]) {
    super(`File ${entitlementId} has no stage "${stage}".`, `Stages of its group: ${[...known, ...FINAL_STAGES].join(', ')}.`);
  }
}

export async function changeStages(sql: SqlRunner, calendar: WorkingCalendar, changes: StageChange[], ctx: ChangeContext): Promise<StageChangeResult[]> {
  if (changes.length === 0) return [];
  return sql.transaction((tx) => changeStagesIn(tx, calendar, changes, ctx));
}

/** `changeStages` inside a transaction the caller holds (an import commits files and changes together). */
export async function changeStagesIn(tx: SqlRunner, calendar: WorkingCalendar, changes: StageChange[], ctx: ChangeContext): Promise<StageChangeResult[]> {
  if (changes.length === 0) return [];
  const today: LocalDate = localDateAt(ctx.at);
  const ids = [...new Set(changes.map((c) => c.entitlementId))];
  const files = await tx.query<{ id: number; stage: string; groupId: number; personId: number }>(
    `SELECT id, stage, "groupId", "personId" FROM "Entitlement" WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  const byId = new Map(files.map((f) => [f.id, f]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new UserError(`No file with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}.`);
  const stages = await tx.query<StageRow>(
    `SELECT "groupId", code, payment, "dayLimit", "dayUnit" FROM "Stage" WHERE "groupId" = ANY($1::int[]) ORDER BY "groupId", seq`,
    [[...new Set(files.map((f) => f.groupId))]],
  );
  const stagesOf = (groupId: number) => stages.filter((s) => s.groupId === groupId);

  const results: StageChangeResult[] = [];
  const rows: { id: number; stage: string; status: string; dueAt: LocalDate | null; c: StageChange; from: string; personId: number }[] = [];
  const current = new Map(files.map((f) => [f.id, f.stage]));
  for (const c of changes) {
    const f = byId.get(c.entitlementId)!;
    const from = current.get(f.id)!;
    const chain = stagesOf(f.groupId);
    const s = chain.find((x) => x.code === c.toStage);
    if (!s && !(FINAL_STAGES as readonly string[]).includes(c.toStage)) throw new UnknownStageError(f.id, c.toStage, chain.map((x) => x.code));
    if (from === c.toStage) {
      results.push({ entitlementId: f.id, fromStage: from, toStage: c.toStage, changed: false });
      continue;
    }
    const status = c.toStage === 'paid' ? 'paid' : c.toStage === 'rejected' ? 'rejected' : s!.payment ? 'approved' : 'in_review';
    const dueAt = s?.dayLimit && s.dayUnit ? calendar.dueDate(today, s.dayLimit, s.dayUnit) : null;
    rows.push({ id: f.id, stage: c.toStage, status, dueAt, c, from, personId: f.personId });
    results.push({ entitlementId: f.id, fromStage: from, toStage: c.toStage, changed: true });
    current.set(f.id, c.toStage);
  }
  if (rows.length === 0) return results;

  // A file changed twice in one batch keeps its last state; every step stays in its history.
  const last = new Map(rows.map((r) => [r.id, r]));
  const finals = [...last.values()];
  await tx.query(
    `UPDATE "Entitlement" e SET stage = u.stage, status = u.status, "stageEnteredAt" = COALESCE(u.paid, $2::date), "dueAt" = u.due,
       "rejectionReason" = CASE WHEN u.status = 'rejected' THEN u.reason ELSE NULL END,
       "paidAt" = CASE WHEN u.status = 'paid' THEN COALESCE(u.paid, $2::date) ELSE NULL END,
       "paymentPlace" = CASE WHEN u.status = 'paid' THEN COALESCE(u.place, e."paymentPlace") ELSE e."paymentPlace" END,
       "paymentMethod" = CASE WHEN u.status = 'paid' THEN COALESCE(u.method, e."paymentMethod") ELSE e."paymentMethod" END,
       "decisionNo" = COALESCE(u.decision, e."decisionNo"), "updatedAt" = $3
     FROM unnest($1::int[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[]) AS u(id, stage, status, due, reason, place, method, decision, paid)
     WHERE e.id = u.id`,
    [finals.map((r) => r.id), today, ctx.at, finals.map((r) => r.stage), finals.map((r) => r.status), finals.map((r) => r.dueAt),
      finals.map((r) => r.c.reason ?? null), finals.map((r) => r.c.paymentPlace ?? null), finals.map((r) => r.c.paymentMethod ?? null), finals.map((r) => r.c.decisionNo ?? null),
      finals.map((r) => (r.status === 'paid' ? (r.c.paidAt ?? null) : null))],
  );
  const events = await tx.query<{ id: string; eid: number; f: string; t: string }>(
    `INSERT INTO "EntitlementEvent" ("entitlementId", "fromStage", "toStage", at, source, actor, note)
     SELECT u.eid, u.f, u.t, $4, $5, $6, u.note FROM unnest($1::int[], $2::text[], $3::text[], $7::text[]) WITH ORDINALITY AS u(eid, f, t, note, n)
     ORDER BY u.n RETURNING id::text, "entitlementId" AS eid, "fromStage" AS f, "toStage" AS t`,
    [rows.map((r) => r.id), rows.map((r) => r.from), rows.map((r) => r.stage), ctx.at, ctx.source, ctx.actor ?? null, rows.map((r) => r.c.note ?? null)],
  );
  // RETURNING order is not promised; match each event to its change by (file, from, to).
  const eventId = new Map(events.map((e) => [`${e.eid}:${e.f}:${e.t}`, e.id]));
  const payloads: StageChangePayload[] = rows.map((r) => ({ entitlementId: r.id, eventId: eventId.get(`${r.id}:${r.from}:${r.stage}`)!, personId: r.personId, fromStage: r.from, toStage: r.stage }));
  await tx.query(`INSERT INTO "OutboxEvent" (kind, payload) SELECT 'stage_changed', x FROM unnest($1::jsonb[]) AS x`, [payloads.map((p) => JSON.stringify(p))]);
  // Results follow the input order; a changed one gets its history event's id.
  for (const r of results) if (r.changed) r.eventId = eventId.get(`${r.entitlementId}:${r.fromStage}:${r.toStage}`);
  return results;
}
