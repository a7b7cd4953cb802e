/**
 * The verified look-up: ID number (as a keyed hash) + date of birth → the person's files.
 * A wrong number, a wrong date and an unknown person are one outcome ("mismatch"), counted by
 * the quotas; every attempt is audited; a success binds the chat to the person (up to 5 per
 * chat) and tells the chats bound earlier.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import type { ChatMessagePayload } from '../outbox/outbox.service.js';
import type { Clock } from '../shared/clock.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { formatDateTimeVi, localDateAt, type LocalDate } from '../calendar/local-date.js';
import { enqueueChatMessages, enqueueOfficerAlert } from '../outbox/outbox.service.js';
import { audit, type AuditInput } from '../audit/audit.service.js';
import { maskName } from '../people/mask.js';
import { inSentence } from '../areas/names.js';
import type { Lock, QuotaStore } from './quota.js';

export const MAX_BOUND_PER_CHAT = 5;
/** How many of the chats bound earlier get a notice when a new chat binds the same person. */
export const NOTIFY_EARLIER_CHATS = 5;

export interface LookupDeps {
  prisma: PrismaClient;
  sql: SqlRunner;
  quota: QuotaStore;
  clock: Clock;
  calendar: WorkingCalendar;
}

export interface Chat {
  identityId: number;
  channel: string;
}

export interface BirthInput {
  date?: LocalDate;
  year: number;
}

export interface FileView {
  program: string;
  programName: string;
  group: string;
  groupName: string;
  amount: number;
  amountDetail: { base?: number; periods?: number; supplements?: { code: string; count: number; value: number }[] } | null;
  supplementNames: Record<string, string>;
  status: string;
  stage: string;
  stageName: string | null;
  stageEnteredAt: LocalDate;
  dueAt: LocalDate | null;
  overdueWorkingDays: number;
  paidAt: LocalDate | null;
  paymentPlace: string | null;
  paymentMethod: string | null;
  rejectionReason: string | null;
  decisionNo: string | null;
}

export interface PersonView {
  personId: number;
  maskedName: string;
  idLast: string;
  commune: string | null;
  files: FileView[];
}

/**
 * How a look-up attempt ended, in the audit log's words: `mismatch_locked_*` is a failure that
 * set off a lock, `locked_*` an attempt refused because a lock was already in force, and
 * `invalid_id` a number that cannot exist (checked by the conversation before any look-up).
 */
export type LookupResult = 'found' | 'mismatch' | `mismatch_locked_${Lock['scope']}` | `locked_${Lock['scope']}` | 'invalid_id';

/** Counts look-up results (metrics); implemented outside the domain. */
export interface LookupCounter {
  lookup(result: LookupResult): void;
}

export type LookupOutcome =
  | { kind: 'found'; result: 'found'; person: PersonView; binding: 'new' | 'already' | 'limit' }
  | { kind: 'mismatch'; result: 'mismatch' }
  | { kind: 'locked'; result: LookupResult; lock: Lock };

export async function verifiedLookup(deps: LookupDeps, chat: Chat, idHash: string, birth: BirthInput): Promise<LookupOutcome> {
  const { sql, quota, clock } = deps;
  const base = { action: 'lookup', channel: chat.channel, identityId: chat.identityId, subjectHash: idHash, at: clock.now() };
  const lock = await quota.check(chat.identityId, idHash);
  if (lock) {
    const result = `locked_${lock.scope}` as const;
    await audit(sql, { ...base, result });
    return { kind: 'locked', result, lock };
  }
  // The person and everything the bot may say about them, in one read; shown only if the date matches.
  const rows = await personRows(sql, 'p."idHash" = $1', idHash);
  const person = rows[0];
  const matches = person !== undefined && (person.birthDate ? birth.date === person.birthDate : person.birthYear === birth.year);
  if (!matches) {
    const { lock: newLock, idLockedNow } = await quota.fail(chat.identityId, idHash);
    if (idLockedNow) {
      await enqueueOfficerAlert(deps.prisma, { reason: 'id_locked', communeId: person?.communeId ?? null, identityId: chat.identityId, idLast: person?.idLast, at: clock.now().toISOString() });
    }
    if (newLock?.scope === 'anomaly') {
      await enqueueOfficerAlert(deps.prisma, { reason: 'anomaly', communeId: null, identityId: chat.identityId, at: clock.now().toISOString() });
    }
    if (newLock) {
      const result = `mismatch_locked_${newLock.scope}` as const;
      await audit(sql, { ...base, result });
      return { kind: 'locked', result, lock: newLock };
    }
    await audit(sql, { ...base, result: 'mismatch' });
    return { kind: 'mismatch', result: 'mismatch' };
  }
  const binding = await bind(deps, chat, person, { ...base, result: 'found', personId: person.personId });
  return { kind: 'found', result: 'found', person: toView(deps, rows), binding };
}

type Binding = 'new' | 'already' | 'limit';

/**
 * Binds the chat to the person and writes the look-up's audit row (`found`, with how the binding
 * went) in the same transaction: one commit for the whole success path after the chat's own row
 * (commits are what the database waits on under load; see docs/BENCHMARKS.md).
 */
