/**
 * ID guessing (issue 8's abuse test): many chats, each typing many ID numbers with birth dates,
 * through the conversation engine. Used by test/abuse/guessing.test.ts (scaled down) and
 * bench/abuse.ts (100 chats × 1,000). Everything random comes from a seeded PRNG, so a run is
 * reproducible.
 *
 * What each chat types, at random: structurally valid CCCD numbers (a real province code, the
 * birth year encoded, random digits) with a birth date in that year (what a careful attacker
 * does) or in any year; 9-digit CMND numbers; numbers that cannot exist (unknown province, a
 * birth year in the future); wrong lengths; letters; and the ID numbers of real people on the
 * list with a wrong date of birth in their real year (a targeted attack: these are the IDs that
 * must get locked and reported to the officers). Most messages carry the number and the date
 * together; some go step by step ("tra cứu", the number, then the date).
 */
import { CCCD_PROVINCES } from '../../src/people/id-number.js';
import { maskName } from '../../src/people/mask.js';
import { messages as botMessages } from '../../src/i18n/messages.js';
import type { TestRuntime, Sample } from './runtime.js';
import { expandOfficerAlerts } from '../../src/officers/alerts.js';
import { mulberry32 } from '../fakes/telegram.js';

export type Rng = () => number;
const PROVINCES = Object.keys(CCCD_PROVINCES);

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
export const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const digits = (rng: Rng, n: number) => Array.from({ length: n }, () => int(rng, 0, 9)).join('');
const pad = (n: number) => String(n).padStart(2, '0');

/** A date of birth in `year`, written in one of the ways people write it. */
export function dateText(rng: Rng, year: number, avoid?: string): string {
  for (;;) {
    const d = int(rng, 1, 28);
    const m = int(rng, 1, 12);
    const dmy = `${pad(d)}/${pad(m)}/${year}`;
    if (dmy === avoid) continue;
    const style = rng();
    if (style < 0.6) return dmy;
    if (style < 0.8) return `${d}-${m}-${year}`;
    if (style < 0.9) return `ngày ${d} tháng ${m} năm ${year}`;
    return `${pad(d)}.${pad(m)}.${year}`;
  }
}

export interface Guess {
  kind: 'cccd' | 'cccd_any_year' | 'cmnd' | 'real' | 'impossible' | 'bad_length' | 'letters' | 'bad_date';
  /** The messages the chat sends for this guess. */
  texts: string[];
}

export function makeGuess(rng: Rng, targets: Sample[], currentYear: number): Guess {
  const r = rng();
  const stepwise = rng() < 0.2;
  const say = (id: string, date: string): string[] => (stepwise ? ['tra cứu', id, date] : [`${id} ${date}`]);
  const cccd = () => {
    const year = int(rng, 1930, currentYear - 1);
    const g = year >= 2000 ? 2 + int(rng, 0, 1) : int(rng, 0, 1);
    return { id: `${pick(rng, PROVINCES)}${g}${String(year % 100).padStart(2, '0')}${digits(rng, 6)}`, year };
  };
  if (r < 0.4) {
    const { id, year } = cccd();
    return { kind: 'cccd', texts: say(id, dateText(rng, year)) };
  }
  if (r < 0.5) {
    const { id } = cccd();
    return { kind: 'cccd_any_year', texts: say(id, dateText(rng, int(rng, 1930, currentYear - 1))) };
  }
  if (r < 0.6) return { kind: 'cmnd', texts: say(`${int(rng, 0, 3)}${digits(rng, 8)}`, dateText(rng, int(rng, 1930, 2005))) };
  if (r < 0.8 && targets.length) {
    const t = pick(rng, targets);
    const year = Number(t.dateOfBirth.slice(-4));
    const id = rng() < 0.5 ? t.idNumber : t.idNumber.replace(/(\d{4})(\d{4})(\d{4})/, '$1 $2 $3');
    return { kind: 'real', texts: say(id, dateText(rng, year, t.dateOfBirth)) };
  }
  if (r < 0.87) {
    const future = rng() < 0.5;
    const id = future ? `${pick(rng, PROVINCES)}2${String(int(rng, currentYear % 100 + 1, 99)).padStart(2, '0')}${digits(rng, 6)}` : `${pick(rng, ['000', '003', '050', '099', '999'])}${int(rng, 0, 1)}${digits(rng, 8)}`;
    return { kind: 'impossible', texts: say(id, dateText(rng, int(rng, 1950, 2000))) };
  }
  if (r < 0.94) return { kind: 'bad_length', texts: [`${digits(rng, pick(rng, [6, 7, 8, 10, 11, 13, 14]))} ${dateText(rng, int(rng, 1950, 2000))}`] };
  if (r < 0.97) return { kind: 'letters', texts: [`${pick(rng, ['A', 'B', 'C', 'X'])}${digits(rng, 11)} ${dateText(rng, 1980)}`] };
  const { id, year } = cccd();
  return { kind: 'bad_date', texts: say(id, `${int(rng, 30, 31)}/02/${year}`) };
}

