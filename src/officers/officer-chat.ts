/**
 * What an officer's chat can do, on any channel: backlog now, overdue files, tickets (list,
 * answer, close), digest time, mute/unmute, empty-digest choice, help. Commands are matched on
 * the text folded to lower case without diacritics, so "Quá hạn", "qua han" and "QUÁ HẠN" are one.
 */
import type { SqlRunner } from '../db/sql.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { Clock } from '../shared/clock.js';
import type { Reply } from '../conversation/types.js';
import { cleanText, fold } from '../conversation/text.js';
import { formatDateTimeVi, formatVi, isClockTime, isLocalDate, localDateAt } from '../calendar/local-date.js';
import { maskName } from '../people/mask.js';
import { officerMessages, type OfficerMessages } from '../i18n/officer-messages.js';
import { computeBacklog } from './backlog.js';
import { DEFAULT_ESCALATE_AFTER, renderDigest, type DigestSummary } from './digest.service.js';
import { officerProfile, updateOfficer, type OfficerProfile } from './officer.service.js';
import { closeTicket, listTickets, replyToTicket } from '../tickets/ticket.service.js';
import { audit } from '../audit/audit.service.js';

export interface OfficerChatDeps {
  sql: SqlRunner;
  calendar: WorkingCalendar;
  clock: Clock;
  escalateAfter?: number;
}

/** The commands, matched on folded text (lower case, no diacritics). */
const COMMAND = {
  backlog: /^(ton dong|backlog)$/,
  overdue: /^(qua han|overdue)$/,
  tickets: /^(phieu|tickets?)$/,
  answer: /^(?:tl|tra loi|reply)\s*#?(\d+)\b/,
  close: /^(?:dong|close)\s*#?(\d+)$/,
  time: /^(?:gio nhan|gio gui|digest(?: time)?)\s*:?\s*(\S+)$/,
  mute: /^(?:tam dung|tat tin|mute)(?: den| until| den het ngay)?\s+(\S+)$/,
  quiet: /^(?:gio nghi|quiet(?: hours)?)\s*:?\s*(\S+)\s*(?:-|den|to)\s*(\S+)$/,
  unmute: /^(bat lai|unmute)$/,
  empty: /^(?:ban tin trong|empty digest)\s*:?\s*(tat|off|bat|on)$/,
} as const;
/** The answer keeps the officer's own text, so it is matched on the raw message. */
const ANSWER_RAW = /^\s*(?:tl|trả lời|tra loi|reply)\s*#?(\d+)\s*[:.\-–]?\s*([\s\S]*)$/i;

/** Is this folded text an officer command? (A citizen typing one is told it is for officers.) */
export function isOfficerCommand(folded: string): boolean {
  return Object.values(COMMAND).some((re) => re.test(folded));
}

export async function handleOfficerMessage(deps: OfficerChatDeps, officerId: number, identityLocale: string, text: string | undefined, action: string | undefined): Promise<Reply[]> {
  const o = await officerProfile(deps.sql, officerId);
  const m = officerMessages(identityLocale);
  if (!o) return [{ text: m.unknownCommand }];
  const reply = (t: string): Reply[] => [{ text: t, buttons: m.buttons }];
  const now = deps.clock.now();
  const today = localDateAt(now);

  const verb = action?.startsWith('o:') ? action.slice(2) : null;
  const raw = cleanText(text ?? '');
  const f = fold(raw);
  if (verb === 'backlog' || COMMAND.backlog.test(f)) return reply(await backlogNow(deps, o, identityLocale, today));
  if (verb === 'overdue' || COMMAND.overdue.test(f)) return reply(await overdueList(deps, o, m, identityLocale, today));
  if (verb === 'tickets' || COMMAND.tickets.test(f)) {
    const { total, items } = await listTickets(deps.sql, o);
    if (total === 0) return reply(m.ticketsNone);
    return reply([m.ticketsHeader(total), ...items.map((t) => m.ticketLine(t.id, formatDateTimeVi(t.createdAt), t.commune ?? '?', (t.text ?? '').slice(0, 200)))].join('\n'));
  }
  const answer = COMMAND.answer.test(f) ? ANSWER_RAW.exec(raw) : null;
  if (answer) {
    const id = Number(answer[1]);
    const body = answer[2]!.trim();
    if (!body) return reply(m.ticketNeedsText);
    return reply((await replyToTicket(deps.sql, o, id, body.slice(0, 2000), now)) ? m.ticketReplied(id) : m.ticketNotFound(id));
  }
  const close = COMMAND.close.exec(f);
  if (close) {
    const id = Number(close[1]);
    return reply((await closeTicket(deps.sql, o, id, now)) ? m.ticketClosed(id) : m.ticketNotFound(id));
  }
  const time = COMMAND.time.exec(f);
  if (time) {
    const t = normaliseTime(time[1]!);
    if (!t) return reply(m.digestTimeBad(time[1]!));
    await updateOfficer(deps.sql, o.id, { digestTime: t });
    await audit(deps.sql, { action: 'officer_settings', result: 'ok', actor: `officer:${o.id}`, detail: { digestTime: t }, at: now });
    return reply(m.digestTimeSet(t));
  }
  const mute = COMMAND.mute.exec(f);
  if (mute) {
    const d = parseDate(mute[1]!);
    if (!d || d < today) return reply(m.mutedBadDate);
    await updateOfficer(deps.sql, o.id, { mutedUntil: d });
    await audit(deps.sql, { action: 'officer_settings', result: 'ok', actor: `officer:${o.id}`, detail: { mutedUntil: d }, at: now });
    return reply(m.muted(formatVi(d)));
  }
  const quiet = COMMAND.quiet.exec(f);
  if (quiet) {
    const [from, to] = [normaliseTime(quiet[1]!), normaliseTime(quiet[2]!)];
    if (!from || !to) return reply(m.digestTimeBad(!from ? quiet[1]! : quiet[2]!));
    await updateOfficer(deps.sql, o.id, { quietStart: from, quietEnd: to });
    return reply(m.quietSet(from, to));
  }
  const lang = /^(english|tieng anh|tieng viet|vietnamese)$/.exec(f);
  if (lang) {
    const locale = lang[1] === 'english' || lang[1] === 'tieng anh' ? 'en' : 'vi';
    await updateOfficer(deps.sql, o.id, { locale });
    await deps.sql.query(`UPDATE "ChannelIdentity" SET locale = $2 WHERE "officerId" = $1`, [o.id, locale]);
    return [{ text: officerMessages(locale).languageSet, buttons: officerMessages(locale).buttons }];
  }
  if (COMMAND.unmute.test(f)) {
    await updateOfficer(deps.sql, o.id, { mutedUntil: null });
    return reply(m.unmuted);
  }
  const empty = COMMAND.empty.exec(f);
  if (empty) {
    const mode = empty[1] === 'tat' || empty[1] === 'off' ? 'none' : 'short';
    await updateOfficer(deps.sql, o.id, { emptyDigest: mode });
    return reply(m.emptySet(mode));
  }
  if (verb === 'help' || /^(tro giup|help|menu|\/start|start|xin chao|chao)$/.test(f) || action === 'menu') return reply(m.help);
  return reply(m.unknownCommand);
}

