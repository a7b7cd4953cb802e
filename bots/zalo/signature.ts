/**
 * Zalo's webhook signature: header X-ZEvent-Signature = "mac=" + sha256_hex(app_id + raw body +
 * timestamp + OA Secret Key), with app_id and timestamp read from the body itself. A plain
 * SHA-256, not an HMAC (see platforms.md). Checked on the raw bytes, in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function zaloSignature(appId: string, rawBody: string, timestamp: string, oaSecret: string): string {
  return 'mac=' + createHash('sha256').update(appId + rawBody + timestamp + oaSecret).digest('hex');
}

/** True when `header` is the signature of `rawBody` for this app. */
export function verifyZaloSignature(header: string | undefined, rawBody: string, appId: string, oaSecret: string): boolean {
  if (typeof header !== 'string') return false;
  let body: { app_id?: unknown; timestamp?: unknown };
  try {
    body = JSON.parse(rawBody) as typeof body;
  } catch {
    return false;
  }
  if (!body || typeof body !== 'object' || String(body.app_id ?? '') !== appId) return false;
  const expected = Buffer.from(zaloSignature(appId, rawBody, String(body.timestamp ?? ''), oaSecret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
