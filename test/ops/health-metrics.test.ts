/**
 * Production operation: /healthz, /readyz (PostgreSQL and Redis, each within a second) and
 * /metrics (Prometheus text, optionally behind a bearer token) on the web app, a worker's own
 * listener, and the counters moving where things happen, without personal data in any label.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from '../../src/http/app.js';
import { registerOps } from '../../src/http/routes/ops.js';
import { startOpsServer } from '../../src/http/server.js';
import { createAdapters } from '../../bots/registry.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { Metrics } from '../../src/metrics.js';
import { changeStages } from '../../src/entitlements/stage.service.js';
import { enqueueChatMessages } from '../../src/outbox/outbox.service.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { hashIdNumber } from '../../src/people/id-number.js';
import { decryptPhone } from '../../src/shared/secrets.js';
import { createLogger } from '../../src/shared/log.js';
import type { SqlRunner } from '../../src/db/sql.js';
import { backends, testKeys } from '../helpers/db.js';
import { seededRuntime, type Sample, type TestRuntime } from '../helpers/runtime.js';
import { startPlatforms } from '../helpers/platforms.js';
import { pause, waitFor } from '../helpers/wait.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { textUpdate } from '../fixtures/telegram/updates.js';
import { TelegramAdapter } from '../../bots/telegram/adapter.js';
import { InboundDedupe } from '../../src/inbound/dedupe.js';
import type { ConversationEngine } from '../../src/conversation/engine.js';
import type { InboundMessage } from '../../src/conversation/types.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'metrics-token-0123456789abcdef';
const TG_SECRET = 'ops-test-webhook-secret-0123456789';

/** The value of one sample of a metric whose labels include `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

/** A full date of birth in another common form (05/03/1960 → 1960-03-05), to look for it in any shape. */
const isoOf = (dob: string) => dob.split('/').reverse().join('-');

