/**
 * Officers: invites, onboarding, preferences, and who receives what. An officer sees only their
 * area and below (Area.path prefix), everywhere. Invite codes are shown once and kept as keyed
 * hashes; a code works once, before it expires.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { SqlRunner } from '../db/sql.js';
import type { Keys } from '../shared/secrets.js';
import { UserError } from '../shared/errors.js';
import { CODE_ALPHABET as ALPHABET } from '../shared/codes.js';

export const ROLES = ['commune', 'district', 'province', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** The area level each role works at. */
const ROLE_LEVEL: Record<Role, string> = { commune: 'commune', district: 'district', province: 'province', admin: 'province' };

/** "CB-7K3M-9Q2P": Crockford base32 without I, L, O, U; 40 random bits. */
export const INVITE_PATTERN = /\bCB-?([0-9A-HJKMNP-TV-Z]{4})-?([0-9A-HJKMNP-TV-Z]{4})\b/i;

export function newInviteCode(): string {
  const part = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(32)]).join('');
  return `CB-${part()}-${part()}`;
}

export function inviteHash(keys: Keys, code: string): string | null {
  const m = INVITE_PATTERN.exec(code);
  if (!m) return null;
  return createHmac('sha256', keys.id).update(`invite:${(m[1]! + m[2]!).toUpperCase()}`).digest('hex');
}

export interface OfficerArea {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

export async function findArea(sql: SqlRunner, code: string): Promise<OfficerArea> {
  const rows = await sql.query<OfficerArea>(
    `SELECT id, code, name, level, path FROM "Area" WHERE code = $1 ORDER BY (scheme = '2008') DESC, id LIMIT 1`,
    [code],
  );
  if (!rows[0]) throw new UserError(`Unknown area code ${code}.`, 'See `ansinh areas show <province code>` for the codes (`ansinh areas load` first on a new database).');
  return rows[0];
}

export interface InviteInput {
  role: string;
  areaCode: string;
  name?: string;
  /** Adds a channel to an existing officer instead of creating one. */
  officerId?: number;
  days?: number;
  createdBy?: string;
  now: Date;
}

export async function createInvite(sql: SqlRunner, keys: Keys, input: InviteInput): Promise<{ code: string; expiresAt: Date; area: OfficerArea; role: Role }> {
  if (!(ROLES as readonly string[]).includes(input.role)) throw new UserError(`--role must be one of ${ROLES.join(', ')} (got ${input.role}).`);
  const role = input.role as Role;
  const area = await findArea(sql, input.areaCode);
  if (area.level !== ROLE_LEVEL[role]) throw new UserError(`A ${role} officer works at ${ROLE_LEVEL[role]} level, but ${area.code} (${area.name}) is a ${area.level}.`);
  const days = input.days ?? 7;
  if (!Number.isInteger(days) || days < 1 || days > 60) throw new UserError('--days must be a whole number from 1 to 60.');
  if (input.officerId !== undefined) {
    const o = await sql.query(`SELECT 1 FROM "Officer" WHERE id = $1`, [input.officerId]);
    if (!o.length) throw new UserError(`No officer with id ${input.officerId}.`);
  }
  const code = newInviteCode();
  const expiresAt = new Date(input.now.getTime() + days * 86_400_000);
  await sql.query(
    `INSERT INTO "OfficerInvite" ("codeHash", role, "areaId", name, "officerId", "expiresAt", "createdBy") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [inviteHash(keys, code), role, area.id, input.name ?? null, input.officerId ?? null, expiresAt, input.createdBy ?? null],
  );
  return { code, expiresAt, area, role };
}

export type RedeemResult = { kind: 'ok'; officerId: number; name: string; area: string } | { kind: 'bad' } | { kind: 'already' };

/** Binds the chat to the officer of a valid, unused, unexpired code; one statement claims it. */
export async function redeemInvite(sql: SqlRunner, keys: Keys, identityId: number, code: string, now: Date, locale: string): Promise<RedeemResult> {
  const hash = inviteHash(keys, code);
  if (!hash) return { kind: 'bad' };
  return sql.transaction(async (tx) => {
    const [me] = await tx.query<{ officerId: number | null }>(`SELECT "officerId" FROM "ChannelIdentity" WHERE id = $1 FOR UPDATE`, [identityId]);
    if (me?.officerId) return { kind: 'already' as const };
    const [inv] = await tx.query<{ id: number; role: string; areaId: number; name: string | null; officerId: number | null }>(
      `UPDATE "OfficerInvite" SET "usedAt" = $2 WHERE "codeHash" = $1 AND "usedAt" IS NULL AND "expiresAt" > $2 RETURNING id, role, "areaId", name, "officerId"`,
      [hash, now],
    );
    if (!inv) return { kind: 'bad' as const };
    let officerId = inv.officerId;
    if (officerId === null) {
      const [o] = await tx.query<{ id: number }>(
        `INSERT INTO "Officer" (name, role, "areaId", locale, "updatedAt") VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [inv.name ?? 'Cán bộ', inv.role, inv.areaId, locale === 'en' ? 'en' : 'vi', now],
      );
      officerId = o!.id;
      await tx.query(`UPDATE "OfficerInvite" SET "officerId" = $2 WHERE id = $1`, [inv.id, officerId]);
    }
    // An officer's chat is not a citizen's: no citizen bindings or notifications on it.
    await tx.query(`UPDATE "ChannelIdentity" SET "officerId" = $2, notify = false, "updatedAt" = $3 WHERE id = $1`, [identityId, officerId, now]);
    await tx.query(`DELETE FROM "Binding" WHERE "identityId" = $1`, [identityId]);
    const [info] = await tx.query<{ name: string; area: string }>(`SELECT o.name, a.name AS area FROM "Officer" o JOIN "Area" a ON a.id = o."areaId" WHERE o.id = $1`, [officerId]);
    return { kind: 'ok' as const, officerId, name: info!.name, area: info!.area };
  });
}

