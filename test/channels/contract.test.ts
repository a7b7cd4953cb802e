/**
 * The contract every channel adapter passes (web, Telegram, Zalo), table-driven over recorded
 * platform payloads in test/fixtures/<channel>/contract.ts: inbound payloads parse to exactly
 * the expected message (or are ignored); a reply becomes exactly the expected platform
 * requests; failures map onto the closed SendError set; and no token or secret reaches the
 * logs, whatever fails. Adding a channel means adding one entry here and its fixtures.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendError, type ChannelAdapter, type SendErrorKind } from '../../bots/channel.js';
import { WebAdapter } from '../../bots/web/adapter.js';
import { TelegramAdapter } from '../../bots/telegram/adapter.js';
import { ZaloAdapter } from '../../bots/zalo/adapter.js';
import type { ZaloTokens, ZaloTokenStore } from '../../bots/zalo/client.js';
import type { Reply } from '../../src/conversation/types.js';
import { deliverReplies } from '../../src/inbound/pipeline.js';
import { createLogger } from '../../src/shared/log.js';
import type { SqlRunner } from '../../src/db/sql.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { FakeZalo } from '../fakes/zalo.js';
import type { InboundFixture, OutboundFixture } from '../fixtures/contract.js';
import * as webFixtures from '../fixtures/web/contract.js';
import * as telegramFixtures from '../fixtures/telegram/contract.js';
import * as zaloFixtures from '../fixtures/zalo/contract.js';
import { waitFor } from '../helpers/wait.js';

/** Tokens in memory: the contract is about the adapter, not about where tokens are kept. */
class MemoryTokens implements ZaloTokenStore {
  private t: ZaloTokens | null = null;
  async current() {
    return this.t;
  }
  async refresh(fn: (c: ZaloTokens | null) => Promise<ZaloTokens | null>) {
    this.t = (await fn(this.t)) ?? this.t;
    return this.t;
  }
}

interface Harness {
  adapter: ChannelAdapter<unknown>;
  /** Platform request bodies recorded since `mark()`. */
  mark(): void;
  requests(): unknown[];
  /** Makes the next sends fail in a given way; returns an undo. */
  fail(kind: SendErrorKind): (() => void) | null;
  secrets: string[];
  stop(): Promise<void>;
}

interface Channel {
  name: string;
  inbound: InboundFixture[];
  outbound: OutboundFixture[];
  /** Failure kinds this platform can produce (the others are checked where they exist). */
  failures: SendErrorKind[];
  start(): Promise<Harness>;
}

