/**
 * Fuzzing the bot (issue 8): random messages from a seeded PRNG (reproducible) through the four
 * ways in: the conversation engine directly, the web chat's page API, the Telegram webhook and
 * the signed Zalo webhook (the last two answering through the real adapters to the fake
 * platforms), plus malformed webhook and page-API bodies. Used by test/abuse/fuzz.test.ts (about
 * 5,000 messages) and bench/fuzz.ts (100,000).
 *
 * Counted: HTTP statuses (a 5xx is a failure), messages without a reply or with an empty one,
 * "busy" replies (the engine caught an internal error: a failure too), and the time taken.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { WebAdapter } from '../../bots/web/adapter.js';
import { TelegramAdapter } from '../../bots/telegram/adapter.js';
import { ZaloAdapter } from '../../bots/zalo/adapter.js';
import type { ZaloTokens } from '../../bots/zalo/client.js';
import { zaloSignature } from '../../bots/zalo/signature.js';
import { LockedSecret } from '../../src/secrets/locked-secret.js';
import { InboundDedupe } from '../../src/inbound/dedupe.js';
import { messages as botMessages } from '../../src/i18n/messages.js';
import { CCCD_PROVINCES } from '../../src/people/id-number.js';
import { FakeTelegram, mulberry32 } from '../fakes/telegram.js';
import { FakeZalo } from '../fakes/zalo.js';
import { dateText, int, pick, type Rng } from './abuse.js';
import { testKeys } from './db.js';
import type { TestRuntime } from './runtime.js';
import { waitFor } from './wait.js';

// ---- the generator ----

const ranges: [number, number][] = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0x24f], // Latin-1, Latin Extended (Vietnamese letters)
  [0x300, 0x36f], // combining marks
  [0x1ea0, 0x1ef9], // Vietnamese precomposed
  [0x590, 0x5ff], // Hebrew (RTL)
  [0x600, 0x6ff], // Arabic (RTL)
  [0x4e00, 0x9fff], // CJK
  [0x1f300, 0x1faff], // emoji
  [0x1d400, 0x1d7ff], // mathematical alphanumerics
  [0x10000, 0x1007f], // Linear B
  [0xe000, 0xf8ff], // private use
  [0xf0000, 0xf00ff], // supplementary private use
];
const SPECIALS = ['\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202b', '\u202e', '\u2066', '\u2069', '\ufeff', '\u00ad', '\u0000', '\u0001', '\u0007', '\u0008', '\u001b', '\u007f', '\u0085', '\u009f', '\r', '\n', '\t', '\u2028', '\u2029', '\ud800', '\udfff', '\ufffd', '\ufffe', '\uffff'];
const INJECTIONS = [
  `'; DROP TABLE "Person"; --`, `1' OR '1'='1`, `" OR ""="`, `1; SELECT pg_sleep(5)`, `$1`, `\\'`, `%' --`, `E'\\x00'`,
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg/onload=alert(1)>', '&lt;b&gt;', '<b>đậm</b>', '[link](http://evil.example)',
  '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '[[[[[[[[[[]]]]]]]]]]', 'null', 'true', '{}', '{"text":', '\\u0000',
  '${7*7}', '{{7*7}}', '#{7*7}', '<%= 7*7 %>', '%s%s%s%n', '../../../../etc/passwd', 'file:///etc/passwd', 'C:\\Windows\\system32',
  '剞\udfff', '\u030a\udfff 😀', // a letter, then half a surrogate pair
  '((((a+)+)+)+$', 'a'.repeat(64) + '!', '\\d+\\s*'.repeat(20), '=CMD|" /C calc"!A0', '+cmd', '@SUM(1+1)',
  'https://bit.ly/nhan-tien-ho-tro', 'OTP 123456 chuyển khoản ngay', 'mật khẩu của tôi là 123456', 'AS-B0000-0000', 'AS-T9999-ZZZZ', 'CB-ABCD-EFGH', '/start', '/start CB-0000-0000', '/start ' + 'x'.repeat(64),
];
const WORDS = ['tra cứu', 'tra cuu', 'ktra', 'menu', 'gặp cán bộ', 'nhận thông báo', 'tắt thông báo', 'quên tôi', 'xem lại', 'english', 'tiếng việt', 'kiểm tra điều kiện', 'bao giờ nhận tiền', 'bn tiền', 'có', 'không', 'cảm ơn', 'help', 'tồn đọng', 'tl 12 xin chào', 'đóng 12', 'giờ nhận 07:30', 'tạm dừng đến 30/11/2026', 'hủy', '?', '...',
  // Object.prototype's keys: a plain-object lookup of a user's word must not find them.
  'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf'];

function randomChars(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    if (rng() < 0.08) s += pick(rng, SPECIALS);
    else {
      const [lo, hi] = pick(rng, ranges);
      s += String.fromCodePoint(int(rng, lo, hi));
    }
  }
  return s;
}

function idLike(rng: Rng): string {
  const p = pick(rng, Object.keys(CCCD_PROVINCES));
  const digits = `${p}${int(rng, 0, 3)}${String(int(rng, 0, 99)).padStart(2, '0')}${String(int(rng, 0, 999_999)).padStart(6, '0')}`;
  const style = rng();
  if (style < 0.4) return digits;
  if (style < 0.6) return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
  if (style < 0.7) return digits.replace(/(\d{4})(?=\d)/g, '$1.');
  if (style < 0.8) return [...digits].map((d) => String.fromCharCode(0xff10 + Number(d))).join(''); // full-width digits
  if (style < 0.9) return digits.slice(0, int(rng, 1, 15));
  return digits.replace(/0/g, 'O');
}

/** One random message text. `huge` allows the 1 MB ones. */
export function fuzzText(rng: Rng, opts: { huge?: boolean } = {}): string {
  const r = rng();
  if (r < 0.25) return randomChars(rng, int(rng, 1, 60));
  if (r < 0.35) return pick(rng, INJECTIONS);
  if (r < 0.5) return `${idLike(rng)} ${rng() < 0.7 ? dateText(rng, int(rng, 1900, 2030)) : randomChars(rng, 5)}`;
  if (r < 0.58) return idLike(rng);
  if (r < 0.64) return rng() < 0.5 ? dateText(rng, int(rng, 1, 9999)) : `${int(rng, 0, 99)}/${int(rng, 0, 99)}/${int(rng, 0, 99999)}`;
  if (r < 0.76) return pick(rng, WORDS) + (rng() < 0.5 ? '' : ` ${randomChars(rng, int(rng, 1, 10))}`);
  if (r < 0.8) return [pick(rng, WORDS), pick(rng, INJECTIONS), idLike(rng)].join(pick(rng, [' ', '\n', '\u200b', '\t\t']));
  if (r < 0.84) return ' \n\t\u200b\ufeff'.slice(0, int(rng, 0, 6)); // empty or invisible only
  if (r < 0.87) return String(rng() < 0.5 ? int(rng, -1e9, 1e9) : rng() * 1e300);
  if (r < 0.97 || !opts.huge) return randomChars(rng, 200).repeat(int(rng, 1, 50)).slice(0, 10_240); // up to 10 KB
  return pick(rng, ['a', 'Đ', '😀', '\u0000', '1']).repeat(1_048_576); // 1 MB
}

