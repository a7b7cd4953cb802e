/**
 * Zalo OA end to end through the fake Zalo: our client over HTTP, the signed webhook, dedupe of
 * redelivered events, hidden-payload buttons, 19-digit ids, bad input, token refresh (-216),
 * unfollow, and no token or secret in the logs.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createAdapters } from '../../bots/registry.js';
import { ZaloAdapter } from '../../bots/zalo/adapter.js';
import type { ZaloTokens } from '../../bots/zalo/client.js';
import { LockedSecret } from '../../src/secrets/locked-secret.js';
import { InboundDedupe } from '../../src/inbound/dedupe.js';
import { createLogger } from '../../src/shared/log.js';
import { FakeZalo } from '../fakes/zalo.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { testKeys } from '../helpers/db.js';
import { followEvent, groupEvent, imageEvent, seenEvent, stickerEvent, textEvent, unfollowEvent } from '../fixtures/zalo/events.js';
import { waitFor } from '../helpers/wait.js';

let rt: TestRuntime;
let fake: FakeZalo;
let adapter: ZaloAdapter;
let app: FastifyInstance;
let url: string;
let handled = 0;
const logLines: string[] = [];
let userSeq = 0;
// 19 digits: beyond Number.MAX_SAFE_INTEGER, so any number conversion would show.
const newUser = () => `90071992547409${String(10_000 + ++userSeq).padStart(5, '0')}`;

beforeAll(async () => {
  rt = await seededRuntime();
  fake = new FakeZalo();
  const root = await fake.start();
  adapter = new ZaloAdapter({
    appId: fake.appId, appSecret: fake.appSecret, oaSecret: fake.oaSecret, bootstrapRefreshToken: fake.refreshToken,
    apiRoot: root, oauthRoot: root, znsRoot: root, znsTemplateId: 'ansinh-status',
    store: new LockedSecret<ZaloTokens>(rt.db.sql, testKeys.tokenEnc, 'secret:zalo-tokens'),
  });
  const log = createLogger({ level: 'debug', destination: new Writable({ write(c, _e, cb) { logLines.push(String(c)); cb(); } }) as never });
  app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: createAdapters(), log,
    zalo: { adapter, dedupe: new InboundDedupe(rt.redis, rt.prefix), onHandled: () => handled++, maxWaitMs: 3000 },
  });
  url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhooks/zalo`;
});

afterAll(async () => {
  await app?.close();
  await fake?.stop();
  await rt?.teardown();
});

beforeEach(() => {
  fake.outage = false;
});


async function event(e: Record<string, unknown>, opts: { signature?: string } = {}) {
  const before = handled;
  const res = await fake.userEvent(url, e, opts);
  return { res, done: () => waitFor(() => handled > before) };
}

async function say(user: string, text: string) {
  const p = await event(textEvent(user, text));
  expect(p.res.status).toBe(200);
  await p.done();
  return fake.sentTo(user).at(-1)!;
}

describe('Zalo OA channel', () => {
  it('should let a citizen look up a status with 19-digit ids kept exact', async () => {
    const p = rt.samples.find((s) => s.status === 'paid' && !/^\d{4}$/.test(s.dateOfBirth))!;
    const user = newUser();
    expect((await say(user, 'tra cứu')).text).toMatch(/nhập số CCCD/);
    expect((await say(user, p.idNumber)).text).toContain(`***${p.idNumber.slice(-4)}`);
    const status = await say(user, p.dateOfBirth);
    expect(status.text).toMatch(/Đã chi trả ngày/);
    expect(status.buttons).toEqual([
      { type: 'oa.query.hide', title: 'Nhận thông báo', payload: '#a:notify:on' },
      { type: 'oa.query.hide', title: 'Tra cứu người khác', payload: '#a:lookup' },
      { type: 'oa.query.hide', title: 'Menu', payload: '#a:menu' },
    ]);
    const identity = await rt.db.prisma.channelIdentity.findUnique({ where: { channel_externalId: { channel: 'zalo', externalId: user } } });
    expect(identity?.externalId).toBe(user);
  });

  it('should treat a hidden button payload as the button action', async () => {
    const user = newUser();
    await say(user, 'xin chào');
    const reply = await say(user, '#a:faq');
    expect(reply.text).toMatch(/câu hỏi|Câu hỏi/i);
  });

  it('should reply once to an event delivered three times', async () => {
    const user = newUser();
    const e = textEvent(user, 'menu');
    const first = await event(e);
    await first.done();
    const again = await fake.userEvent(url, e);
    const third = await fake.userEvent(url, e);
    expect([again.status, third.status]).toEqual([200, 200]);
    expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.sentTo(user)).toHaveLength(1);
  });

  it('should refuse a missing or wrong signature with 401 and process nothing', async () => {
    const user = newUser();
    const before = fake.calls.length;
    const wrong = await fake.userEvent(url, textEvent(user, 'menu'), { signature: 'mac=' + '0'.repeat(64) });
    const missing = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textEvent(user, 'menu')) });
    // Signed for another app: the app_id in the body must be ours.
    const other = await fake.userEvent(url, { ...textEvent(user, 'menu'), app_id: '1111111111111111111' });
    expect([wrong.status, missing.status, other.status]).toEqual([401, 401, 401]);
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.calls.length).toBe(before);
    expect(await rt.db.prisma.channelIdentity.count({ where: { externalId: user } })).toBe(0);
  });

  it('should answer stickers, images and a new follower with the menu, and ignore receipts and groups', async () => {
    const user = newUser();
    const s = await event(stickerEvent(user));
    await s.done();
    expect(fake.sentTo(user).at(-1)!.text).toMatch(/cần hỗ trợ gì/);
    const i = await event(imageEvent(user));
    await i.done();
    const f = await event(followEvent(user));
    await f.done();
    expect(fake.sentTo(user)).toHaveLength(3);
    const seen = await event(seenEvent(user));
    const group = await event(groupEvent(user, 'tra cứu'));
    await seen.done();
    await group.done();
    expect(fake.sentTo(user)).toHaveLength(3);
  });

  it('should acknowledge malformed bodies without a crash when the signature is right', async () => {
    const res = await fake.userEvent(url, { event_name: 42, sender: 'nobody' } as never);
    expect(res.status).toBe(200);
    const res2 = await fake.userEvent(url, { event_name: 'user_send_text', sender: { id: 'not-a-number' }, message: { text: 'x' } });
    expect(res2.status).toBe(200);
  });

  it('should mark a user who unfollowed the OA as stopped', async () => {
    const user = newUser();
    await say(user, 'menu');
    const e = await event(unfollowEvent(user));
    await e.done();
    const identity = await rt.db.prisma.channelIdentity.findUnique({ where: { channel_externalId: { channel: 'zalo', externalId: user } } });
    expect(identity?.blocked).toBe(true);
  });

  it('should refresh an expired access token once and resend (-216)', async () => {
    const user = newUser();
    await say(user, 'menu');
    const refreshes = adapter.client.refreshes;
    fake.expireAccessTokens();
    const reply = await say(user, 'menu');
    expect(reply.text).toMatch(/cần hỗ trợ gì/);
    expect(adapter.client.refreshes).toBe(refreshes + 1);
    const failed = fake.calls.filter((c) => c.error === -216);
    expect(failed.length).toBeGreaterThan(0);
  });

  it('should keep the rotating refresh token encrypted in the database', async () => {
    const row = await rt.db.prisma.meta.findUnique({ where: { key: 'secret:zalo-tokens' } });
    expect(row).not.toBeNull();
    expect(JSON.stringify(row!.value)).not.toContain(fake.refreshToken);
    expect(JSON.stringify(row!.value)).not.toContain('at-');
  });

  it('should never write a token or secret to the logs', () => {
    const all = logLines.join('\n');
    expect(all).not.toContain(fake.appSecret);
    expect(all).not.toContain(fake.oaSecret);
    expect(all).not.toMatch(/at-\d+-|rt-\d+-|rt-initial/);
  });
});