async function bind(deps: LookupDeps, chat: Chat, person: FileRow, found: AuditInput): Promise<Binding> {
  const { sql, clock } = deps;
  const personId = person.personId;
  return sql.transaction(async (tx) => {
    // Serialise bindings of one chat so the limit holds under concurrent messages.
    await tx.query('SELECT pg_advisory_xact_lock(715420069, $1)', [chat.identityId]);
    const [row] = await tx.query<{ already: boolean; count: number }>(
      `SELECT EXISTS (SELECT 1 FROM "Binding" WHERE "identityId" = $1 AND "personId" = $2) AS already,
              (SELECT count(*)::int FROM "Binding" WHERE "identityId" = $1) AS count`,
      [chat.identityId, personId],
    );
    const binding: Binding = row!.already ? 'already' : row!.count >= MAX_BOUND_PER_CHAT ? 'limit' : 'new';
    if (binding === 'new') {
      // Bind, and find the chats bound earlier to tell them: the most recent few only (a person
      // has few chats, and an abuser binding many chats must not flood the others with notices).
      // (The INSERT in WITH always runs; the SELECT does not see its row, and skips this chat anyway.)
      const others = await tx.query<{ id: number; channel: string }>(
        `WITH ins AS (INSERT INTO "Binding" ("identityId", "personId") VALUES ($2, $1))
         SELECT i.id, i.channel FROM "Binding" b JOIN "ChannelIdentity" i ON i.id = b."identityId"
         WHERE b."personId" = $1 AND b."identityId" <> $2 AND NOT i.blocked ORDER BY b.id DESC LIMIT $3`,
        [personId, chat.identityId, NOTIFY_EARLIER_CHATS],
      );
      if (others.length) {
        const params = { name: maskName(person.fullName), at: formatDateTimeVi(clock.now()) };
        const payloads: ChatMessagePayload[] = others.map((o) => ({ identityId: o.id, channel: o.channel, template: 'binding_notice', params }));
        await enqueueChatMessages(tx, payloads);
      }
    }
    await audit(tx, { ...found, detail: { binding } });
    return binding;
  });
}

interface FileRow {
  program: string; programName: string; group: string; groupName: string; supplements: { code: string; vi: string }[] | null;
  amount: string; amountDetail: FileView['amountDetail']; status: string; stage: string; stageName: string | null;
  stageEnteredAt: string; dueAt: string | null; paidAt: string | null; paymentPlace: string | null; paymentMethod: string | null;
  rejectionReason: string | null; decisionNo: string | null; fullName: string; idLast: string; commune: string | null; district: string | null;
  personId: number; birthDate: string | null; birthYear: number; communeId: number | null;
}

/** The person (by id or by keyed hash) with one row per file, or none per person without files. */
function personRows(sql: SqlRunner, where: 'p.id = $1' | 'p."idHash" = $1', key: number | string): Promise<FileRow[]> {
  return sql.query<FileRow>(
    `SELECT pr.code AS program, pr.name AS "programName", g.code AS "group", g.name AS "groupName", g.definition->'supplements' AS supplements,
            e.amount::text AS amount, e."amountDetail", e.status, e.stage, s.name AS "stageName",
            to_char(e."stageEnteredAt", 'YYYY-MM-DD') AS "stageEnteredAt", to_char(e."dueAt", 'YYYY-MM-DD') AS "dueAt",
            to_char(e."paidAt", 'YYYY-MM-DD') AS "paidAt", e."paymentPlace", e."paymentMethod", e."rejectionReason", e."decisionNo",
            p."fullName", p."idLast", c.name AS commune, d.name AS district,
            p.id AS "personId", to_char(p."birthDate", 'YYYY-MM-DD') AS "birthDate", p."birthYear", p."communeId"
     FROM "Person" p
     LEFT JOIN "Area" c ON c.id = p."communeId" LEFT JOIN "Area" d ON d.id = c."parentId"
     LEFT JOIN "Entitlement" e ON e."personId" = p.id
     LEFT JOIN "Program" pr ON pr.id = e."programId" LEFT JOIN "ProgramGroup" g ON g.id = e."groupId"
     LEFT JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = e.stage
     WHERE ${where} ORDER BY e.id`,
    [key],
  );
}

/** Everything the bot may say about a bound person, in one query. */
export async function personView(deps: Pick<LookupDeps, 'sql' | 'clock' | 'calendar'>, personId: number): Promise<PersonView> {
  const rows = await personRows(deps.sql, 'p.id = $1', personId);
  if (!rows[0]) throw new Error(`person ${personId} not found`);
  return toView(deps, rows);
}

function toView(deps: Pick<LookupDeps, 'clock' | 'calendar'>, rows: FileRow[]): PersonView {
  const first = rows[0]!;
  const personId = first.personId;
  const today = localDateAt(deps.clock.now());
  return {
    personId,
    maskedName: maskName(first.fullName),
    idLast: first.idLast,
    commune: first.commune ? inSentence(first.district ? `${first.commune}, ${first.district}` : first.commune) : null,
    files: rows.filter((r) => r.program !== null).map((r) => ({
      program: r.program,
      programName: r.programName,
      group: r.group,
      groupName: r.groupName,
      amount: Number(r.amount),
      amountDetail: r.amountDetail,
      supplementNames: Object.fromEntries((r.supplements ?? []).map((x) => [x.code, x.vi])),
      status: r.status,
      stage: r.stage,
      stageName: r.stageName,
      stageEnteredAt: r.stageEnteredAt,
      dueAt: r.dueAt,
      overdueWorkingDays: r.dueAt && (r.status === 'in_review' || r.status === 'approved') ? deps.calendar.workingDaysBetween(r.dueAt, today) : 0,
      paidAt: r.paidAt,
      paymentPlace: r.paymentPlace,
      paymentMethod: r.paymentMethod,
      rejectionReason: r.rejectionReason,
      decisionNo: r.decisionNo,
    })),
  };
}