/** A random button action, as a platform would carry it (Telegram callback_data is at most 64 bytes). */
export function fuzzAction(rng: Rng): string {
  const known = ['menu', 'lookup', 'mine', 'faq', 'human', 'forget', 'notify:on', 'notify:off', 'lang:en', 'lang:vi', 'elig', 'elig:NQ68-2021', 'elig:NQ42-2020', 'elig:NOPE', 'ans:y', 'ans:n', 'ans:', 'faq:', 'faqa:nope', 'start:', 'start:CB-0000-0000',
    'constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty:x', 'constructor:en', '__proto__:__proto__'];
  if (rng() < 0.6) return pick(rng, known);
  return randomChars(rng, int(rng, 1, 20)).slice(0, 40);
}

// ---- the harness ----

const TG_SECRET = 'fuzz-webhook-secret-0123456789';

export interface FuzzHarness {
  app: FastifyInstance;
  tg: FakeTelegram;
  zl: FakeZalo;
  handled(): number;
  /** Webhook requests acknowledged for handling (200, not a duplicate): each is handled once, in the background. */
  accepted(): number;
  /** Records a webhook response (for `accepted`). */
  count(url: string, status: number, body: string): void;
  close(): Promise<void>;
}

export async function startFuzzHarness(rt: TestRuntime): Promise<FuzzHarness> {
  // No platform limits here: the fuzz counts the bot's answers, not the platforms' throttling.
  const tg = new FakeTelegram({ globalPerSecond: 1e9, perChatPerSecond: 1e9, perChatBurst: 1e9 });
  const zl = new FakeZalo({ perSecond: 1e9 });
  const tgRoot = await tg.start();
  const zlRoot = await zl.start();
  // Users of the signed malformed events that do parse (see `malformed`): inside Zalo's window.
  for (const u of ['1', '123']) zl.interactions.set(u, Date.now() + 365 * 86_400_000);
  let handled = 0;
  let accepted = 0;
  const zalo = new ZaloAdapter({
    appId: zl.appId, appSecret: zl.appSecret, oaSecret: zl.oaSecret, bootstrapRefreshToken: zl.refreshToken, apiRoot: zlRoot, oauthRoot: zlRoot, znsRoot: zlRoot,
    store: new LockedSecret<ZaloTokens>(rt.db.sql, testKeys.tokenEnc, 'secret:zalo-tokens'),
  });
  const dedupe = new InboundDedupe(rt.redis, rt.prefix);
  const app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: { web: new WebAdapter(), telegram: undefined, zalo: undefined }, log: rt.log, redis: rt.redis,
    telegram: { adapter: new TelegramAdapter({ token: tg.token, apiRoot: tgRoot }), secret: TG_SECRET, dedupe, onHandled: () => handled++, maxWaitMs: 1000 },
    zalo: { adapter: zalo, dedupe, onHandled: () => handled++, maxWaitMs: 1000 },
  });
  return {
    app, tg, zl,
    handled: () => handled,
    accepted: () => accepted,
    count(url, status, body) {
      if (url.startsWith('/webhooks/') && status === 200 && !body.includes('duplicate')) accepted++;
    },
    async close() {
      await app.close();
      await tg.stop();
      await zl.stop();
    },
  };
}

