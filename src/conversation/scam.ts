/**
 * Signs of a scam in a message a citizen types or forwards without a verification code: a link,
 * an OTP or password, a money transfer, a top-up, a "file fee", a log-in. The bot then says what
 * ansinh never asks for. Matched on understood text (folded, abbreviations expanded) and, for
 * links, on the raw text.
 */

const MARKERS = / (otp|ma xac nhan|mat khau|password|passcode|chuyen khoan|chuyen tien|nap tien|nap the|phi ho so|le phi nhan|dang nhap|login|log in|sign in|so tai khoan|stk|tai khoan ngan hang|bank account|transfer (the )?money|top up|processing fee) /;

// A URL, or a bare domain such as "trocap-nhanh.top" or "bit.ly/x".
const LINK = /(?:https?:\/\/|www\.)([^\s/?#]+)\S*|\b([a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:com|net|org|info|biz|vn|xyz|top|online|site|website|link|click|shop|store|app|io|me|cc|tk|ml|ga|cf|gq|ly|co|asia|club|live|vip))(?:\/\S*)?\b/gi;
/** State sites (a citizen naming dichvucong.gov.vn is not forwarding a scam); look-alikes such as "dichvucong-gov.vn" are not. */
const OFFICIAL = /(^|\.)gov\.vn\.?$/i;

/** Why the message looks like a scam, or null. */
export function scamSignal(understood: string, raw: string): 'link' | 'marker' | null {
  for (const m of raw.matchAll(LINK)) {
    const host = (m[1] ?? m[2] ?? '').replace(/^www\./i, '').split(':')[0]!;
    if (!OFFICIAL.test(host)) return 'link';
  }
  if (MARKERS.test(understood)) return 'marker';
  return null;
}
