/**
 * The secret behind keyed hashes and phone encryption. From ANSINH_SECRET_KEY when set
 * (required with real Postgres); with the embedded database, a random key is created once in
 * <dataDir>/secret.key (mode 600) so a demo needs no set-up. Sub-keys are derived with HKDF
 * so one secret never serves two purposes.
 */
import { hkdfSync, randomBytes, createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { UserError } from './errors.js';

export interface Keys {
  /** HMAC key for ID numbers (Person.idHash). */
  id: Buffer;
  /** HMAC key for phone numbers (Person.phoneHash). */
  phoneHash: Buffer;
  /** AES-256-GCM key for phone numbers (Person.phoneCipher). */
  phoneEnc: Buffer;
  /** AES-256-GCM key for platform tokens kept in the database (Zalo refresh token). */
  tokenEnc: Buffer;
  /** HMAC key for the verification codes printed on broadcasts and notices (src/broadcasts/verify-code.ts). */
  verify: Buffer;
}

export function deriveKeys(secret: string | Buffer): Keys {
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const d = (info: string) => Buffer.from(hkdfSync('sha256', ikm, 'ansinh', info, 32));
  return { id: d('id-hash'), phoneHash: d('phone-hash'), phoneEnc: d('phone-enc'), tokenEnc: d('token-enc'), verify: d('verify-code') };
}

export function loadKeys(config: Pick<Config, 'secretKey' | 'dataDir'>): Keys {
  if (config.secretKey) return deriveKeys(config.secretKey);
  const file = join(config.dataDir, 'secret.key');
  try {
    if (!existsSync(file)) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return deriveKeys(readFileSync(file, 'utf8').trim());
  } catch (e) {
    throw new UserError(
      `Cannot create or read the key file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      'Set ANSINH_SECRET_KEY, or make ANSINH_DATA_DIR writable.',
    );
  }
}

/** Normalises a Vietnamese phone number to 0xxxxxxxxx, or null. */
export function normalisePhone(raw: string): string | null {
  let s = raw.replace(/[\s.\-()]/g, '');
  if (s.startsWith('+84')) s = '0' + s.slice(3);
  else if (s.startsWith('84') && s.length === 11) s = '0' + s.slice(2);
  return /^0\d{9}$/.test(s) ? s : null;
}

export function hashPhone(keys: Keys, phone: string): string {
  return createHmac('sha256', keys.phoneHash).update(`phone:${phone}`).digest('hex');
}

export function encryptPhone(keys: Keys, phone: string): string {
  return seal(keys.phoneEnc, phone);
}

export function decryptPhone(keys: Keys, cipher: string): string {
  return open(keys.phoneEnc, cipher);
}

/** AES-256-GCM: base64(iv | tag | ciphertext). */
export function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

export function open(key: Buffer, cipher: string): string {
  const buf = Buffer.from(cipher, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
  d.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
}

/** Constant-time comparison of a secret someone sent (header, form field, cookie) with the expected one. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
