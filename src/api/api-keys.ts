/**
 * API keys of the integration API: each belongs to one area (a province, district or commune
 * of the 2008 scheme, the codes files use) and is `read` or `write` (write includes read).
 *
 * A key is `ak_<8 characters>_<43 characters>`: the first part (the prefix, "ak_" + 8) is kept
 * in clear to tell keys apart in lists and logs; the whole key is 256 random bits, so its plain
 * SHA-256 is all that is stored (no salt or slow hash needed for a random secret) and a request
 * is authenticated by looking that hash up. The full key exists only in `createApiKey`'s result.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { SqlRunner } from '../db/sql.js';
import { UserError } from '../shared/errors.js';

export const API_SCOPES = ['read', 'write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** The area a key is limited to. */
export interface ApiKeyArea {
  id: number;
  code: string;
  name: string;
  /** province | district | commune */
  level: string;
  /** Materialised path ("/51/52/"): the key sees files whose commune's path starts with it. */
  path: string;
}

/** An authenticated key, as a request carries it. */
export interface ApiKeyInfo {
  id: number;
  prefix: string;
  name: string;
  scope: ApiScope;
  area: ApiKeyArea;
}

export interface ApiKeyListItem {
  id: number;
  prefix: string;
  name: string;
  scope: ApiScope;
  area: { code: string; name: string };
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKey {
  id: number;
  prefix: string;
  /** The whole key: shown once, never stored. */
  key: string;
  scope: ApiScope;
  area: ApiKeyArea;
}

const PREFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // no 0/o, 1/l: read aloud over the phone
const KEY_FORMAT = /^(ak_[a-z0-9]{8})_[A-Za-z0-9_-]{43}$/;
const PREFIX_FORMAT = /^ak_[a-z0-9]{8}$/;
/** lastUsedAt is written at most this often per key, so a busy client does not write on every call. */
const LAST_USED_EVERY_MS = 60_000;

/** SHA-256 hex of the whole key: the only form stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function newPrefix(): string {
  let s = 'ak_';
  for (let i = 0; i < 8; i++) s += PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)];
  return s;
}

/** The area of a key, by its 2008-scheme code (files name communes with those codes). */
export async function findKeyArea(sql: SqlRunner, code: string): Promise<ApiKeyArea> {
  const c = code.trim();
  if (!/^\d{2,5}$/.test(c)) throw new UserError(`"${code}" is not an area code.`, 'Use the Statistics Office code: 2 digits for a province, 3 for a district, 5 for a commune (e.g. 80, 794, 27694).');
  const rows = await sql.query<ApiKeyArea & { scheme: string }>(`SELECT id, code, name, level, path, scheme FROM "Area" WHERE code = $1 ORDER BY (scheme = '2008') DESC, id`, [c]);
  const a = rows.find((r) => r.scheme === '2008');
  if (a) return { id: a.id, code: a.code, name: a.name, level: a.level, path: a.path };
  if (rows.length) throw new UserError(`Area ${c} (${rows[0]!.name}) is a unit of the 2025 scheme; files use the codes in force before 1 July 2025.`, 'Give the pre-2025 province, district or commune code.');
  throw new UserError(`Unknown area code ${c}.`, 'See `ansinh areas show <province code>` for the codes (`ansinh areas load` first on a new database).');
}

/** Creates a key for an area; the result holds the whole key, which is not kept anywhere. */
export async function createApiKey(sql: SqlRunner, input: { name: string; areaCode: string; scope?: string; createdBy?: string }): Promise<NewApiKey> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new UserError('The key needs a name of 1 to 100 characters (who uses it, e.g. "Long An provincial system").');
  const scope = input.scope ?? 'read';
  if (!(API_SCOPES as readonly string[]).includes(scope)) throw new UserError(`--scope must be read or write (got ${scope}).`);
  const area = await findKeyArea(sql, input.areaCode);
  for (let attempt = 0; ; attempt++) {
    const prefix = newPrefix();
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    try {
      const [row] = await sql.query<{ id: number }>(
        `INSERT INTO "ApiKey" (name, prefix, "keyHash", "areaId", scope, "createdBy") VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [name, prefix, hashApiKey(key), area.id, scope, input.createdBy ?? null],
      );
      return { id: row!.id, prefix, key, scope: scope as ApiScope, area };
    } catch (e) {
      // 32^8 prefixes: a clash is rare but possible; a new draw settles it.
      if (attempt < 3 && /unique|duplicate/i.test((e as Error).message)) continue;
      throw e;
    }
  }
}

export async function listApiKeys(sql: SqlRunner): Promise<ApiKeyListItem[]> {
  const rows = await sql.query<Omit<ApiKeyListItem, 'area'> & { areaCode: string; areaName: string }>(
    `SELECT k.id, k.prefix, k.name, k.scope, a.code AS "areaCode", a.name AS "areaName", k."createdBy", k."createdAt", k."lastUsedAt", k."revokedAt"
     FROM "ApiKey" k JOIN "Area" a ON a.id = k."areaId" ORDER BY k.id`,
  );
  return rows.map(({ areaCode, areaName, ...k }) => ({ ...k, area: { code: areaCode, name: areaName } }));
}

/**
 * Revokes a key by its prefix (the whole key is accepted too); later requests with it get 401.
 * Revoking a revoked key changes nothing.
 */
export async function revokeApiKey(sql: SqlRunner, prefixOrKey: string, now = new Date()): Promise<{ prefix: string; name: string; alreadyRevoked: boolean }> {
  const given = prefixOrKey.trim();
  const prefix = KEY_FORMAT.exec(given)?.[1] ?? given;
  if (!PREFIX_FORMAT.test(prefix)) throw new UserError(`"${given.slice(0, 20)}" is not a key prefix.`, 'Give the prefix shown by `ansinh apikey list`, e.g. ak_k3m9x2qa.');
  const [row] = await sql.query<{ name: string; revokedAt: Date | null }>(`SELECT name, "revokedAt" FROM "ApiKey" WHERE prefix = $1`, [prefix]);
  if (!row) throw new UserError(`No API key with prefix ${prefix}.`, 'See `ansinh apikey list`.');
  if (row.revokedAt) return { prefix, name: row.name, alreadyRevoked: true };
  await sql.query(`UPDATE "ApiKey" SET "revokedAt" = $2 WHERE prefix = $1 AND "revokedAt" IS NULL`, [prefix, now]);
  return { prefix, name: row.name, alreadyRevoked: false };
}

/**
 * The key a request presents, or null when it is malformed, unknown or revoked. Looked up by
 * its hash (an index lookup; nothing secret is compared in code). Records the time of use, at
 * most once a minute per key.
 */
export async function authenticate(sql: SqlRunner, presentedKey: string, now = new Date()): Promise<ApiKeyInfo | null> {
  if (!KEY_FORMAT.test(presentedKey)) return null;
  const [k] = await sql.query<{ id: number; prefix: string; name: string; scope: ApiScope; lastUsedAt: Date | null; areaId: number; code: string; areaName: string; level: string; path: string }>(
    `SELECT k.id, k.prefix, k.name, k.scope, k."lastUsedAt", a.id AS "areaId", a.code, a.name AS "areaName", a.level, a.path
     FROM "ApiKey" k JOIN "Area" a ON a.id = k."areaId" WHERE k."keyHash" = $1 AND k."revokedAt" IS NULL`,
    [hashApiKey(presentedKey)],
  );
  if (!k) return null;
  if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() >= LAST_USED_EVERY_MS) {
    await sql.query(`UPDATE "ApiKey" SET "lastUsedAt" = $2 WHERE id = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" <= $3)`, [k.id, now, new Date(now.getTime() - LAST_USED_EVERY_MS)]);
  }
  return { id: k.id, prefix: k.prefix, name: k.name, scope: k.scope === 'write' ? 'write' : 'read', area: { id: k.areaId, code: k.code, name: k.areaName, level: k.level, path: k.path } };
}
