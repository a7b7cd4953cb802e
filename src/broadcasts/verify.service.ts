/**
 * "Is this message really from ansinh?": the verification codes found in a message (typed or
 * forwarded) are checked (src/broadcasts/verify-code.ts) and, when genuine, described by date
 * and subject so the citizen can compare with what they received. Nothing personal is told: a
 * notice is described by its program and new stage, never by the person.
 */
import type { SqlRunner } from '../db/sql.js';
import { localDateAt, type LocalDate } from '../calendar/local-date.js';
import { findCodes } from './verify-code.js';

type Both = { vi: string; en: string };

export type CodeCheck =
  | { code: string; found: false }
  /** A broadcast: its title (or the start of its text). */
  | { code: string; found: true; kind: 'broadcast'; date: LocalDate; subject: Both }
  /** A status notice: the program and the stage the file moved to. */
  | { code: string; found: true; kind: 'notice'; date: LocalDate; program: Both; stage: Both };

const SUBJECT_MAX = 80;

/** The codes in `text` (at most 3), each checked; empty when the text has none. */
export async function checkVerificationCodes(sql: SqlRunner, key: Buffer, text: string): Promise<CodeCheck[]> {
  const out: CodeCheck[] = [];
  for (const c of findCodes(key, text)) {
    const g = c.genuine;
    const found = g?.kind === 'broadcast' ? await describeBroadcast(sql, g.id) : g?.kind === 'notice' ? await describeNotice(sql, g.id) : null;
    out.push(found ? { code: c.code, ...found } : { code: c.code, found: false });
  }
  return out;
}

async function describeBroadcast(sql: SqlRunner, id: string) {
  // Only a broadcast that was sent: a draft's code has reached nobody.
  const [b] = await sql.query<{ titleVi: string | null; textVi: string; textEn: string | null; startedAt: Date }>(
    `SELECT "titleVi", "textVi", "textEn", "startedAt" FROM "Broadcast" WHERE id = $1::int AND "startedAt" IS NOT NULL`,
    [id],
  );
  if (!b) return null;
  const vi = b.titleVi ?? cut(b.textVi);
  return { found: true as const, kind: 'broadcast' as const, date: localDateAt(b.startedAt), subject: { vi, en: b.textEn ? cut(b.textEn) : vi } };
}

const FINAL: Record<string, { vi: string; en: string }> = { paid: { vi: 'đã chi trả', en: 'paid' }, rejected: { vi: 'không được duyệt', en: 'not approved' } };

async function describeNotice(sql: SqlRunner, id: string) {
  const [n] = await sql.query<{ createdAt: Date; stage: string; program: string; programEn: string; stageVi: string | null; stageEn: string | null }>(
    `SELECT o."createdAt", o.payload->>'toStage' AS stage, pr.name AS program, pr."nameEn" AS "programEn", s.name AS "stageVi", s."nameEn" AS "stageEn"
     FROM "OutboxEvent" o
     JOIN "Entitlement" e ON e.id = (o.payload->>'entitlementId')::int
     JOIN "Program" pr ON pr.id = e."programId"
     LEFT JOIN "Stage" s ON s."groupId" = e."groupId" AND s.code = o.payload->>'toStage'
     WHERE o.id = $1::bigint AND o.kind = 'stage_changed'`,
    [id],
  );
  if (!n) return null;
  const stage = { vi: n.stageVi ?? FINAL[n.stage]?.vi ?? n.stage, en: n.stageEn ?? FINAL[n.stage]?.en ?? n.stage };
  return { found: true as const, kind: 'notice' as const, date: localDateAt(n.createdAt), program: { vi: n.program, en: n.programEn }, stage };
}

function cut(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= SUBJECT_MAX ? one : `${one.slice(0, SUBJECT_MAX - 1).trimEnd()}…`;
}