export interface OfficerProfile {
  id: number;
  name: string;
  role: Role;
  areaId: number;
  areaName: string;
  areaPath: string;
  areaLevel: string;
  locale: string;
}

export async function officerProfile(sql: SqlRunner, officerId: number): Promise<OfficerProfile | null> {
  const [o] = await sql.query<OfficerProfile>(
    `SELECT o.id, o.name, o.role, o."areaId", a.name AS "areaName", a.path AS "areaPath", a.level AS "areaLevel", o.locale
     FROM "Officer" o JOIN "Area" a ON a.id = o."areaId" WHERE o.id = $1 AND o.active`,
    [officerId],
  );
  return o ?? null;
}

export interface OfficerSettings {
  digestTime?: string;
  quietStart?: string;
  quietEnd?: string;
  mutedUntil?: string | null;
  emptyDigest?: 'short' | 'none';
  locale?: 'vi' | 'en';
}

const SETTING_COLUMNS: Record<keyof OfficerSettings, string> = {
  digestTime: '"digestTime"', quietStart: '"quietStart"', quietEnd: '"quietEnd"', mutedUntil: '"mutedUntil"', emptyDigest: '"emptyDigest"', locale: 'locale',
};

/** Changes an officer's preferences (only the keys given), in one statement. */
export async function updateOfficer(sql: SqlRunner, officerId: number, set: OfficerSettings): Promise<void> {
  const keys = (Object.keys(set) as (keyof OfficerSettings)[]).filter((k) => set[k] !== undefined);
  if (keys.length === 0) return;
  const assignments = keys.map((k, i) => `${SETTING_COLUMNS[k]} = $${i + 2}${k === 'mutedUntil' ? '::date' : ''}`).join(', ');
  await sql.query(`UPDATE "Officer" SET ${assignments}, "updatedAt" = now() WHERE id = $1`, [officerId, ...keys.map((k) => set[k])]);
}

/**
 * The officers who should hear about something in a commune: those of the commune, else of the
 * nearest area above that has officers; for an unknown commune, the province's.
 */
export async function officersFor(sql: SqlRunner, communeId: number | null): Promise<{ id: number; locale: string }[]> {
  if (communeId === null) {
    return sql.query(`SELECT o.id, o.locale FROM "Officer" o WHERE o.active AND o.role IN ('province', 'admin') ORDER BY o.id`);
  }
  const rows = await sql.query<{ id: number; locale: string; depth: number }>(
    `WITH RECURSIVE up AS (
       SELECT id, "parentId", 0 AS depth FROM "Area" WHERE id = $1
       UNION ALL SELECT a.id, a."parentId", up.depth + 1 FROM "Area" a JOIN up ON a.id = up."parentId")
     SELECT o.id, o.locale, up.depth FROM "Officer" o JOIN up ON up.id = o."areaId" WHERE o.active ORDER BY up.depth, o.id`,
    [communeId],
  );
  const nearest = rows[0]?.depth;
  return rows.filter((r) => r.depth === nearest).map(({ id, locale }) => ({ id, locale }));
}
