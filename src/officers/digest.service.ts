/**
 * The officers' daily digest and reminders. A run computes the backlog of every area once
 * (backlog.ts), renders one digest per officer who is due, and, per batch, inserts the
 * officer's `Digest` row for the day and the outbox messages to the officer's chats in ONE
 * transaction. The unique key (officerId, date) is the exactly-once guarantee: a second worker,
 * a retried job or a run after a crash finds the row and sends nothing; a crash before the
 * commit leaves nothing, so the next run sends it. The outbox then delivers through the queues.
 *
 * Only on working days (the calendar), at or after the officer's chosen time, outside their
 * quiet hours, not while muted. Intake-closing reminders (7, 3, 1 days) go with the digest, each
 * once (OnceKey), to officers whose areas still have unfinished files in that program.
 */
import type { SqlRunner } from '../db/sql.js';
import type { OfficerMessageKind } from '../outbox/outbox.service.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { Logger } from '../shared/log.js';
import { formatVi, localDateAt, localTimeAt, type LocalDate } from '../calendar/local-date.js';
import { formatPercent } from '../shared/format.js';
import { computeBacklog, ownedBacklog, provinceOf, type BacklogSnapshot } from './backlog.js';
import { officerMessages } from '../i18n/officer-messages.js';

export interface OfficerRow {
  id: number;
  name: string;
  role: string;
  areaId: number;
  areaName: string;
  areaLevel: string;
  locale: string;
  digestTime: string;
  quietStart: string;
  quietEnd: string;
  emptyDigest: string;
  prev: DigestSummary | null;
}

export interface DigestSummary {
  waiting: number;
  overdue: number;
  dueToday: number;
  escalated: number;
  tickets: number;
  unreachable: number;
  paidPct: number | null;
  empty: boolean;
  sent: boolean;
}

export interface RenderedDigest {
  officerId: number;
  locale: string;
  text: string | null;
  summary: DigestSummary;
}

export interface DigestRunOptions {
  date: LocalDate;
  now: Date;
  /** `due`: officers whose time has come (the scheduler); `all`: every officer (the CLI). */
  mode: 'due' | 'all';
  dryRun?: boolean;
  /** Working days overdue before a file goes up one level. @defaultValue 3 */
  escalateAfter?: number;
  batch?: number;
  /** Test hook: called before each batch commits (throw to simulate a crash). */
  beforeCommit?: (batchIndex: number) => void;
}

export interface DigestRunResult {
  date: LocalDate;
  workingDay: boolean;
  due: number;
  sent: number;
  empty: number;
  reminders: number;
  digests: RenderedDigest[];
  ms: { backlog: number; total: number };
}

export const DEFAULT_ESCALATE_AFTER = 3;

/** Is `t` within the quiet window [start, end) (which may cross midnight)? */
export function inQuietHours(t: string, start: string, end: string): boolean {
  if (start === end) return false;
  return start < end ? t >= start && t < end : t >= start || t < end;
}

