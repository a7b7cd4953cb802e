/**
 * A local Telegram Bot API for tests, the demo's simulated mode and benchmarks: the subset of
 * methods the adapter calls, Telegram's limits (about 30 messages/s in all, 1/s per chat with
 * short bursts) answered with 429 + retry_after, a blocked user (403), and outages (502).
 * Every call is recorded. The real grammY client talks to it over HTTP (apiRoot).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakeCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
  status: number;
}

export interface FakeTelegramOptions {
  token?: string;
  globalPerSecond?: number;
  perChatPerSecond?: number;
  /** Messages one chat may send at once before the per-chat limit applies. */
  perChatBurst?: number;
}

export class FakeTelegram {
  readonly token: string;
  readonly calls: FakeCall[] = [];
  readonly blocked = new Set<string>();
  /** When > 0, every sendMessage is refused with 429 and this retry_after (a flood wait). */
  floodWait = 0;
  /** Chats the platform does not know (400 "chat not found"). */
  readonly unknownChats = new Set<string>();
  /** While true, every call answers 502. */
  outage = false;
  /**
   * A flaky platform: while > 0, each sendMessage fails with this probability with a 5xx (one of
   * `serverErrorStatuses`, nothing delivered), before any other check. Seeded: reproducible.
   */
  serverErrorRate = 0;
  serverErrorStatuses = [500, 502, 503, 504];
  /** While > 0, each sendMessage that would go through is refused with this probability with 429 + retry_after 1 (a storm, not a flood wait). */
  throttleRate = 0;
  /** The next this many sendMessage calls fail with `serverErrorStatuses[0]` (deterministic 5xx). */
  failNext = 0;
  private rand = mulberry32(20_260_801);
  private server?: Server;
  private nextMessageId = 1;
  private nextUpdateId = 1_000_000;
  private readonly updates: unknown[] = [];
  private readonly recent: number[] = [];
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private webhook: { url: string; secret?: string } | null = null;

