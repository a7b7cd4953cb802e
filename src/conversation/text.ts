/**
 * Vietnamese text understanding without any remote service: Unicode clean-up, diacritic- and
 * case-insensitive folding (đ → d), common abbreviations and typos, and tokens.
 */

/** Longest message we read; the rest is ignored (a reply says so). */
export const MAX_INPUT = 2_000;

// Zero-width, bidi controls, BOM, soft hyphen, and C0/C1 controls except \n and \t.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\u00AD]|[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// Half of a surrogate pair on its own is no character; PGlite rejects some (a letter then a lone low surrogate).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** NFC, invisible and control characters removed, lone surrogates replaced (U+FFFD), whitespace collapsed, length capped. */
export function cleanText(raw: string): string {
  return raw.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim().slice(0, MAX_INPUT).replace(LONE_SURROGATE, '\uFFFD');
}

/** Lower case without diacritics: "Bao giờ nhận TIỀN?" → "bao gio nhan tien?". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Abbreviations and frequent typos, on folded words. */
const ABBREVIATIONS: Record<string, string> = {
  ko: 'khong', k: 'khong', kh: 'khong', hok: 'khong', hong: 'khong', khg: 'khong', kg: 'khong', hem: 'khong', 0: 'khong',
  dc: 'duoc', dk: 'duoc', duoc: 'duoc', đc: 'duoc', dduoc: 'duoc',
  bn: 'bao nhieu', bnhieu: 'bao nhieu',
  bh: 'bao gio', bjo: 'bao gio', bgio: 'bao gio', bg: 'bao gio',
  ktra: 'kiem tra', kt: 'kiem tra', kiemtra: 'kiem tra',
  tracuu: 'tra cuu', tc: 'tra cuu',
  j: 'gi', ji: 'gi', z: 'vay', v: 'vay', r: 'roi', ntn: 'nhu the nao',
  t: 'toi', mk: 'minh', m: 'minh', e: 'em', a: 'anh', c: 'chi',
  sdt: 'so dien thoai', dt: 'dien thoai',
  cccd: 'cccd', cmnd: 'cmnd', cmt: 'cmnd', cc: 'cccd',
  ns: 'ngay sinh', nsinh: 'ngay sinh',
  hs: 'ho so', hso: 'ho so',
  tien: 'tien', tienn: 'tien', tjen: 'tien',
  hotro: 'ho tro', htro: 'ho tro', ht: 'ho tro',
  xa: 'xa', ubnd: 'ubnd', ub: 'ubnd',
  vs: 'voi', ng: 'nguoi', nguoj: 'nguoi',
  lm: 'lam', ns2: 'noi',
  hkd: 'ho kinh doanh', ldtd: 'lao dong tu do',
  thank: 'cam on', thanks: 'cam on', tks: 'cam on', camon: 'cam on', cmon: 'cam on',
};

/** Folded words with abbreviations expanded; punctuation dropped. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const w of fold(text).split(/[^a-z0-9]+/).filter(Boolean)) {
    // Own keys only: a word such as "constructor" must not find Object.prototype's.
    out.push(...(Object.hasOwn(ABBREVIATIONS, w) ? ABBREVIATIONS[w]! : w).split(' '));
  }
  return out;
}

/** Folded, expanded text as one string: for phrase matching. */
export function understand(text: string): string {
  return ` ${words(text).join(' ')} `;
}

/** True when the text contains no letter or digit at all (emoji, punctuation). */
export function hasNoContent(text: string): boolean {
  return !/[\p{L}\p{N}]/u.test(text);
}
