/**
 * A local Zalo OA Open API v3 + ZNS + OAuth v4 server for tests, the benchmarks and the demo's
 * simulated mode. It behaves the way platforms.md describes Zalo: errors as HTTP 200 with a
 * non-zero `error`; -216 for a bad or expired access token; -230 for a user who has not written
 * in 7 days; -213 for a user who unfollowed; -32 over the request rate; single-use refresh
 * tokens (a reused one is refused with -14014). It signs the webhooks it sends the way Zalo
 * does (X-ZEvent-Signature). Our Zalo client talks to it over HTTP; every call is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { zaloSignature } from '../../bots/zalo/signature.js';
import { mulberry32 } from './telegram.js';

export interface ZaloCall {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  raw: string;
  at: number;
  status: number;
  error: number;
}

export interface FakeZaloOptions {
  appId?: string;
  appSecret?: string;
  oaSecret?: string;
  oaId?: string;
  /** Lifetime of issued access tokens (s). @defaultValue 90000 (25 h) */
  accessTokenSeconds?: number;
  /** OA calls accepted per second before -32. @defaultValue 20 */
  perSecond?: number;
  templateIds?: string[];
}

const WINDOW_MS = 7 * 24 * 3_600_000;

export class FakeZalo {
  readonly appId: string;
  readonly appSecret: string;
  readonly oaSecret: string;
  readonly oaId: string;
  readonly calls: ZaloCall[] = [];
  /** user id → last time the user wrote to the OA (epoch ms). */
  readonly interactions = new Map<string, number>();
  readonly unfollowed = new Set<string>();
  /** While true, every call answers HTTP 502. */
  outage = false;
  /** A flaky platform: while > 0, each message call (cs or ZNS) answers HTTP 500/503 with this probability (nothing sent). Seeded. */
  serverErrorRate = 0;
  private rand = mulberry32(20_260_802);
  /** OA calls accepted per second before -32. */
  perSecond: number;
  /** The refresh token that is valid now (single use). */
  refreshToken: string;
  private readonly accessTokens = new Map<string, number>();
  private server?: Server;
  private seq = 0;
  private msgSeq = 0;
  private readonly recent: number[] = [];