  constructor(private readonly opts: FakeTelegramOptions = {}) {
    this.token = opts.token ?? '123456:TEST-token_abc';
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const addr = this.server.address() as { port: number };
    return `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Queues an update for getUpdates (long-polling mode). */
  pushUpdate(update: unknown) {
    this.updates.push(update);
  }

  /** Texts successfully sent to a chat, in order. */
  sentTo(chatId: string | number): { text: string; reply_markup?: unknown }[] {
    return this.calls
      .filter((c) => c.method === 'sendMessage' && c.status === 200 && String(c.body.chat_id) === String(chatId))
      .map((c) => ({ text: String(c.body.text), reply_markup: c.body.reply_markup }));
  }

  webhookInfo() {
    return this.webhook;
  }

  /** The demo's simulated mode: a person types in a private chat (the bot reads it by long polling). */
  userSays(chatId: string | number, text: string) {
    const id = ++this.nextUpdateId;
    this.pushUpdate({ update_id: id, message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private', first_name: 'Demo' }, from: { id: Number(chatId), is_bot: false, first_name: 'Demo', language_code: 'vi' }, text } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if ((req.url ?? '').startsWith('/__sim/')) return this.simulator(req, res, Buffer.concat(chunks).toString('utf8'));
    let body: Record<string, unknown> = {};
    try {
      const raw = Buffer.concat(chunks).toString('utf8');
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' }, 'invalid', body);
    }
    const method = m?.[2] ?? 'unknown';
    if (!m || m[1] !== this.token) return this.reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' }, method, body);
    if (this.outage) return this.reply(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' }, method, body);
    switch (method) {
      case 'getMe':
        return this.ok(res, method, body, { id: 123456, is_bot: true, first_name: 'ansinh', username: 'ansinh_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'setWebhook':
        this.webhook = { url: String(body.url), secret: body.secret_token ? String(body.secret_token) : undefined };
        return this.ok(res, method, body, true);
      case 'deleteWebhook':
        this.webhook = null;
        return this.ok(res, method, body, true);
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0);
        const list = this.updates.filter((u) => (u as { update_id: number }).update_id >= offset);
        if (list.length === 0) await new Promise((r) => setTimeout(r, Math.min(200, Number(body.timeout ?? 0) * 1000)));
        return this.ok(res, method, body, list);
      }
      case 'answerCallbackQuery':
        return this.ok(res, method, body, true);
      case 'sendMessage': {
        const chat = String(body.chat_id);
        if (this.failNext > 0 || (this.serverErrorRate > 0 && this.rand() < this.serverErrorRate)) {
          const status = this.failNext > 0 ? this.serverErrorStatuses[0]! : this.serverErrorStatuses[Math.floor(this.rand() * this.serverErrorStatuses.length)]!;
          if (this.failNext > 0) this.failNext--;
          return this.reply(res, status, { ok: false, error_code: status, description: `Internal Server Error ${status}` }, method, body);
        }
        if (this.throttleRate > 0 && this.rand() < this.throttleRate) {
          return this.reply(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } }, method, body);
        }
        const text = String(body.text ?? '');
        if (!text || text.length > 4096) return this.reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' }, method, body);
        const markup = body.reply_markup as { inline_keyboard?: { callback_data?: string }[][] } | undefined;
        if (markup?.inline_keyboard?.flat().some((b) => Buffer.byteLength(b.callback_data ?? '') > 64)) {
          return this.reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' }, method, body);
        }
        if (this.unknownChats.has(chat)) return this.reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' }, method, body);
        if (this.blocked.has(chat)) return this.reply(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, method, body);
        const retry = this.floodWait || this.throttle(chat);
        if (retry) return this.reply(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retry}`, parameters: { retry_after: retry } }, method, body);
        return this.ok(res, method, body, { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chat), type: 'private' }, text });
      }
      default:
        return this.reply(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' }, method, body);
    }
  }

  /**
   * Control API for the simulated demo (not part of Telegram's): POST /__sim/say {"chat","text"}
   * makes a user write; GET /__sim/messages?chat=ID lists what the bot sent to that chat.
   */
  private simulator(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json; charset=utf-8');
    if (req.method === 'POST' && url.pathname === '/__sim/say') {
      try {
        const b = JSON.parse(raw) as { chat?: unknown; text?: unknown };
        if (!/^\d{1,15}$/.test(String(b.chat)) || typeof b.text !== 'string') throw new Error('bad');
        this.userSays(String(b.chat), b.text);
        return res.end(JSON.stringify({ ok: true }));
      } catch {
        res.statusCode = 400;
        return res.end(JSON.stringify({ ok: false, description: 'send {"chat": "<digits>", "text": "..."}' }));
      }
    }
    if (url.pathname === '/__sim/messages') return res.end(JSON.stringify(this.sentTo(url.searchParams.get('chat') ?? ''), null, 1));
    res.statusCode = 404;
    res.end('{"ok":false}');
  }

  /** Seconds to wait, or 0 when the message may go now. */
  private throttle(chat: string): number {
    const now = Date.now();
    while (this.recent.length && now - this.recent[0]! >= 1000) this.recent.shift();
    if (this.recent.length >= (this.opts.globalPerSecond ?? 30)) return 1;
    const rate = this.opts.perChatPerSecond ?? 1;
    const burst = this.opts.perChatBurst ?? 3;
    const b = this.buckets.get(chat) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(chat, b);
      return Math.max(1, Math.ceil((1 - b.tokens) / rate));
    }
    b.tokens -= 1;
    this.buckets.set(chat, b);
    this.recent.push(now);
    return 0;
  }

  private ok(res: ServerResponse, method: string, body: Record<string, unknown>, result: unknown) {
    this.reply(res, 200, { ok: true, result }, method, body);
  }

  private reply(res: ServerResponse, status: number, payload: unknown, method: string, body: Record<string, unknown>) {
    this.calls.push({ method, body, at: Date.now(), status });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }
}

/** A small seeded PRNG (mulberry32): the fakes' random failures are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