/** "7:30", "07:30", "7h30", "7h" → "07:30"; anything else (e.g. 25:00) → null. */
export function normaliseTime(s: string): string | null {
  const mm = /^(\d{1,2})(?:[:h](\d{2})?)?$/.exec(s.trim());
  if (!mm) return null;
  const t = `${mm[1]!.padStart(2, '0')}:${mm[2] ?? '00'}`;
  return isClockTime(t) ? t : null;
}

function parseDate(s: string): string | null {
  const vi = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  const iso = vi ? `${vi[3]}-${vi[2]!.padStart(2, '0')}-${vi[1]!.padStart(2, '0')}` : s;
  return isLocalDate(iso) ? iso : null;
}

async function backlogNow(deps: OfficerChatDeps, o: OfficerProfile, locale: string, today: string): Promise<string> {
  const snap = await computeBacklog(deps.sql, deps.calendar, today, deps.escalateAfter ?? DEFAULT_ESCALATE_AFTER);
  const [prev] = await deps.sql.query<{ summary: DigestSummary }>(`SELECT summary FROM "Digest" WHERE "officerId" = $1 AND date < $2::date ORDER BY date DESC LIMIT 1`, [o.id, today]);
  const d = renderDigest({ id: o.id, areaId: o.areaId, areaName: o.areaName, areaLevel: o.areaLevel, locale, emptyDigest: 'short', prev: prev?.summary ?? null }, snap);
  return d.text!;
}

async function overdueList(deps: OfficerChatDeps, o: OfficerProfile, m: OfficerMessages, locale: string, today: string): Promise<string> {
  const rows = await deps.sql.query<{ fullName: string; idLast: string; stage: string; stageEn: string; commune: string; dueAt: string; total: string }>(
    `SELECT p."fullName", p."idLast", s.name AS stage, s."nameEn" AS "stageEn", c.name AS commune, to_char(e."dueAt", 'YYYY-MM-DD') AS "dueAt", count(*) OVER () AS total
     FROM "Entitlement" e
     JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = e.stage
     JOIN "Area" c ON c.id = e."communeId" LEFT JOIN "Area" d ON d.id = c."parentId"
     JOIN "Person" p ON p.id = e."personId"
     WHERE e.status IN ('in_review', 'approved') AND e."dueAt" < $2::date
       AND $1 = CASE s."ownerLevel" WHEN 'commune' THEN c.id WHEN 'district' THEN c."parentId" WHEN 'province' THEN d."parentId" END
     ORDER BY e."dueAt", e.id LIMIT 20`,
    [o.areaId, today],
  );
  if (rows.length === 0) return m.overdueNone;
  return [m.overdueListHeader(Number(rows[0]!.total)), ...rows.map((r) => m.overdueFile(maskName(r.fullName), r.idLast, locale === 'en' ? r.stageEn : r.stage, r.commune, deps.calendar.workingDaysBetween(r.dueAt, today)))].join('\n');
}