export async function runDigests(deps: { sql: SqlRunner; calendar: WorkingCalendar; log: Logger }, opts: DigestRunOptions): Promise<DigestRunResult> {
  const t0 = performance.now();
  const result: DigestRunResult = { date: opts.date, workingDay: deps.calendar.isWorkingDay(opts.date), due: 0, sent: 0, empty: 0, reminders: 0, digests: [], ms: { backlog: 0, total: 0 } };
  if (!result.workingDay) return result;
  const candidates = await deps.sql.query<OfficerRow>(
    `SELECT o.id, o.name, o.role, o."areaId", a.name AS "areaName", a.level AS "areaLevel", o.locale, o."digestTime", o."quietStart", o."quietEnd", o."emptyDigest",
            (SELECT d.summary FROM "Digest" d WHERE d."officerId" = o.id AND d.date < $1::date ORDER BY d.date DESC LIMIT 1) AS prev
     FROM "Officer" o JOIN "Area" a ON a.id = o."areaId"
     WHERE o.active AND (o."mutedUntil" IS NULL OR o."mutedUntil" < $1::date)
       AND NOT EXISTS (SELECT 1 FROM "Digest" d WHERE d."officerId" = o.id AND d.date = $1::date)
       AND EXISTS (SELECT 1 FROM "ChannelIdentity" i WHERE i."officerId" = o.id AND NOT i.blocked)
     ORDER BY o.id`,
    [opts.date],
  );
  const now = localTimeAt(opts.now);
  const due = opts.mode === 'all' ? candidates : candidates.filter((o) => o.digestTime <= now && !inQuietHours(now, o.quietStart, o.quietEnd));
  result.due = due.length;
  if (due.length === 0) return finish();

  const tb = performance.now();
  const snap = await computeBacklog(deps.sql, deps.calendar, opts.date, opts.escalateAfter ?? DEFAULT_ESCALATE_AFTER);
  result.ms.backlog = performance.now() - tb;
  result.digests = due.map((o) => renderDigest(o, snap));
  const reminders = await intakeReminders(deps.sql, snap, due, opts.date);
  const remindersOf = new Map<number, Reminder[]>();
  for (const r of reminders) remindersOf.set(r.officerId, [...(remindersOf.get(r.officerId) ?? []), r]);
  if (opts.dryRun) {
    result.sent = result.digests.filter((d) => d.text).length;
    result.empty = result.digests.filter((d) => d.summary.empty).length;
    result.reminders = reminders.length;
    return finish();
  }

  const size = opts.batch ?? 500;
  for (let i = 0; i < result.digests.length; i += size) {
    const batch = result.digests.slice(i, i + size);
    const done = await deps.sql.transaction(async (tx) => {
      const inserted = await tx.query<{ officerId: number }>(
        `INSERT INTO "Digest" ("officerId", date, summary)
         SELECT o, $2::date, s FROM unnest($1::int[], $3::jsonb[]) AS t(o, s)
         ON CONFLICT ("officerId", date) DO NOTHING RETURNING "officerId"`,
        [batch.map((d) => d.officerId), opts.date, batch.map((d) => JSON.stringify(d.summary))],
      );
      const mine = new Set(inserted.map((r) => r.officerId));
      const send = batch.filter((d) => mine.has(d.officerId) && d.text);
      await queueOfficerMessages(tx, send.map((d) => ({ officerId: d.officerId, text: d.text!, locale: d.locale })), false, 'digest');
      // Reminders ride with the digest that this worker committed; each key once.
      const keys = [...mine].flatMap((id) => remindersOf.get(id) ?? []);
      const fresh = keys.length
        ? await tx.query<{ key: string }>(`INSERT INTO "OnceKey" (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING key`, [keys.map((r) => r.key)])
        : [];
      const freshSet = new Set(fresh.map((r) => r.key));
      const remind = keys.filter((r) => freshSet.has(r.key));
      await queueOfficerMessages(tx, remind.map((r) => ({ officerId: r.officerId, text: r.text, locale: r.locale })), false, 'reminder');
      opts.beforeCommit?.(i / size);
      return { sent: send.length, empty: batch.filter((d) => mine.has(d.officerId) && d.summary.empty).length, reminders: remind.length };
    });
    result.sent += done.sent;
    result.empty += done.empty;
    result.reminders += done.reminders;
  }
  return finish();

  function finish() {
    result.ms.total = performance.now() - t0;
    return result;
  }
}

