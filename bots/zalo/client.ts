/**
 * A small typed client for the Zalo Official Account Open API v3, ZNS and OAuth v4 (no
 * maintained SDK exists; see ../shared/reference/platforms.md). fetch + zod, nothing else.
 *
 * - Errors come back as HTTP 200 with a non-zero `error`; they map onto the closed SendError
 *   set here and nowhere else: -216 (access token invalid) refreshes the token and retries once,
 *   -230 (user outside the interaction window) is `rejected` with reason `outside_window`.
 * - User and OA ids are 19-digit numbers: they stay strings from the wire to the database.
 * - The access token (25 h) is refreshed ahead of expiry, under one lock shared by every
 *   process, and the new single-use refresh token is saved in the same step (TokenStore).
 * - Tokens and secrets travel only in headers, never in a URL, and are never logged.
 */
import { z } from 'zod';
import { SendError } from '../channel.js';

export interface ZaloTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token stops working. */
  expiresAt: number;
}

/**
 * Where the tokens live. `refresh` runs `fn` under a lock every process shares (so only one
 * refresh happens at a time) and saves what it returns atomically before releasing the lock.
 */
export interface ZaloTokenStore {
  current(): Promise<ZaloTokens | null>;
  refresh(fn: (current: ZaloTokens | null) => Promise<ZaloTokens | null>): Promise<ZaloTokens | null>;
}

export interface ZaloClientOptions {
  appId: string;
  /** App Secret (OAuth). Not the OA Secret Key, which signs webhooks. */
  appSecret: string;
  /** Refresh token from the OA authorisation, used only when the store holds none. */
  bootstrapRefreshToken?: string;
  store: ZaloTokenStore;
  /** @defaultValue https://openapi.zalo.me */
  apiRoot?: string;
  /** @defaultValue https://oauth.zaloapp.com */
  oauthRoot?: string;
  /** @defaultValue https://business.openapi.zalo.me */
  znsRoot?: string;
  /** Refresh this long before expiry. @defaultValue 1 hour */
  refreshMarginMs?: number;
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

/** Zalo error codes we act on. Only -216 and -230 are confirmed by sources; see platforms.md. */
export const ZALO_ERRORS = {
  tokenInvalid: -216,
  outsideWindow: -230,
  /** The user unfollowed or blocked the OA [2nd-hand]. */
  userUnfollowed: -213,
  /** Request limit exceeded [2nd-hand]. */
  rateLimited: -32,
  /** OAuth: refresh token invalid or already used [2nd-hand]. */
  refreshInvalid: -14014,
} as const;

const apiResponse = z.object({ error: z.number(), message: z.string().optional(), data: z.unknown().optional() });
const sendData = z.object({ message_id: z.string() }).partial();
const znsData = z.object({ msg_id: z.string(), sent_time: z.union([z.string(), z.number()]).optional(), quota: z.unknown().optional() }).partial();
const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  // Zalo sends it as a string of seconds.
  expires_in: z.coerce.number().int().positive(),
});
const oauthError = z.object({ error: z.number(), error_name: z.string().optional(), error_description: z.string().optional() });

export type ZaloButton = { title: string; payload: string };

export class ZaloClient {
  private readonly apiRoot: string;
  private readonly oauthRoot: string;
  private readonly znsRoot: string;
  private readonly margin: number;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private inflight: Promise<ZaloTokens> | null = null;
  /** Refreshes performed by this process (tests and metrics). */
  refreshes = 0;

  constructor(private readonly opts: ZaloClientOptions) {
    this.apiRoot = opts.apiRoot ?? 'https://openapi.zalo.me';
    this.oauthRoot = opts.oauthRoot ?? 'https://oauth.zaloapp.com';
    this.znsRoot = opts.znsRoot ?? 'https://business.openapi.zalo.me';
    this.margin = opts.refreshMarginMs ?? 3_600_000;
    this.now = opts.now ?? Date.now;
    this.fetch = opts.fetch ?? fetch;
  }

  /** A customer-service message (text, optionally with buttons that send `payload` back hidden). */
  async sendText(userId: string, text: string, buttons: ZaloButton[] = []): Promise<{ messageId?: string }> {
    const message: Record<string, unknown> = { text };
    if (buttons.length) {
      message.attachment = { type: 'template', payload: { buttons: buttons.map((b) => ({ type: 'oa.query.hide', title: b.title, payload: b.payload })) } };
    }
    const data = await this.api(`${this.apiRoot}/v3.0/oa/message/cs`, { recipient: { user_id: userId }, message });
    const d = sendData.safeParse(data);
    return { messageId: d.success ? d.data.message_id : undefined };
  }