export interface FuzzStats {
  messages: number;
  byPath: Record<'engine' | 'web' | 'telegram' | 'zalo' | 'malformed', number>;
  /** HTTP status → count, over every request made. */
  statuses: Record<string, number>;
  fiveXX: { path: string; status: number; body: string; sample: string }[];
  /** Messages that got no reply at all, or a reply with an empty text. */
  noReply: { path: string; sample: string }[];
  emptyReplies: number;
  /** "Busy" replies: the engine caught an error (the log has it). */
  busy: { path: string; sample: string }[];
  /** Sends the fake platforms refused (e.g. too long, empty). */
  platformRefusals: number;
  refusedSamples: { platform: string; status: number; length: number; text: string }[];
  seconds: number;
}

const show = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…(${s.length})` : s);

/**
 * Sends `n` random messages: 40 % to the engine, 30 % to the web chat API, 20 % to the Telegram
 * webhook, 10 % to the Zalo webhook, and one malformed body every 50 messages.
 */
export async function runFuzz(rt: TestRuntime, h: FuzzHarness, n: number, seed: number, onProgress?: (done: number) => void): Promise<FuzzStats> {
  const rng = mulberry32(seed);
  const busyTexts = new Set([botMessages('vi').busy, botMessages('en').busy]);
  const stats: FuzzStats = { messages: 0, byPath: { engine: 0, web: 0, telegram: 0, zalo: 0, malformed: 0 }, statuses: {}, fiveXX: [], noReply: [], emptyReplies: 0, busy: [], platformRefusals: 0, refusedSamples: [], seconds: 0 };
  const status = (path: string, code: number, body: string, sample: string) => {
    stats.statuses[code] = (stats.statuses[code] ?? 0) + 1;
    if (code >= 500) stats.fiveXX.push({ path, status: code, body: body.slice(0, 200), sample: show(sample) });
  };
  const checkReplies = (path: string, texts: string[], sample: string) => {
    if (texts.length === 0) stats.noReply.push({ path, sample: show(sample) });
    for (const t of texts) {
      if (!t || !t.trim()) stats.emptyReplies++;
      if (busyTexts.has(t)) stats.busy.push({ path, sample: show(sample) });
    }
  };
  const webCookies: string[] = [];
  for (let i = 0; i < 20; i++) {
    const page = await h.app.inject({ method: 'GET', url: '/chat' });
    webCookies.push(String(page.headers['set-cookie']).split(';')[0]!);
  }
  const run = `${seed}`;
  let tgChat = 600_000_000 + (seed % 1000) * 100_000;
  let zlUser = 0;
  let updateId = 700_000_000 + (seed % 1000) * 1_000_000;
  const webhookSamples: { path: 'telegram' | 'zalo'; chat: string; sample: string }[] = [];
  const t0 = performance.now();

  for (let i = 0; i < n; i++) {
    const r = rng();
    const useAction = rng() < 0.1;
    const text = fuzzText(rng, { huge: true });
    const action = fuzzAction(rng);
    const sample = useAction ? `[action] ${action}` : text;
    stats.messages++;
    if (i % 50 === 49) await malformed(rng, h, stats, status);
    if (r < 0.4) {
      stats.byPath.engine++;
      const chatId = `fuzz-${run}-${int(rng, 0, 99)}`;
      const replies = await rt.engine.handle(useAction ? { channel: pick(rng, ['web', 'telegram', 'zalo'] as const), chatId, action } : { channel: pick(rng, ['web', 'telegram', 'zalo'] as const), chatId, text });
      checkReplies('engine', Array.isArray(replies) ? replies.map((x) => x.text) : [], sample);
    } else if (r < 0.7) {
      stats.byPath.web++;
      const payload = JSON.stringify(useAction ? { action } : { text });
      const res = await h.app.inject({ method: 'POST', url: '/api/chat/messages', headers: { cookie: pick(rng, webCookies), 'content-type': 'application/json' }, payload });
      status('web', res.statusCode, res.body, sample);
      if (res.statusCode === 200) checkReplies('web', ((res.json() as { replies?: { text: string }[] }).replies ?? []).map((x) => x.text), sample);
      else if (res.statusCode !== 400 && res.statusCode !== 413) stats.noReply.push({ path: `web ${res.statusCode}`, sample: show(sample) });
    } else if (r < 0.9) {
      stats.byPath.telegram++;
      const chat = ++tgChat;
      const from = { id: chat, is_bot: false, first_name: randomChars(rng, 5), language_code: pick(rng, ['vi', 'en', 'xx', '']) };
      const update = useAction
        ? { update_id: ++updateId, callback_query: { id: `cq${updateId}`, from, chat_instance: '1', data: action, message: { message_id: 1, date: 1, chat: { id: chat, type: 'private' } } } }
        : { update_id: ++updateId, message: { message_id: updateId, date: 1_700_000_000, chat: { id: chat, type: 'private' }, from, text } };
      const res = await h.app.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'x-telegram-bot-api-secret-token': TG_SECRET, 'content-type': 'application/json' }, payload: JSON.stringify(update) });
      h.count('/webhooks/telegram', res.statusCode, res.body);
      status('telegram', res.statusCode, res.body, sample);
      if (res.statusCode === 200) webhookSamples.push({ path: 'telegram', chat: String(chat), sample });
    } else {
      stats.byPath.zalo++;
      const user = `93${String(seed % 1000).padStart(3, '0')}${String(++zlUser).padStart(12, '0')}`;
      h.zl.interactions.set(user, Date.now());
      const event = { app_id: h.zl.appId, oa_id: h.zl.oaId, timestamp: String(Date.now()), event_name: 'user_send_text', sender: { id: user }, recipient: { id: h.zl.oaId }, message: { msg_id: `fz${seed}-${i}`, text: useAction ? `#${action}` : text } };
      const raw = JSON.stringify(event);
      const res = await h.app.inject({ method: 'POST', url: '/webhooks/zalo', headers: { 'content-type': 'application/json', 'x-zevent-signature': zaloSignature(h.zl.appId, raw, event.timestamp, h.zl.oaSecret) }, payload: raw });
      h.count('/webhooks/zalo', res.statusCode, res.body);
      status('zalo', res.statusCode, res.body, sample);
      if (res.statusCode === 200) webhookSamples.push({ path: 'zalo', chat: user, sample });
    }
    if (onProgress && (i + 1) % 5000 === 0) onProgress(i + 1);
    // Keep the webhooks' background work from piling up.
    if (i % 200 === 199) await settle(h);
  }
  await settle(h);
  for (const w of webhookSamples) {
    const texts = w.path === 'telegram' ? h.tg.sentTo(w.chat).map((m) => m.text) : h.zl.sentTo(w.chat).map((m) => m.text);
    checkReplies(w.path, texts, w.sample);
  }
  const refused = [
    ...h.tg.calls.filter((c) => c.method === 'sendMessage' && c.status !== 200).map((c) => ({ platform: 'telegram', status: c.status, length: String(c.body.text ?? '').length, text: String(c.body.text ?? '').slice(0, 120) })),
    ...h.zl.calls.filter((c) => c.path === '/v3.0/oa/message/cs' && c.error !== 0).map((c) => ({ platform: 'zalo', status: c.error, length: String((c.body.message as { text?: string })?.text ?? '').length, text: String((c.body.message as { text?: string })?.text ?? '').slice(0, 120) })),
  ];
  stats.platformRefusals = refused.length;
  stats.refusedSamples = refused.slice(0, 5);
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}