describe.each(backends)('operations endpoints (%s)', (backend) => {
  let rt: TestRuntime;
  let app: FastifyInstance;
  const deps = (): AppDeps => ({ engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: createAdapters(), log: rt.log, metrics: rt.metrics, redis: rt.redis });

  beforeAll(async () => {
    rt = await seededRuntime({ backend });
    app = await buildApp(deps());
  });

  afterAll(async () => {
    await app?.close();
    await rt?.teardown();
  });

  /** A web chat through the page API (cookie from GET /chat), as the browser does it. */
  async function webChat() {
    const page = await app.inject({ method: 'GET', url: '/chat' });
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const say = async (text: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/chat/messages', headers: { cookie }, payload: { text } });
      expect(res.statusCode).toBe(200);
      return (res.json() as { replies: { text: string }[] }).replies.map((r) => r.text).join('\n');
    };
    return { say, chatId: cookie.split('=')[1]! };
  }

  const scrape = async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it('should answer /healthz, and /readyz with both checks ok on real Redis', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('should answer /readyz 503 within about a second when Redis does not answer, naming only the failed check', async () => {
    const dead = new Redis('redis://127.0.0.1:6399', { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500 });
    dead.on('error', () => {});
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } as never });
    const broken = await buildApp({ ...deps(), log, redis: dead });
    try {
      const t0 = Date.now();
      const res = await broken.inject({ method: 'GET', url: '/readyz' });
      expect(Date.now() - t0).toBeLessThan(2500);
      expect(res.statusCode).toBe(503);
      const body = res.json() as { ok: boolean; checks: Record<string, string> };
      expect(body.ok).toBe(false);
      expect(body.checks.postgres).toBe('ok');
      expect(['error', 'timeout']).toContain(body.checks.redis);
      expect(res.body).not.toMatch(/6399|127\.0\.0\.1|redis:\/\/|ECONNREFUSED|postgres(ql)?:\/\//);
      // Said once in the log (with the reason), not at every probe.
      await broken.inject({ method: 'GET', url: '/readyz' });
      expect(lines.filter((l) => l.includes('readiness check failed'))).toHaveLength(1);
    } finally {
      await broken.close();
      dead.disconnect();
    }
  });

  it('should count a web-chat look-up, its replies and the request, by route pattern only', async () => {
    const before = await scrape();
    const count = (text: string, name: string, labels: Record<string, string>) => sample(text, name, labels) ?? 0;
    const p = rt.samples.find((s) => !/^\d{4}$/.test(s.dateOfBirth))!;
    const chat = await webChat();
    expect(await chat.say(`${p.idNumber} ${p.dateOfBirth}`)).toContain(`***${p.idNumber.slice(-4)}`);
    const wrong = p.dateOfBirth.replace(/^(\d\d)/, (d) => (d === '01' ? '02' : '01'));
    expect(await chat.say(`${p.idNumber} ${wrong}`)).not.toContain(`***${p.idNumber.slice(-4)}`);
    const after = await scrape();
    const diff = (name: string, labels: Record<string, string>) => count(after, name, labels) - count(before, name, labels);
    expect(diff('ansinh_messages_in_total', { channel: 'web' })).toBe(2);
    expect(diff('ansinh_messages_out_total', { channel: 'web', kind: 'reply' })).toBeGreaterThanOrEqual(2);
    expect(diff('ansinh_lookups_total', { result: 'found' })).toBe(1);
    expect(diff('ansinh_lookups_total', { result: 'mismatch' })).toBe(1);
    expect(diff('ansinh_http_request_duration_seconds_count', { method: 'post', route: '/api/chat/messages', status: '200' })).toBe(2);
    // Node's process metrics come with ours.
    expect(sample(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after).toContain('# TYPE ansinh_queue_jobs gauge');
  });

  it('should keep ID numbers, phones, dates of birth, names and chat ids out of the metrics, whatever the URL', async () => {
    // A person with a phone on file, looked up with the real ID number.
    const withPhone: { s: Sample; phone: string }[] = [];
    for (const s of rt.samples.filter((x) => !/^\d{4}$/.test(x.dateOfBirth))) {
      const [row] = await rt.db.sql.query<{ phoneCipher: string | null }>(`SELECT "phoneCipher" FROM "Person" WHERE "idHash" = $1`, [hashIdNumber(testKeys.id, s.idNumber)]);
      if (row?.phoneCipher) withPhone.push({ s, phone: decryptPhone(testKeys, row.phoneCipher) });
      if (withPhone.length) break;
    }
    const { s: p, phone } = withPhone[0]!;
    const chat = await webChat();
    expect(await chat.say(`tra cứu ${p.idNumber} ngày sinh ${p.dateOfBirth}, sđt ${phone}`)).toContain(`***${p.idNumber.slice(-4)}`);
    // URLs that carry personal data: an unknown path, a query string on a known route.
    expect((await app.inject({ method: 'GET', url: `/tra-cuu/${p.idNumber}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/chat?cccd=${p.idNumber}&phone=${phone}` })).statusCode).toBe(200);
    const text = await scrape();
    expect(sample(text, 'ansinh_http_request_duration_seconds_count', { method: 'get', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    for (const secret of [p.idNumber, phone, phone.replace(/^0/, '84'), p.dateOfBirth, isoOf(p.dateOfBirth), p.name, chat.chatId, '/tra-cuu', 'cccd=']) {
      expect(text).not.toContain(secret);
    }
    // Every label value is a short code or a route pattern.
    for (const m of text.matchAll(/(\w+)="([^"]*)"/g)) {
      if (m[1] === 'route') expect(m[2]).toMatch(/^(\/[\w\-/:.*]*|unmatched|other)$/);
      else expect(m[2]).toMatch(/^[\w.+\-]{1,40}$/);
    }
  });

  it('should ask for the bearer token on /metrics when one is configured, and leave the probes open', async () => {
    const guarded = await buildApp({ ...deps(), metrics: new Metrics(), metricsToken: TOKEN });
    try {
      const get = (headers: Record<string, string> = {}) => guarded.inject({ method: 'GET', url: '/metrics', headers });
      const none = await get();
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(none.body).not.toContain('ansinh_');
      expect((await get({ authorization: `Bearer ${TOKEN}x` })).statusCode).toBe(401);
      expect((await get({ authorization: `Basic ${TOKEN}` })).statusCode).toBe(401);
      const ok = await get({ authorization: `Bearer ${TOKEN}` });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('# HELP ansinh_lookups_total');
      expect((await guarded.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await guarded.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('should finish requests and acknowledged webhook work in flight, and end push streams, when the app closes', async () => {
    // An engine that takes its time, so the close lands while messages are being handled.
    const slow = { handle: async (m: InboundMessage) => (await pause(600), rt.engine.handle(m)) } as unknown as ConversationEngine;
    const tg = new FakeTelegram();
    const adapter = new TelegramAdapter({ token: tg.token, apiRoot: await tg.start() });
    const closing = await buildApp({ ...deps(), engine: slow, telegram: { adapter, secret: TG_SECRET, dedupe: new InboundDedupe(rt.redis, rt.prefix) } });
    const base = await closing.listen({ host: '127.0.0.1', port: 0 });
    try {
      const cookie = ((await fetch(`${base}/chat`)).headers.get('set-cookie') ?? '').split(';')[0]!;
      const stream = await fetch(`${base}/api/chat/events`, { headers: { cookie } });
      const streamEnded = (async () => {
        for await (const _chunk of stream.body as unknown as AsyncIterable<Uint8Array>) { /* pushes */ }
        return 'ended';
      })().catch(() => 'broken');
      const hook = await fetch(`${base}/webhooks/telegram`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET }, body: JSON.stringify(textUpdate(7_400_001, 'xin chào')) });
      expect(hook.status).toBe(200);
      const inFlight = fetch(`${base}/api/chat/messages`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'xin chào' }) });
      await pause(150);
      const t0 = Date.now();
      await closing.close();
      expect(Date.now() - t0).toBeLessThan(5000);
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { replies: unknown[] }).replies.length).toBeGreaterThan(0);
      expect(tg.sentTo(7_400_001)).toHaveLength(1);
      expect(await streamEnded).toBe('ended');
    } finally {
      await closing.close();
      await tg.stop();
    }
  });

  it('should serve the probes and metrics from a worker-only listener', async () => {
    const ops = await startOpsServer(rt, { host: '127.0.0.1', port: 0 });
    try {
      expect(await (await fetch(`${ops.url}/healthz`)).json()).toEqual({ ok: true });
      expect(await (await fetch(`${ops.url}/readyz`)).json()).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
      expect(await (await fetch(`${ops.url}/metrics`)).text()).toContain('# HELP ansinh_messages_out_total');
      expect((await fetch(`${ops.url}/chat`)).status).toBe(404);
    } finally {
      await ops.app.close();
    }
  });
});