const channels: Channel[] = [
  {
    name: 'web',
    ...webFixtures,
    failures: ['connection'],
    async start() {
      const adapter = new WebAdapter();
      const pushed: Reply[] = [];
      let unsubscribe: (() => void) | null = null;
      const connect = () => {
        unsubscribe = adapter.subscribe(webFixtures.outbound[0]!.chatId, (r) => pushed.push(r));
      };
      connect();
      let from = 0;
      return {
        adapter,
        mark: () => void (from = pushed.length),
        requests: () => pushed.slice(from),
        fail: (kind) => {
          if (kind !== 'connection') return null;
          unsubscribe?.();
          return connect;
        },
        secrets: [],
        stop: async () => unsubscribe?.(),
      };
    },
  },
  {
    name: 'telegram',
    ...telegramFixtures,
    failures: ['connection', 'throttled', 'contact_stopped', 'config', 'rejected'],
    async start() {
      const fake = new FakeTelegram({ perChatBurst: 100, globalPerSecond: 1000 });
      const root = await fake.start();
      let adapter = new TelegramAdapter({ token: fake.token, apiRoot: root });
      let from = 0;
      const h: Harness = {
        get adapter() {
          return adapter;
        },
        mark: () => void (from = fake.calls.length),
        requests: () => fake.calls.slice(from).filter((c) => c.method === 'sendMessage').map((c) => c.body),
        fail: (kind) => {
          const chat = telegramFixtures.outbound[0]!.chatId;
          switch (kind) {
            case 'connection':
              fake.outage = true;
              return () => void (fake.outage = false);
            case 'contact_stopped':
              fake.blocked.add(chat);
              return () => void fake.blocked.delete(chat);
            case 'throttled':
              fake.floodWait = 2;
              return () => void (fake.floodWait = 0);
            case 'config': {
              const saved = adapter;
              adapter = new TelegramAdapter({ token: '999:wrong-token-value', apiRoot: root });
              return () => void (adapter = saved);
            }
            case 'rejected':
              fake.unknownChats.add(chat);
              return () => void fake.unknownChats.delete(chat);
          }
        },
        secrets: [fake.token, fake.token.split(':')[1]!],
        stop: () => fake.stop(),
      };
      return h;
    },
  },
  {
    name: 'zalo',
    ...zaloFixtures,
    failures: ['connection', 'throttled', 'contact_stopped', 'config', 'rejected'],
    async start() {
      const fake = new FakeZalo();
      const root = await fake.start();
      const make = (appSecret = fake.appSecret) => new ZaloAdapter({
        appId: fake.appId, appSecret, oaSecret: fake.oaSecret, bootstrapRefreshToken: fake.refreshToken,
        apiRoot: root, oauthRoot: root, znsRoot: root, store: new MemoryTokens(),
      });
      let adapter = make();
      const user = zaloFixtures.outbound[0]!.chatId;
      fake.interactions.set(user, Date.now());
      let from = 0;
      const secrets = [fake.appSecret, fake.oaSecret];
      return {
        get adapter() {
          return adapter;
        },
        mark: () => void (from = fake.calls.length),
        requests: () => fake.calls.slice(from).filter((c) => c.path === '/v3.0/oa/message/cs' && c.error === 0).map((c) => c.body),
        fail: (kind) => {
          switch (kind) {
            case 'connection':
              fake.outage = true;
              return () => void (fake.outage = false);
            case 'contact_stopped':
              fake.unfollowed.add(user);
              return () => void fake.unfollowed.delete(user);
            case 'rejected':
              // Outside the interaction window (-230).
              fake.interactions.set(user, Date.now() - 8 * 24 * 3_600_000);
              return () => void fake.interactions.set(user, Date.now());
            case 'throttled':
              fake.perSecond = 0;
              return () => void (fake.perSecond = 20);
            case 'config': {
              const saved = adapter;
              adapter = make('wrong-app-secret');
              return () => void (adapter = saved);
            }
          }
        },
        get secrets() {
          // Tokens issued during the run count too.
          const issued = fake.calls.filter((c) => c.path === '/v4/oa/access_token' && c.error === 0).flatMap((c) => [String(c.headers.secret_key)]);
          return [...secrets, ...issued, fake.refreshToken];
        },
        stop: () => fake.stop(),
      };
    },
  },
];


describe.each(channels)('channel contract: $name', (channel) => {
  let h: Harness;
  const logLines: string[] = [];
  const log = createLogger({ level: 'trace', destination: new Writable({ write(c, _e, cb) { logLines.push(String(c)); cb(); } }) as never });
  const noDb: SqlRunner = { query: async () => [], exec: async () => {}, transaction: async (f) => f(noDb) };

  beforeAll(async () => {
    h = await channel.start();
  });
  afterAll(async () => h?.stop());

  it('should declare its capabilities', () => {
    expect(h.adapter.name).toBe(channel.name);
    expect(h.adapter.capabilities.maxTextLength).toBeGreaterThan(0);
    expect(typeof h.adapter.capabilities.buttons).toBe('boolean');
  });

  it.each(channel.inbound)('should parse inbound "$name"', (f) => {
    const parsed = h.adapter.parse(f.raw);
    if (f.expect === 'ignored') expect(parsed).toHaveProperty('ignored');
    else expect(parsed).toEqual(f.expect);
  });

  it.each(channel.outbound)('should send "$name" as exactly the recorded requests', async (f) => {
    h.mark();
    await h.adapter.send(f.chatId, f.reply);
    await waitFor(() => h.requests().length >= f.requests.length);
    expect(h.requests()).toEqual(f.requests);
  });

  it('should fail only with the closed set of SendError kinds, and log no secret', async () => {
    const chatId = channel.outbound[0]!.chatId;
    for (const kind of channel.failures) {
      const undo = h.fail(kind);
      if (!undo) continue;
      await new Promise((r) => setTimeout(r, 50));
      const err = await h.adapter.send(chatId, { text: 'Thử lỗi' }).then(() => null, (e: unknown) => e);
      expect(err, `expected ${kind}`).toBeInstanceOf(SendError);
      expect((err as SendError).kind, `expected ${kind}`).toBe(kind);
      // The pipeline logs what went wrong; none of it may carry a token.
      await deliverReplies({ engine: null as never, sql: noDb, log, maxWaitMs: 10, sleep: async () => {} }, h.adapter, chatId, [{ text: 'Thử lỗi' }]);
      log.warn({ err }, 'send failed');
      undo();
    }
    const all = logLines.join('\n');
    for (const s of h.secrets) if (s) expect(all).not.toContain(s);
  });
});