/** Waits until every webhook message accepted so far has been handled. */
async function settle(h: FuzzHarness) {
  await waitFor(() => h.handled() >= h.accepted(), 60_000, 'the webhooks to be handled');
}

/** One malformed body to a webhook or the page API: must get a 4xx or a 200 that ignores it. */
async function malformed(rng: Rng, h: FuzzHarness, stats: FuzzStats, status: (path: string, code: number, body: string, sample: string) => void) {
  stats.byPath.malformed++;
  const bodies: (() => string | Buffer)[] = [
    () => '{not json',
    () => '',
    () => 'null',
    () => '[]',
    () => '42',
    () => '"text"',
    () => '{}',
    () => JSON.stringify({ update_id: 'x' }),
    () => JSON.stringify({ update_id: 1e21, message: { chat: { id: 'abc', type: 'private' }, text: 5 } }),
    () => JSON.stringify({ update_id: -1, message: { message_id: 1, chat: { id: 1, type: 'private' } } }),
    () => JSON.stringify({ __proto__: { polluted: true }, update_id: 3, message: null }),
    () => '['.repeat(5000) + ']'.repeat(5000),
    () => JSON.stringify({ text: randomChars(rng, 30), action: 7 }),
    () => JSON.stringify({ text: 'x'.repeat(20_001) }),
    () => Buffer.from(randomChars(rng, 100), 'utf8').subarray(0, 57), // cut inside a character
    () => Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]),
    () => 'x'.repeat(70 * 1024), // over the 64 KB body limit
    () => JSON.stringify({ event_name: 'user_send_text', sender: { id: 'x'.repeat(30) }, message: { text: 'hi' } }),
    () => JSON.stringify({ event_name: 42, app_id: {}, timestamp: [] }),
  ];
  const target = pick(rng, ['telegram', 'zalo', 'zalo-signed', 'web'] as const);
  // Signed bodies must carry our app_id (the signature covers it), so they are JSON of the wrong shape.
  const signedShapes = [
    { event_name: 42 },
    { event_name: 'user_send_text', sender: { id: 'abc' }, message: { text: 'x' } },
    { event_name: 'user_send_text', sender: { id: 1e30 }, message: { text: 'x' } },
    { event_name: 'user_send_text', sender: { id: '123' }, message: 'not an object' },
    { event_name: 'user_send_text', sender: { id: '123' }, message: { msg_id: {}, text: [] } },
    { event_name: 'unfollow', follower: {} },
    { event_name: 'user_send_text' },
    { event_name: 'user_send_text', sender: { id: '1' }, message: { msg_id: 'm', text: '\u0000'.repeat(100) }, nested: JSON.parse('['.repeat(2000) + ']'.repeat(2000)) },
  ];
  const body = target === 'zalo-signed' ? JSON.stringify({ app_id: h.zl.appId, timestamp: String(int(rng, 0, 1e12)), ...pick(rng, signedShapes) }) : pick(rng, bodies)();
  const contentType = pick(rng, ['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'multipart/form-data; boundary=x']);
  const headers: Record<string, string> = { 'content-type': contentType };
  let url = '/api/chat/messages';
  if (target === 'telegram') {
    url = '/webhooks/telegram';
    headers['x-telegram-bot-api-secret-token'] = TG_SECRET;
  } else if (target.startsWith('zalo')) {
    url = '/webhooks/zalo';
    // A body signed with the right key (what only Zalo can send) must not break us either.
    headers['x-zevent-signature'] = target === 'zalo-signed' ? zaloSignature(h.zl.appId, String(body), String((JSON.parse(String(body)) as { timestamp: string }).timestamp), h.zl.oaSecret) : 'mac=' + '0'.repeat(64);
  } else {
    headers.cookie = `ansinh_chat=${'a'.repeat(24)}`;
  }
  const res = await h.app.inject({ method: 'POST', url, headers, payload: body });
  h.count(url, res.statusCode, res.body);
  status(`malformed ${target}`, res.statusCode, res.body, typeof body === 'string' ? body : body.toString('hex'));
}
