/**
 * Console accounts and sessions. Passwords are scrypt hashes (N=2^15, r=8, p=1, 16-byte salt);
 * five wrong passwords in a row lock an account for 15 minutes, and an unknown user name
 * costs the same work and gets the same answer as a wrong password. A session is a random
 * 32-byte token in an HttpOnly cookie, kept only as a SHA-256 hash, with its own CSRF token;
 * it ends after 30 idle minutes or 12 hours.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { SqlRunner } from '../db/sql.js';
import { sameSecret } from '../shared/secrets.js';
import { UserError } from '../shared/errors.js';

export const ROLES = ['admin', 'province', 'district', 'commune'] as const;
export type AdminRole = (typeof ROLES)[number];

export const LOCK_AFTER = 5;
export const LOCK_MINUTES = 15;
export const IDLE_MINUTES = 30;
export const MAX_HOURS = 12;
export const MIN_PASSWORD = 10;

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scrypt(password: string, salt: Buffer, o: ScryptOptions & { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, 32, o, (e, k) => (e ? reject(e) : resolve(k))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Rejects weak passwords with a Vietnamese reason. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD) return `Mật khẩu cần ít nhất ${MIN_PASSWORD} ký tự.`;
  if (password.toLowerCase().includes(username.toLowerCase())) return 'Mật khẩu không được chứa tên đăng nhập.';
  if (new Set(password).size < 5) return 'Mật khẩu quá đơn giản.';
  return null;
}

export interface AdminArea {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

export interface AdminUser {
  id: number;
  username: string;
  name: string;
  role: AdminRole;
  area: AdminArea;
}

export async function createAdminUser(
  sql: SqlRunner,
  o: { username: string; name: string; password: string; role: string; areaCode: string; createdBy?: string },
): Promise<AdminUser> {
  const username = o.username.trim().toLowerCase();
  if (!/^[a-z0-9._-]{3,40}$/.test(username)) throw new UserError(`"${o.username}" is not a valid user name.`, 'Use 3-40 lower-case letters, digits, dot, dash or underscore.');
  if (!(ROLES as readonly string[]).includes(o.role)) throw new UserError(`Unknown role "${o.role}".`, `Roles: ${ROLES.join(', ')}.`);
  const problem = passwordProblem(o.password, username);
  if (problem) throw new UserError(problem);
  const [area] = await sql.query<AdminArea>(`SELECT id, code, name, level, path FROM "Area" WHERE code = $1 AND scheme = '2008'`, [o.areaCode.trim()]);
  if (!area) throw new UserError(`Unknown area code "${o.areaCode}".`, 'Use a 2008-scheme code: 2 digits for a province, 3 for a district, 5 for a commune.');
  const wanted = o.role === 'admin' || o.role === 'province' ? 'province' : o.role;
  if (area.level !== wanted) throw new UserError(`A ${o.role} account needs a ${wanted} area; ${area.code} is a ${area.level}.`);
  const taken = await sql.query(`SELECT 1 FROM "AdminUser" WHERE username = $1`, [username]);
  if (taken.length) throw new UserError(`User name "${username}" is taken.`);
  const [u] = await sql.query<{ id: number }>(
    `INSERT INTO "AdminUser" (username, name, "passwordHash", role, "areaId", "createdBy") VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [username, o.name.trim(), await hashPassword(o.password), o.role, area.id, o.createdBy ?? null],
  );
  return { id: u!.id, username, name: o.name.trim(), role: o.role as AdminRole, area };
}

export type LoginResult =
  | { ok: true; token: string; csrf: string; user: AdminUser }
  | { ok: false; reason: 'bad' | 'locked'; lockedUntil?: Date };

const DUMMY = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const tokenHash = (t: string) => createHash('sha256').update(t).digest('hex');

export async function login(sql: SqlRunner, username: string, password: string, ctx: { now: Date; ip?: string; userAgent?: string }): Promise<LoginResult> {
  const [u] = await sql.query<{ id: number; passwordHash: string; failedLogins: number; lockedUntil: Date | null; disabledAt: Date | null }>(
    `SELECT id, "passwordHash", "failedLogins", "lockedUntil", "disabledAt" FROM "AdminUser" WHERE username = $1`,
    [username.trim().toLowerCase()],
  );
  if (!u || u.disabledAt) {
    await verifyPassword(password, DUMMY);
    return { ok: false, reason: 'bad' };
  }
  if (u.lockedUntil && u.lockedUntil > ctx.now) return { ok: false, reason: 'locked', lockedUntil: u.lockedUntil };
  if (!(await verifyPassword(password, u.passwordHash))) {
    const failures = u.lockedUntil ? 1 : u.failedLogins + 1; // a lock that ran out starts a new count
    const lock = failures >= LOCK_AFTER ? new Date(ctx.now.getTime() + LOCK_MINUTES * 60_000) : null;
    await sql.query(`UPDATE "AdminUser" SET "failedLogins" = $2, "lockedUntil" = $3 WHERE id = $1`, [u.id, lock ? 0 : failures, lock]);
    return lock ? { ok: false, reason: 'locked', lockedUntil: lock } : { ok: false, reason: 'bad' };
  }
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  await sql.query(`UPDATE "AdminUser" SET "failedLogins" = 0, "lockedUntil" = NULL, "lastLoginAt" = $2 WHERE id = $1`, [u.id, ctx.now]);
  await sql.query(
    `INSERT INTO "AdminSession" ("tokenHash", "userId", "csrfToken", "createdAt", "lastSeenAt", "expiresAt", ip, "userAgent") VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
    [tokenHash(token), u.id, csrf, ctx.now, new Date(ctx.now.getTime() + MAX_HOURS * 3_600_000), ctx.ip ?? null, ctx.userAgent?.slice(0, 200) ?? null],
  );
  return { ok: true, token, csrf, user: (await userById(sql, u.id))! };
}

async function userById(sql: SqlRunner, id: number): Promise<AdminUser | null> {
  const [u] = await sql.query<{ id: number; username: string; name: string; role: AdminRole; aid: number; code: string; aname: string; level: string; path: string }>(
    `SELECT u.id, u.username, u.name, u.role, a.id AS aid, a.code, a.name AS aname, a.level, a.path
     FROM "AdminUser" u JOIN "Area" a ON a.id = u."areaId" WHERE u.id = $1 AND u."disabledAt" IS NULL`,
    [id],
  );
  return u ? { id: u.id, username: u.username, name: u.name, role: u.role, area: { id: u.aid, code: u.code, name: u.aname, level: u.level, path: u.path } } : null;
}

export interface Session {
  id: number;
  user: AdminUser;
  csrf: string;
}

/** The live session for a cookie token, sliding its idle time; null when unknown or expired. */
export async function sessionFor(sql: SqlRunner, token: string | undefined, now: Date): Promise<Session | null> {
  if (!token || token.length > 100) return null;
  const [s] = await sql.query<{ id: number; userId: number; csrfToken: string; lastSeenAt: Date; expiresAt: Date }>(
    `SELECT id, "userId", "csrfToken", "lastSeenAt", "expiresAt" FROM "AdminSession" WHERE "tokenHash" = $1`,
    [tokenHash(token)],
  );
  if (!s) return null;
  if (s.expiresAt <= now || now.getTime() - s.lastSeenAt.getTime() > IDLE_MINUTES * 60_000) {
    await sql.query(`DELETE FROM "AdminSession" WHERE id = $1`, [s.id]);
    return null;
  }
  const user = await userById(sql, s.userId);
  if (!user) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > 60_000) await sql.query(`UPDATE "AdminSession" SET "lastSeenAt" = $2 WHERE id = $1`, [s.id, now]);
  return { id: s.id, user, csrf: s.csrfToken };
}

export async function logout(sql: SqlRunner, sessionId: number): Promise<void> {
  await sql.query(`DELETE FROM "AdminSession" WHERE id = $1`, [sessionId]);
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfOk(session: Session, submitted: unknown): boolean {
  return sameSecret(submitted, session.csrf);
}

/** What each role may open. Area scope applies on top of this everywhere. */
export const PAGES = {
  dashboard: ['admin', 'province', 'district', 'commune'],
  tickets: ['admin', 'province', 'district', 'commune'],
  officers: ['admin', 'province', 'district'],
  imports: ['admin', 'province'],
  broadcasts: ['admin', 'province'],
  // System-wide (look-ups and actions in every area): admins only.
  audit: ['admin'],
  queues: ['admin'],
} as const satisfies Record<string, readonly AdminRole[]>;
export type Page = keyof typeof PAGES;

export function can(user: AdminUser, page: Page): boolean {
  return (PAGES[page] as readonly string[]).includes(user.role);
}

/** True when `path` (an area path) lies in the user's area. */
export function inScope(user: AdminUser, path: string): boolean {
  return path.startsWith(user.area.path);
}