describe('readiness checks', () => {
  it('should report a PostgreSQL that does not answer as a timeout after about a second', async () => {
    const hanging: SqlRunner = { query: () => new Promise(() => {}), exec: () => new Promise(() => {}), transaction: () => new Promise(() => {}) };
    const app = Fastify();
    registerOps(app, { sql: hanging, log: createLogger({ level: 'silent' }), redis: { ping: async () => 'PONG' }, readyTimeoutMs: 300 });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false, checks: { postgres: 'timeout', redis: 'ok' } });
    await app.close();
  });

  it('should take ANSINH_METRICS_TOKEN from the environment and refuse a short one', () => {
    expect(loadConfig({ ANSINH_METRICS_TOKEN: TOKEN }, '/x').metrics.token).toBe(TOKEN);
    expect(loadConfig({}, '/x').metrics.token).toBeUndefined();
    expect(() => loadConfig({ ANSINH_METRICS_TOKEN: 'short' }, '/x')).toThrow(ConfigError);
    expect(() => loadConfig({ ANSINH_METRICS_TOKEN: 'short' }, '/x')).toThrow(/ANSINH_METRICS_TOKEN/);
  });
});

describe('queued sends in the metrics', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await seededRuntime();
    rt.clock.set(new Date()); // Zalo's window is measured on this clock
  });

  afterAll(async () => {
    await rt?.teardown();
  });

  it('should count Telegram messages in, replies, a queued notification, and report the queues', async () => {
    const sim = await startPlatforms(rt, { backoffMs: 200, backoffCapMs: 2000 });
    try {
      const p = rt.samples.find((s) => s.status === 'in_review' && !/^\d{4}$/.test(s.dateOfBirth))!;
      const chat = 7_300_001;
      expect((await sim.telegram(chat, `${p.idNumber} ${p.dateOfBirth}`)).text).toContain(`***${p.idNumber.slice(-4)}`);
      expect((await sim.telegram(chat, 'nhận thông báo')).text).toMatch(/Đã bật thông báo/);
      const [f] = await rt.db.sql.query<{ id: number }>(
        `SELECT e.id FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId" WHERE p."idHash" = $1 ORDER BY e.id LIMIT 1`,
        [hashIdNumber(testKeys.id, p.idNumber)],
      );
      await changeStages(rt.db.sql, await loadWorkingCalendar(rt.db.prisma), [{ entitlementId: f!.id, toStage: 'paid', paymentPlace: 'Bưu điện xã', paymentMethod: 'Tiền mặt' }], { source: 'admin', actor: 'test', at: new Date() });
      await waitFor(() => sim.tg.sentTo(chat).some((m) => m.text.startsWith('Cập nhật hồ sơ hỗ trợ')), 20_000, 'the notice');
      const scrape = async () => (await fetch(`${sim.base}/metrics`)).text();
      await waitFor(async () => (sample(await scrape(), 'ansinh_messages_out_total', { channel: 'telegram', kind: 'notification' }) ?? 0) >= 1, 5000, 'the notification counted');
      const text = await scrape();
      expect(sample(text, 'ansinh_messages_in_total', { channel: 'telegram' })).toBe(2);
      expect(sample(text, 'ansinh_messages_out_total', { channel: 'telegram', kind: 'reply' })).toBe(2);
      expect(sample(text, 'ansinh_lookups_total', { result: 'found' })).toBe(1);
      expect(sample(text, 'ansinh_http_request_duration_seconds_count', { method: 'post', route: '/webhooks/telegram', status: '200' })).toBe(2);
      for (const channel of ['telegram', 'zalo']) {
        for (const state of ['waiting', 'delayed', 'active', 'failed', 'completed']) expect(sample(text, 'ansinh_queue_jobs', { channel, state }), `${channel} ${state}`).toBeTypeOf('number');
      }
      expect(sample(text, 'ansinh_queue_jobs', { channel: 'telegram', state: 'completed' })).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain(String(chat));
      expect(text).not.toContain(p.idNumber);

      // The platform down: each failed attempt is counted with its SendError kind.
      sim.tg.outage = true;
      const [identity] = await rt.db.sql.query<{ id: number }>(`SELECT id FROM "ChannelIdentity" WHERE channel = 'telegram' AND "externalId" = $1`, [String(chat)]);
      await enqueueChatMessages(rt.db.sql, [{ identityId: identity!.id, channel: 'telegram', template: 'text', params: { text: 'Thử lỗi' } }]);
      await waitFor(async () => (sample(await scrape(), 'ansinh_send_errors_total', { channel: 'telegram', kind: 'connection' }) ?? 0) >= 1, 15_000, 'a counted send error');
      sim.tg.outage = false;
      await waitFor(async () => (sample(await scrape(), 'ansinh_messages_out_total', { channel: 'telegram', kind: 'text' }) ?? 0) >= 1, 15_000, 'the retried message counted once sent');
    } finally {
      await sim.stop();
    }
  });
});

describe('ansinh worker --port', () => {
  it('should serve /readyz and /metrics (behind the token) and stop on SIGTERM', async () => {
    const prefix = `test:${randomUUID()}:`;
    const child = spawn(process.execPath, [join(ROOT, 'bin/ansinh.js'), 'worker', '--port', '0'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn',
        ANSINH_DATA_DIR: mkdtempSync(join(tmpdir(), 'ansinh-worker-')), ANSINH_REDIS_PREFIX: prefix, ANSINH_METRICS_TOKEN: TOKEN,
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitFor(() => /health and metrics at (http:\/\/\S+) /.test(out), 60_000, `the worker to listen; output:\n${out}`);
      const base = /health and metrics at (http:\/\/\S+) /.exec(out)![1]!;
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ ok: true, checks: { postgres: 'ok', redis: 'ok' } });
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(await metrics.text()).toContain('# HELP ansinh_queue_jobs');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }, 90_000);
});