  /** A ZNS template message to a phone (0xxxxxxxxx or 84xxxxxxxxx). */
  async sendTemplate(phone: string, templateId: string, templateData: Record<string, string>, trackingId: string): Promise<{ msgId?: string }> {
    const data = await this.api(`${this.znsRoot}/message/template`, { phone: toZaloPhone(phone), template_id: templateId, template_data: templateData, tracking_id: trackingId });
    const d = znsData.safeParse(data);
    return { msgId: d.success ? d.data.msg_id : undefined };
  }

  /** A valid access token, refreshed first when it is missing or about to expire. */
  async accessToken(): Promise<string> {
    const t = await this.opts.store.current();
    if (t && t.expiresAt - this.margin > this.now()) return t.accessToken;
    return (await this.refresh(t?.accessToken ?? null)).accessToken;
  }

  /**
   * Refreshes once for everybody: in this process through one shared promise, across
   * processes through the store's lock. `staleToken` is the token the caller found wanting; if
   * another process already replaced it, its new token is used without a second refresh.
   */
  refresh(staleToken: string | null, force = false): Promise<ZaloTokens> {
    if (!this.inflight) {
      this.inflight = this.opts.store
        .refresh(async (current) => {
          const fresh = current !== null && current.expiresAt - this.margin > this.now();
          // Another process (or an earlier caller) already has a good token: use it.
          if (fresh && (current.accessToken !== staleToken || !force)) return current;
          const refreshToken = current?.refreshToken ?? this.opts.bootstrapRefreshToken;
          if (!refreshToken) throw new SendError('config', 'Zalo: no refresh token; authorise the Official Account and set ZALO_REFRESH_TOKEN');
          return this.exchange(refreshToken);
        })
        .then((t) => {
          if (!t) throw new SendError('config', 'Zalo: token store returned nothing');
          return t;
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    return this.inflight;
  }

  private async exchange(refreshToken: string): Promise<ZaloTokens> {
    const body = new URLSearchParams({ app_id: this.opts.appId, grant_type: 'refresh_token', refresh_token: refreshToken });
    const json = await this.http(`${this.oauthRoot}/v4/oa/access_token`, { secret_key: this.opts.appSecret, 'content-type': 'application/x-www-form-urlencoded' }, body.toString());
    const ok = tokenResponse.safeParse(json);
    if (ok.success) {
      this.refreshes++;
      return { accessToken: ok.data.access_token, refreshToken: ok.data.refresh_token, expiresAt: this.now() + ok.data.expires_in * 1000 };
    }
    const err = oauthError.safeParse(json);
    throw new SendError('config', `Zalo OAuth: refresh failed (${err.success ? `${err.data.error} ${err.data.error_name ?? ''}`.trim() : 'unexpected answer'}); re-authorise the Official Account`);
  }

  /** One OA/ZNS call with the access token; a -216 refreshes and retries once. */
  private async api(url: string, body: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const json = await this.http(url, { access_token: token, 'content-type': 'application/json' }, JSON.stringify(body));
      const r = apiResponse.safeParse(json);
      if (!r.success) throw new SendError('connection', 'Zalo: unexpected answer');
      if (r.data.error === 0) return r.data.data;
      if (r.data.error === ZALO_ERRORS.tokenInvalid && attempt === 1) {
        await this.refresh(token, true);
        continue;
      }
      throw toSendError(r.data.error, r.data.message);
    }
  }

  private async http(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (e) {
      throw new SendError('connection', `Zalo: network error (${(e as Error).name})`);
    }
    if (res.status === 429) throw new SendError('throttled', 'Zalo: too many requests', Number(res.headers.get('retry-after') ?? 1) * 1000);
    if (res.status >= 500) throw new SendError('connection', `Zalo: server error ${res.status}`);
    try {
      return await res.json();
    } catch {
      throw new SendError('connection', `Zalo: HTTP ${res.status} without JSON`);
    }
  }
}

export function toSendError(code: number, message?: string): SendError {
  const what = `Zalo error ${code}${message ? ` (${message})` : ''}`;
  if (code === ZALO_ERRORS.tokenInvalid) return new SendError('config', `${what}: the access token was refused after a refresh`);
  if (code === ZALO_ERRORS.outsideWindow) return new SendError('rejected', what, undefined, 'outside_window');
  if (code === ZALO_ERRORS.userUnfollowed) return new SendError('contact_stopped', what);
  if (code === ZALO_ERRORS.rateLimited) return new SendError('throttled', what, 1000);
  return new SendError('rejected', what);
}

/** 0912345678 → 84912345678 (Zalo's form). */
export function toZaloPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.startsWith('0') ? `84${digits.slice(1)}` : digits;
}
