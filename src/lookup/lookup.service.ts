/**
 * The verified look-up: ID number (as a keyed hash) + date of birth → the person's files.
 * A wrong number, a wrong date and an unknown person are one outcome ("mismatch"), counted by
 * the quotas; every attempt is audited; a success binds the chat to the person (up to 5 per
 * chat) and tells the chats bound earlier.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Clock } from '../shared/clock.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { fromUtcDate, localDateAt, type LocalDate } from '../calendar/local-date.js';
import { audit } from '../audit/audit.service.js';
import { enqueueChatMessage, enqueueOfficerAlert } from '../outbox/outbox.service.js';
import { maskName } from '../people/mask.js';
import { inSentence } from '../areas/names.js';
import type { Lock, QuotaStore } from './quota.js';

export const MAX_BOUND_PER_CHAT = 5;

export interface LookupDeps {
  prisma: PrismaClient;
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

export type LookupOutcome =
  | { kind: 'found'; person: PersonView; binding: 'new' | 'already' | 'limit' }
  | { kind: 'mismatch' }
  | { kind: 'locked'; lock: Lock };

export async function verifiedLookup(deps: LookupDeps, chat: Chat, idHash: string, birth: BirthInput): Promise<LookupOutcome> {
  const { prisma, quota, clock } = deps;
  const base = { action: 'lookup', channel: chat.channel, identityId: chat.identityId, subjectHash: idHash, at: clock.now() };
  const lock = await quota.check(chat.identityId, idHash);
  if (lock) {
    await audit(prisma, { ...base, result: `locked_${lock.scope}` });
    return { kind: 'locked', lock };
  }
  const person = await prisma.person.findUnique({ where: { idHash }, select: { id: true, birthDate: true, birthYear: true, communeId: true, idLast: true } });
  const matches =
    person !== null &&
    (person.birthDate
      ? birth.date !== undefined && fromUtcDate(person.birthDate) === birth.date
      : person.birthYear === birth.year);
  if (!matches) {
    const { lock: newLock, idLockedNow } = await quota.fail(chat.identityId, idHash);
    if (idLockedNow) {
      await enqueueOfficerAlert(prisma, { reason: 'id_locked', communeId: person?.communeId ?? null, identityId: chat.identityId, idLast: person?.idLast, at: clock.now().toISOString() });
    }
    if (newLock?.scope === 'anomaly') {
      await enqueueOfficerAlert(prisma, { reason: 'anomaly', communeId: null, identityId: chat.identityId, at: clock.now().toISOString() });
    }
    await audit(prisma, { ...base, result: newLock ? `mismatch_locked_${newLock.scope}` : 'mismatch' });
    return newLock ? { kind: 'locked', lock: newLock } : { kind: 'mismatch' };
  }
  const binding = await bind(deps, chat, person.id);
  await audit(prisma, { ...base, result: 'found', personId: person.id, detail: { binding } });
  return { kind: 'found', person: await personView(deps, person.id), binding };
}

async function bind(deps: LookupDeps, chat: Chat, personId: number): Promise<'new' | 'already' | 'limit'> {
  const { prisma, clock } = deps;
  return prisma.$transaction(async (tx) => {
    const existing = await tx.binding.findUnique({ where: { identityId_personId: { identityId: chat.identityId, personId } } });
    if (existing) return 'already';
    const count = await tx.binding.count({ where: { identityId: chat.identityId } });
    if (count >= MAX_BOUND_PER_CHAT) return 'limit';
    await tx.binding.create({ data: { identityId: chat.identityId, personId } });
    const others = await tx.binding.findMany({
      where: { personId, identityId: { not: chat.identityId }, identity: { blocked: false } },
      select: { identity: { select: { id: true, channel: true } }, person: { select: { fullName: true } } },
    });
    const at = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' }).format(clock.now());
    for (const o of others) {
      await enqueueChatMessage(tx, { identityId: o.identity.id, channel: o.identity.channel, template: 'binding_notice', params: { name: maskName(o.person.fullName), at } });
    }
    return 'new';
  });
}

/** Everything the bot may say about a bound person. */
export async function personView(deps: Pick<LookupDeps, 'prisma' | 'clock' | 'calendar'>, personId: number): Promise<PersonView> {
  const p = await deps.prisma.person.findUniqueOrThrow({
    where: { id: personId },
    include: {
      commune: { include: { parent: true } },
      entitlements: { include: { program: true, group: { include: { stages: true } } }, orderBy: { id: 'asc' } },
    },
  });
  const today = localDateAt(deps.clock.now());
  return {
    personId: p.id,
    maskedName: maskName(p.fullName),
    idLast: p.idLast,
    commune: p.commune ? inSentence(p.commune.parent ? `${p.commune.name}, ${p.commune.parent.name}` : p.commune.name) : null,
    files: p.entitlements.map((e) => {
      const stage = e.group.stages.find((s) => s.code === e.stage);
      const def = e.group.definition as { supplements?: { code: string; vi: string }[] };
      const dueAt = e.dueAt ? fromUtcDate(e.dueAt) : null;
      return {
        program: e.program.code,
        programName: e.program.name,
        group: e.group.code,
        groupName: e.group.name,
        amount: Number(e.amount),
        amountDetail: e.amountDetail as FileView['amountDetail'],
        supplementNames: Object.fromEntries((def.supplements ?? []).map((s) => [s.code, s.vi])),
        status: e.status,
        stage: e.stage,
        stageName: stage?.name ?? null,
        stageEnteredAt: fromUtcDate(e.stageEnteredAt),
        dueAt,
        overdueWorkingDays: dueAt && (e.status === 'in_review' || e.status === 'approved') ? deps.calendar.workingDaysBetween(dueAt, today) : 0,
        paidAt: e.paidAt ? fromUtcDate(e.paidAt) : null,
        paymentPlace: e.paymentPlace,
        paymentMethod: e.paymentMethod,
        rejectionReason: e.rejectionReason,
        decisionNo: e.decisionNo,
      };
    }),
  };
}
