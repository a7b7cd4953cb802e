/**
 * Who a broadcast reaches, as one SQL condition on ChannelIdentity `i`, so counting, previewing
 * and fanning out never load the audience into memory:
 * - citizens: chats that opted in to notifications, bound to a person whose commune lies in the
 *   creator's scope (and in the chosen area), with a file in the chosen program / group / stage;
 * - officers: active officers' chats whose area lies in the scope (and in the chosen area); the
 *   program filters do not apply to them;
 * - never a chat that blocked the bot.
 */
import type { SqlRunner } from '../db/sql.js';
import { FINAL_STAGES } from '../entitlements/stage.service.js';
import type { Audience, ValidationIssue } from './broadcast.validation.js';

export interface ResolvedAudience {
  citizens: boolean;
  officers: boolean;
  /** The creator's scope: an area path such as "/1/12/" ("/" = everything). */
  scope: string;
  /** Area paths the recipients must lie under (one code can name an old and a new unit). */
  areaPaths: string[] | null;
  programId: number | null;
  groupId: number | null;
  stage: string | null;
}

export class AudienceError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => i.message).join(' '));
    this.name = 'AudienceError';
  }
}

/** Turns codes into ids, inside the scope; throws AudienceError with Vietnamese reasons. */
export async function resolveAudience(sql: SqlRunner, a: Audience, scope: string): Promise<ResolvedAudience> {
  const issues: ValidationIssue[] = [];
  let areaPaths: string[] | null = null;
  if (a.areaCode) {
    const rows = await sql.query<{ path: string }>(`SELECT path FROM "Area" WHERE code = $1 AND path LIKE $2 || '%' ORDER BY scheme`, [a.areaCode, scope]);
    if (rows.length === 0) issues.push({ field: 'audience.areaCode', message: `Không có địa bàn mã ${a.areaCode} trong phạm vi quản lý của anh/chị.` });
    areaPaths = rows.map((r) => r.path);
  }
  let programId: number | null = null;
  let groupId: number | null = null;
  if (a.program) {
    const [p] = await sql.query<{ id: number }>(`SELECT id FROM "Program" WHERE code = $1`, [a.program]);
    if (!p) issues.push({ field: 'audience.program', message: `Không có chương trình mã ${a.program}.` });
    programId = p?.id ?? null;
    if (p && a.group) {
      const [g] = await sql.query<{ id: number }>(`SELECT id FROM "ProgramGroup" WHERE "programId" = $1 AND code = $2`, [p.id, a.group]);
      if (!g) issues.push({ field: 'audience.group', message: `Chương trình ${a.program} không có nhóm mã ${a.group}.` });
      groupId = g?.id ?? null;
    }
  }
  if (a.stage && !(FINAL_STAGES as readonly string[]).includes(a.stage)) {
    const [s] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Stage" s JOIN "ProgramGroup" g ON g.id = s."groupId"
       WHERE s.code = $1 AND ($2::int IS NULL OR g."programId" = $2) AND ($3::int IS NULL OR g.id = $3)`,
      [a.stage, programId, groupId],
    );
    if (!s?.n) issues.push({ field: 'audience.stage', message: `Không có bước mã ${a.stage}${a.program ? ` trong ${a.program}` : ''}.` });
  }
  if (issues.length) throw new AudienceError(issues);
  return { citizens: a.citizens, officers: a.officers, scope, areaPaths, programId, groupId, stage: a.stage ?? null };
}

/**
 * The condition on ChannelIdentity `i`, with its parameters numbered from `first`
 * (e.g. 3 when the caller's own statement uses $1 and $2).
 */
export function audienceCondition(r: ResolvedAudience, first: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  const scope = p(r.scope);
  const areas = r.areaPaths ? p(r.areaPaths.map((x) => `${x}%`)) : null;
  const inArea = (col: string) => `${col} LIKE ${scope} || '%'${areas ? ` AND ${col} LIKE ANY(${areas}::text[])` : ''}`;
  const parts: string[] = [];
  if (r.citizens) {
    const file = r.programId !== null || r.stage !== null;
    const fileConds = [
      r.programId !== null ? `e."programId" = ${p(r.programId)}` : null,
      r.groupId !== null ? `e."groupId" = ${p(r.groupId)}` : null,
      r.stage !== null ? `e.stage = ${p(r.stage)}` : null,
    ].filter(Boolean);
    parts.push(`(i."officerId" IS NULL AND i.notify AND EXISTS (
      SELECT 1 FROM "Binding" b JOIN "Person" pe ON pe.id = b."personId" JOIN "Area" ca ON ca.id = pe."communeId"
      ${file ? 'JOIN "Entitlement" e ON e."personId" = pe.id' : ''}
      WHERE b."identityId" = i.id AND ${inArea('ca.path')}${fileConds.length ? ` AND ${fileConds.join(' AND ')}` : ''}))`);
  }
  if (r.officers) {
    parts.push(`(i."officerId" IS NOT NULL AND EXISTS (
      SELECT 1 FROM "Officer" o JOIN "Area" oa ON oa.id = o."areaId"
      WHERE o.id = i."officerId" AND o.active AND ${inArea('oa.path')}))`);
  }
  if (parts.length === 0) return { sql: 'false', params };
  return { sql: `NOT i.blocked AND (${parts.join(' OR ')})`, params };
}