  constructor(private readonly opts: FakeZaloOptions = {}) {
    this.appId = opts.appId ?? '1234567890123456789';
    this.appSecret = opts.appSecret ?? 'app-secret-XYZ-123';
    this.oaSecret = opts.oaSecret ?? 'oa-secret-KEY-456';
    this.oaId = opts.oaId ?? '4321098765432109876';
    this.perSecond = opts.perSecond ?? 20;
    this.refreshToken = `rt-initial-${Math.random().toString(36).slice(2)}`;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Makes every issued access token stale (the next OA call gets -216). */
  expireAccessTokens() {
    for (const k of this.accessTokens.keys()) this.accessTokens.set(k, 0);
  }

  /** Successful customer-service messages to a user, in order. */
  sentTo(userId: string): { text: string; buttons: { type: string; title: string; payload: string }[] }[] {
    return this.calls
      .filter((c) => c.path === '/v3.0/oa/message/cs' && c.error === 0 && (c.body.recipient as { user_id?: string })?.user_id === userId)
      .map((c) => {
        const m = c.body.message as { text: string; attachment?: { payload: { buttons: { type: string; title: string; payload: string }[] } } };
        return { text: m.text, buttons: m.attachment?.payload.buttons ?? [] };
      });
  }

  /** Successful ZNS messages. */
  znsSent(): ZaloCall[] {
    return this.calls.filter((c) => c.path === '/message/template' && c.error === 0);
  }

  /** A signed webhook event as Zalo would send it, posted to `url`; returns the HTTP status. */
  async userEvent(url: string, event: Record<string, unknown>, opts: { signature?: string; at?: number } = {}): Promise<{ status: number; body: string; raw: string }> {
    const timestamp = String(opts.at ?? Date.now());
    const body = { app_id: this.appId, oa_id: this.oaId, timestamp, user_id_by_app: '9'.repeat(19), ...event };
    const raw = JSON.stringify(body);
    const sender = (event.sender as { id?: string } | undefined)?.id;
    if (sender && String(event.event_name).startsWith('user_send')) this.interactions.set(sender, opts.at ?? Date.now());
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': opts.signature ?? zaloSignature(String(body.app_id), raw, String(body.timestamp), this.oaSecret) },
      body: raw,
    });
    return { status: res.status, body: await res.text(), raw };
  }

  /** The user types `text` in the OA chat. */
  userSends(url: string, userId: string, text: string, msgId?: string) {
    return this.userEvent(url, { event_name: 'user_send_text', sender: { id: userId }, recipient: { id: this.oaId }, message: { text, msg_id: msgId ?? this.nextMsgId() } });
  }

  nextMsgId(): string {
    return `msg${Date.now()}${++this.msgSeq}`;
  }

  /** Where the simulated demo delivers user events (the app's /webhooks/zalo). */
  webhookUrl: string | null = null;

  /**
   * Control API for the simulated demo (not part of Zalo's): POST /__sim/say {"user","text"}
   * makes a user write to the OA (a signed webhook to `webhookUrl`); GET /__sim/messages?user=ID
   * lists what the OA sent that user; GET /__sim/zns lists ZNS messages.
   */
  private async simulator(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json; charset=utf-8');
    if (req.method === 'POST' && url.pathname === '/__sim/say' && this.webhookUrl) {
      try {
        const b = JSON.parse(raw) as { user?: unknown; text?: unknown };
        if (!/^\d{1,25}$/.test(String(b.user)) || typeof b.text !== 'string') throw new Error('bad');
        const r = await this.userSends(this.webhookUrl, String(b.user), b.text);
        return res.end(JSON.stringify({ ok: r.status === 200 }));
      } catch {
        res.statusCode = 400;
        return res.end(JSON.stringify({ ok: false, description: 'send {"user": "<digits>", "text": "..."}' }));
      }
    }
    if (url.pathname === '/__sim/messages') return res.end(JSON.stringify(this.sentTo(url.searchParams.get('user') ?? ''), null, 1));
    if (url.pathname === '/__sim/zns') return res.end(JSON.stringify(this.znsSent().map((c) => c.body), null, 1));
    res.statusCode = 404;
    res.end('{"ok":false}');
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0]!;
    if (path.startsWith('/__sim/')) return this.simulator(req, res, raw);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const call = (status: number, error: number, payload: unknown, body: Record<string, unknown>) => {
      this.calls.push({ path, headers, body, raw, at: Date.now(), status, error });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (this.outage) return call(502, 0, { error: -1, message: 'Bad Gateway' }, {});
    if (this.serverErrorRate > 0 && path !== '/v4/oa/access_token' && this.rand() < this.serverErrorRate) {
      const status = this.rand() < 0.5 ? 500 : 503;
      return call(status, -1, { error: -1, message: 'Server error' }, {});
    }
    if (path === '/v4/oa/access_token') return this.oauth(raw, headers, call);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return call(200, -201, { error: -201, message: 'Parameters are invalid' }, {});
    }
    const fail = (error: number, message: string) => call(200, error, { error, message }, body);
    const exp = this.accessTokens.get(headers.access_token ?? '');
    if (!exp || exp < Date.now()) return fail(-216, 'Access token is invalid');
    if (!this.rateOk()) return fail(-32, 'Request exceeds the limit');
    if (path === '/v3.0/oa/message/cs') {
      const user = (body.recipient as { user_id?: unknown } | undefined)?.user_id;
      const msg = body.message as { text?: unknown; attachment?: { payload?: { buttons?: unknown[] } } } | undefined;
      if (typeof user !== 'string' || !/^\d{1,25}$/.test(user)) return fail(-201, 'user_id is invalid');
      if (typeof msg?.text !== 'string' || msg.text.length === 0 || msg.text.length > 2000) return fail(-201, 'text is invalid');
      if ((msg.attachment?.payload?.buttons?.length ?? 0) > 5) return fail(-201, 'too many buttons');
      if (this.unfollowed.has(user)) return fail(-213, 'User has not followed the OA');
      const last = this.interactions.get(user);
      if (last === undefined || Date.now() - last > WINDOW_MS) return fail(-230, 'User has not interacted with the OA in the past 7 days');
      return call(200, 0, { error: 0, message: 'Success', data: { message_id: `m${++this.seq}`, user_id: user } }, body);
    }
    if (path === '/message/template') {
      if (typeof body.phone !== 'string' || !/^84\d{9}$/.test(body.phone)) return fail(-108, 'Phone number is invalid');
      const known = this.opts.templateIds ?? ['ansinh-status'];
      if (!known.includes(String(body.template_id))) return fail(-131, 'Template is not approved');
      return call(200, 0, { error: 0, message: 'Success', data: { msg_id: `z${++this.seq}`, sent_time: String(Date.now()), quota: { dailyQuota: '500', remainingQuota: '499' } } }, body);
    }
    return call(404, -1, { error: -1, message: 'Not found' }, body);
  }

  private oauth(raw: string, headers: Record<string, string>, call: (s: number, e: number, p: unknown, b: Record<string, unknown>) => void) {
    const form = Object.fromEntries(new URLSearchParams(raw));
    const fail = (error: number, name: string) => call(200, error, { error, error_name: name, error_description: name }, form);
    if (headers.secret_key !== this.appSecret) return fail(-14003, 'Invalid secret key');
    if (form.app_id !== this.appId) return fail(-14001, 'Invalid app id');
    if (form.grant_type !== 'refresh_token' || form.refresh_token !== this.refreshToken) return fail(-14014, 'Invalid refresh token');
    const n = ++this.seq;
    const access = `at-${n}-${Math.random().toString(36).slice(2)}`;
    this.refreshToken = `rt-${n}-${Math.random().toString(36).slice(2)}`;
    const seconds = this.opts.accessTokenSeconds ?? 90_000;
    this.accessTokens.set(access, Date.now() + seconds * 1000);
    call(200, 0, { access_token: access, refresh_token: this.refreshToken, expires_in: String(seconds) }, form);
  }

  private rateOk(): boolean {
    const now = Date.now();
    while (this.recent.length && now - this.recent[0]! >= 1000) this.recent.shift();
    if (this.recent.length >= this.perSecond) return false;
    this.recent.push(now);
    return true;
  }
}