export interface GuessingOptions {
  chats: number;
  attemptsPerChat: number;
  seed: number;
  /** How many real people are targeted (ID known, birth date guessed). @defaultValue 5 */
  targets?: number;
  /** Chats talking at once. @defaultValue 8 */
  concurrency?: number;
  /** Called every `progressEvery` attempts (benchmarks). */
  onProgress?: (done: number) => void;
}

export interface GuessingResult {
  attempts: number;
  messages: number;
  seconds: number;
  byKind: Record<string, number>;
  /** Replies that disclosed anything about a person (should be empty). */
  disclosures: { chat: string; text: string; why: string }[];
  /** Chats with no lock in force at the end (should be empty). */
  unlocked: string[];
  /** Per chat: failed look-ups before the chat's lock, at most. */
  maxFailuresBeforeLock: number;
  /** Look-up results from the audit log, over all chats. */
  results: Record<string, number>;
  /** Replies after a chat's first lock that were not a lock notice or a structural reply. */
  lookupsAfterLock: number;
  /** officer_alert outbox rows by reason. */
  alerts: Record<string, number>;
  /** Targeted people whose ID number is locked now. */
  lockedTargets: number;
  chatIds: string[];
}

/** What may never be in a reply to a guesser: a person's masked name, an amount, a stage or a file status. */
export async function disclosureCheck(rt: TestRuntime): Promise<(text: string) => string | null> {
  const names = new Set((await rt.db.sql.query<{ fullName: string }>(`SELECT "fullName" FROM "Person"`)).map((p) => maskName(p.fullName)));
  const stages = new Set((await rt.db.sql.query<{ name: string }>(`SELECT DISTINCT name FROM "Stage"`)).map((s) => s.name).filter((s) => s.length >= 6));
  const patterns: [RegExp, string][] = [
    [/Hồ sơ của .*\(CCCD \*\*\*|Hồ sơ đã lưu \(|File of .*\(ID \*\*\*/, 'file header'],
    [/\d{1,3}(?:[.,]\d{3})+ ?(?:đ|VND)/, 'amount'],
    [/Số tiền: |Đang ở bước: |Đã được phê duyệt|Đã chi trả ngày|Không được duyệt|Hạn xử lý theo quy định/, 'status line'],
  ];
  return (text) => {
    for (const [re, why] of patterns) if (re.test(text)) return why;
    for (const n of names) if (text.includes(n)) return `masked name ${n}`;
    for (const s of stages) if (text.includes(s)) return `stage ${s}`;
    return null;
  };
}

export async function runGuessing(rt: TestRuntime, o: GuessingOptions): Promise<GuessingResult> {
  const rng = mulberry32(o.seed);
  const currentYear = rt.clock.now().getUTCFullYear();
  // Targets: real people with a full date of birth (a list with the year only is matched on the
  // year, which the CCCD itself encodes: see the report).
  const targets = rt.samples.filter((s) => /^\d\d\/\d\d\/\d{4}$/.test(s.dateOfBirth) && s.idNumber.length === 12).slice(0, o.targets ?? 5);
  const disclosed = await disclosureCheck(rt);
  const runId = Math.floor(rng() * 1e9).toString(36);
  const chatIds = Array.from({ length: o.chats }, (_, i) => `guess-${runId}-${String(i).padStart(4, '0')}-xxxxxxxxxx`);
  const plans = chatIds.map(() => Array.from({ length: o.attemptsPerChat }, () => makeGuess(rng, targets, currentYear)));
  const byKind: Record<string, number> = {};
  for (const g of plans.flat()) byKind[g.kind] = (byKind[g.kind] ?? 0) + 1;
  const disclosures: GuessingResult['disclosures'] = [];
  let messages = 0;
  let done = 0;
  let lookupsAfterLock = 0;
  const vi = botMessages('vi');
  const chatLocked = vi.lockedChat('').slice(0, 30);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, async () => {
    while (next < chatIds.length) {
      const i = next++;
      const chat = chatIds[i]!;
      let locked = false;
      for (const g of plans[i]!) {
        for (const text of g.texts) {
          const replies = await rt.engine.handle({ channel: 'web', chatId: chat, text });
          messages++;
          const all = replies.map((r) => r.text).join('\n');
          if (!all.trim()) disclosures.push({ chat, text: '(empty reply)', why: 'empty' });
          const why = disclosed(all);
          if (why) disclosures.push({ chat, text: all.slice(0, 300), why });
          // After the chat's lock, no attempt may reach the list again (the mismatch answer).
          if (locked && all.includes(vi.mismatch)) lookupsAfterLock++;
          if (all.startsWith(chatLocked)) locked = true;
        }
        if (++done % 5000 === 0) o.onProgress?.(done);
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;

  const identities = await rt.db.sql.query<{ id: number; externalId: string }>(`SELECT id, "externalId" FROM "ChannelIdentity" WHERE channel = 'web' AND "externalId" = ANY($1::text[])`, [chatIds]);
  const unlocked: string[] = [];
  for (const i of identities) if ((await rt.redis.pttl(`${rt.prefix}q:cl:${i.id}`)) <= 0) unlocked.push(i.externalId);
  const ids = identities.map((i) => i.id);
  const results = Object.fromEntries((await rt.db.sql.query<{ result: string; n: number }>(
    `SELECT result, count(*)::int AS n FROM "AuditEvent" WHERE action = 'lookup' AND "identityId" = ANY($1::int[]) GROUP BY result ORDER BY result`, [ids],
  )).map((r) => [r.result, r.n]));
  const [fails] = await rt.db.sql.query<{ n: number | null }>(
    `SELECT max(n)::int AS n FROM (SELECT count(*) AS n FROM "AuditEvent" WHERE action = 'lookup' AND result = 'mismatch' AND "identityId" = ANY($1::int[]) GROUP BY "identityId") t`, [ids],
  );
  const alerts = Object.fromEntries((await rt.db.sql.query<{ reason: string; n: number }>(
    `SELECT payload->>'reason' AS reason, count(*)::int AS n FROM "OutboxEvent" WHERE kind = 'officer_alert' AND (payload->>'identityId')::int = ANY($1::int[]) GROUP BY 1`, [ids],
  )).map((r) => [r.reason, r.n]));
  const { hashIdNumber } = await import('../../src/people/id-number.js');
  let lockedTargets = 0;
  for (const t of targets) if ((await rt.redis.pttl(`${rt.prefix}q:il:${hashIdNumber(rt.keys.id, t.idNumber)}`)) > 0) lockedTargets++;
  return {
    attempts: plans.flat().length, messages, seconds, byKind, disclosures, unlocked: [...unlocked, ...chatIds.filter((c) => !identities.some((i) => i.externalId === c))],
    maxFailuresBeforeLock: fails?.n ?? 0, results, lookupsAfterLock, alerts, lockedTargets, chatIds,
  };
}

/** A province officer with a Telegram chat for every province that has people on the list; their ids. */
export async function addProvinceOfficers(rt: TestRuntime): Promise<number[]> {
  const provinces = await rt.db.sql.query<{ id: number }>(
    `SELECT DISTINCT top.id FROM "Person" p JOIN "Area" c ON c.id = p."communeId" JOIN "Area" top ON top.id = split_part(c.path, '/', 2)::int`,
  );
  const ids: number[] = [];
  for (const [n, p] of provinces.entries()) {
    const [o] = await rt.db.sql.query<{ id: number }>(`INSERT INTO "Officer" (name, role, "areaId", "updatedAt") VALUES ($1, 'province', $2, now()) RETURNING id`, [`Cán bộ tỉnh ${n}`, p.id]);
    await rt.db.sql.query(`INSERT INTO "ChannelIdentity" (channel, "externalId", "officerId", "updatedAt") VALUES ('telegram', $1, $2, now())`, [String(6_600_000 + n), o!.id]);
    ids.push(o!.id);
  }
  return ids;
}

/** Expands every pending officer_alert (what the worker's relay does) and counts the officer messages queued for them. */
export async function alertMessages(rt: TestRuntime): Promise<number> {
  while ((await expandOfficerAlerts(rt.db.sql, 500)) > 0);
  const [r] = await rt.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE kind = 'chat_message' AND payload->>'kind' = 'alert'`);
  return r!.n;
}