/** Messages to every unblocked chat of each officer, as `officer` outbox rows (one INSERT). */
export async function queueOfficerMessages(tx: SqlRunner, list: { officerId: number; text: string; locale: string }[], urgent = false, kind?: OfficerMessageKind): Promise<number> {
  if (list.length === 0) return 0;
  const rows = await tx.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO "OutboxEvent" (kind, payload)
       SELECT 'chat_message', jsonb_build_object('identityId', i.id, 'channel', i.channel, 'template', 'officer', 'params', jsonb_build_object('text', t.text), 'buttons', t.buttons::jsonb, 'urgent', $4::boolean, 'kind', $5::text)
       FROM unnest($1::int[], $2::text[], $3::text[]) WITH ORDINALITY AS t(officer, text, buttons, n)
       JOIN "ChannelIdentity" i ON i."officerId" = t.officer AND NOT i.blocked
       ORDER BY t.n, i.id
       RETURNING 1)
     SELECT count(*)::int n FROM ins`,
    [list.map((x) => x.officerId), list.map((x) => x.text), list.map((x) => JSON.stringify(officerMessages(x.locale).buttons)), urgent, kind ?? null],
  );
  return rows[0]?.n ?? 0;
}

/** What rendering needs of an officer (the chat's "backlog now" has no schedule fields). */
export type DigestReader = Pick<OfficerRow, 'id' | 'areaId' | 'areaName' | 'areaLevel' | 'locale' | 'emptyDigest' | 'prev'>;

export function renderDigest(o: DigestReader, snap: BacklogSnapshot): RenderedDigest {
  const m = officerMessages(o.locale);
  const en = o.locale === 'en';
  const own = ownedBacklog(snap, o.areaId);
  const escalated = snap.escalations.get(o.areaId) ?? [];
  const escalatedFiles = escalated.reduce((n, e) => n + e.files, 0);
  const isProvince = o.areaLevel === 'province';
  const t = snap.tickets.get(o.areaId);
  const tickets = (t?.open ?? 0) + (isProvince ? snap.unassignedTickets.open : 0);
  const oldestTicket = [t?.oldest, isProvince ? snap.unassignedTickets.oldest : null].filter((x): x is Date => x instanceof Date).sort((a, b) => +a - +b)[0];
  const unreachable = o.areaLevel === 'commune' ? snap.unreachable.get(o.areaId) ?? 0 : 0;
  const stats = snap.stats.get(o.areaId);
  const prov = snap.stats.get(provinceOf(snap, o.areaId) ?? -1);
  const paidPct = stats && stats.files > 0 ? (100 * stats.paid) / stats.files : null;
  const summary: DigestSummary = {
    waiting: own.waiting, overdue: own.overdue, dueToday: own.dueToday, escalated: escalatedFiles, tickets, unreachable,
    paidPct: paidPct === null ? null : Math.round(paidPct * 10) / 10, empty: false, sent: true,
  };
  const date = formatVi(snap.date);
  if (own.waiting === 0 && escalatedFiles === 0 && tickets === 0 && unreachable === 0) {
    summary.empty = true;
    summary.sent = o.emptyDigest !== 'none';
    return { officerId: o.id, locale: o.locale, text: summary.sent ? m.allClear(o.areaName, date) : null, summary };
  }
  const lines = [m.digestTitle(o.areaName, date)];
  if (own.waiting > 0) {
    lines.push(m.waiting(own.waiting));
    if (own.dueToday) lines.push(m.dueToday(own.dueToday));
    if (own.dueNext) lines.push(m.dueNext(own.dueNext, formatVi(snap.nextWorkingDay)));
    if (own.overdue) lines.push(m.overdue(own.overdue));
    if (own.approved) lines.push(m.approved(own.approved));
  }
  if (tickets && oldestTicket) lines.push(m.tickets(tickets, formatVi(localDateAt(oldestTicket))));
  if (unreachable) lines.push(m.unreachable(unreachable));
  if (paidPct !== null && prov && prov.files > 0) lines.push(m.paid(formatPercent(stats!.paid, stats!.files), formatPercent(prov.paid, prov.files)));
  if (o.prev) {
    const delta = describeDelta(o.prev, summary, en);
    if (delta) lines.push(m.since(delta));
  }
  if (own.oldest.length) {
    lines.push('', m.oldestHeader);
    for (const f of own.oldest) lines.push(m.overdueFile(f.maskedName, f.idLast, en ? f.stageEn : f.stage, f.commune, f.overdueDays));
  }
  if (escalated.length) {
    lines.push('', m.escalatedHeader(escalatedFiles, snap.escalateAfter));
    for (const e of escalated.slice(0, 8)) lines.push(m.escalatedCommune(e.commune, e.files, e.worstDays));
    if (escalated.length > 8) lines.push(en ? `  … and ${escalated.length - 8} more communes` : `  … và ${escalated.length - 8} xã khác`);
  }
  return { officerId: o.id, locale: o.locale, text: lines.join('\n'), summary };
}

function describeDelta(prev: DigestSummary, now: DigestSummary, en: boolean): string | null {
  const parts: string[] = [];
  const add = (d: number, vi: string, enLabel: string) => {
    if (d !== 0) parts.push(`${en ? enLabel : vi} ${d > 0 ? '+' : '−'}${Math.abs(d)}`);
  };
  add(now.waiting - prev.waiting, 'chờ xử lý', 'waiting');
  add(now.overdue - prev.overdue, 'quá hạn', 'overdue');
  add(now.tickets - prev.tickets, 'phiếu', 'tickets');
  return parts.length ? parts.join(', ') : en ? 'no change' : 'không đổi';
}

interface Reminder {
  officerId: number;
  key: string;
  text: string;
  locale: string;
}

/** Intake closing in 7, 3 or 1 days: one reminder per threshold per officer with unfinished files. */
async function intakeReminders(sql: SqlRunner, snap: BacklogSnapshot, officers: OfficerRow[], date: LocalDate): Promise<Reminder[]> {
  const programs = await sql.query<{ id: number; code: string; name: string; nameEn: string; closes: string }>(
    `SELECT id, code, name, "nameEn", to_char("intakeCloses", 'YYYY-MM-DD') closes FROM "Program" WHERE "intakeCloses" >= $1::date AND "intakeCloses" <= $1::date + 7`,
    [date],
  );
  const out: Reminder[] = [];
  for (const p of programs) {
    const daysLeft = Math.round((Date.parse(p.closes) - Date.parse(date)) / 86_400_000);
    const threshold = [1, 3, 7].find((t) => daysLeft <= t)!;
    const open = await sql.query<{ communeId: number; n: string }>(
      `SELECT "communeId", count(*) n FROM "Entitlement" WHERE "programId" = $1 AND status = 'in_review' AND "communeId" IS NOT NULL GROUP BY "communeId"`,
      [p.id],
    );
    const byArea = new Map<number, number>();
    for (const r of open) {
      for (let a = snap.areas.get(r.communeId); a; a = a.parentId === null ? undefined : snap.areas.get(a.parentId)) byArea.set(a.id, (byArea.get(a.id) ?? 0) + +r.n);
    }
    for (const o of officers) {
      const files = byArea.get(o.areaId) ?? 0;
      if (files === 0) continue;
      const m = officerMessages(o.locale);
      out.push({ officerId: o.id, key: `intake:${p.code}:${threshold}:${o.id}`, locale: o.locale, text: m.intakeClosing(o.locale === 'en' ? p.nameEn : p.name, Math.max(daysLeft, 0), formatVi(p.closes), files) });
    }
  }
  return out;
}
