/**
 * Verification codes printed on every broadcast and status notice, e.g. `AS-B1D7K2QX`, so a
 * citizen can ask the bot whether a message that claims to come from ansinh is genuine.
 *
 * A code is `AS-` + a kind letter (B: broadcast, T: status notice) + the record's id in
 * Crockford base32 + a 5-character tag: the first 25 bits of HMAC-SHA256(verify key, kind:id).
 * No table is needed: the tag proves ansinh made the code (forging one means guessing 1 in 33
 * million), and the id finds the record to describe (date and subject), so a scammer who copies
 * a genuine code onto a fake text is caught by the description not matching.
 *
 * Typing is forgiving: any case, O for 0, I and L for 1, dashes inside.
 */
import { createHmac } from 'node:crypto';
import { CODE_ALPHABET as ALPHABET } from '../shared/codes.js';

const TAG_LENGTH = 5;

export type VerifyKind = 'broadcast' | 'notice';

const LETTER: Record<VerifyKind, string> = { broadcast: 'B', notice: 'T' };
const KIND_OF: Record<string, VerifyKind> = { B: 'broadcast', T: 'notice' };

function base32(n: bigint): string {
  if (n === 0n) return '0';
  let s = '';
  for (let x = n; x > 0n; x /= 32n) s = ALPHABET[Number(x % 32n)]! + s;
  return s;
}

function tag(key: Buffer, kind: VerifyKind, id: string): string {
  const mac = createHmac('sha256', key).update(`${kind}:${id}`).digest();
  // 25 bits from the first 4 bytes, as 5 base32 characters.
  let bits = mac.readUInt32BE(0) >>> 7;
  let s = '';
  for (let i = 0; i < TAG_LENGTH; i++, bits >>>= 5) s = ALPHABET[bits & 31]! + s;
  return s;
}

/** The code of a record: `AS-B…` for a broadcast, `AS-T…` for a status notice. */
export function verificationCode(key: Buffer, kind: VerifyKind, id: number | bigint | string): string {
  const n = BigInt(id);
  if (n < 0n) throw new Error('a verification code needs a non-negative id');
  return `AS-${LETTER[kind]}${base32(n)}${tag(key, kind, n.toString())}`;
}

export interface ParsedCode {
  /** As it should be written: "AS-B1D7K2QX". */
  code: string;
  /** Set when the tag is right: the code was made by ansinh. */
  genuine: { kind: VerifyKind; id: string } | null;
}

// "AS-", "AS –", "as-" … then 6 to 20 code characters (dashes allowed inside).
const FIND = /(?<![\p{L}\p{N}])AS\s*[-‐‑–—]\s*([0-9A-Z](?:-?[0-9A-Z]){5,19})(?![\p{L}\p{N}])/giu;
// Without a dash only in capitals, as printed ("AS B1D7K2QX"), so English "as possible" is not a code.
const FIND_BARE = /(?<![\p{L}\p{N}])AS\s?([0-9A-Z]{7,20})(?![\p{L}\p{N}])/gu;

function normalise(body: string): string {
  return body.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** Checks one code body (without "AS-"). */
export function checkCode(key: Buffer, body: string): ParsedCode {
  const b = normalise(body);
  const code = `AS-${b}`;
  const kind = KIND_OF[b[0] ?? ''];
  const idPart = b.slice(1, b.length - TAG_LENGTH);
  if (!kind || idPart.length === 0 || idPart.length > 13 || /[^0-9A-Z]/.test(b) || /U/.test(b)) return { code, genuine: null };
  let id = 0n;
  for (const ch of idPart) id = id * 32n + BigInt(ALPHABET.indexOf(ch));
  if (tag(key, kind, id.toString()) !== b.slice(-TAG_LENGTH)) return { code, genuine: null };
  return { code, genuine: { kind, id: id.toString() } };
}

/** Every code-like string in a message (typed or forwarded), first one first; at most 3. */
export function findCodes(key: Buffer, text: string): ParsedCode[] {
  const bodies: { at: number; body: string }[] = [];
  for (const m of text.matchAll(FIND)) bodies.push({ at: m.index ?? 0, body: m[1]! });
  for (const m of text.matchAll(FIND_BARE)) if (!bodies.some((b) => b.at === m.index)) bodies.push({ at: m.index ?? 0, body: m[1]! });
  const seen = new Set<string>();
  const out: ParsedCode[] = [];
  for (const { body } of bodies.sort((a, b) => a.at - b.at)) {
    const p = checkCode(key, body);
    if (seen.has(p.code)) continue;
    seen.add(p.code);
    out.push(p);
    if (out.length === 3) break;
  }
  return out;
}
