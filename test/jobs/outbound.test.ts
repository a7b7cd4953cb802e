/**
 * Status-change notifications end to end: citizens look up and opt in on Telegram, Zalo and the
 * web chat through the real webhooks and page API; a stage change reaches each bound chat
 * exactly once through the outbox, the relay and the rate-limited BullMQ queues on the fake
 * platforms. Then the faults: a blocked chat, Zalo's window with and without a phone (ZNS), a
 * 30-second platform outage that must lose nothing, and interactive replies that keep their
 * headroom while a bulk send runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeStages } from '../../src/entitlements/stage.service.js';
import { enqueueChatMessages } from '../../src/outbox/outbox.service.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import type { WorkingCalendar } from '../../src/calendar/working-calendar.js';
import { hashIdNumber } from '../../src/people/id-number.js';
import { testKeys } from '../helpers/db.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { startPlatforms, type Platforms } from '../helpers/platforms.js';
import { pause, waitFor } from '../helpers/wait.js';

let rt: TestRuntime;
let sim: Platforms;
let cal: WorkingCalendar;
let seq = 0;

beforeAll(async () => {
  rt = await seededRuntime();
  // The sender compares Zalo's window to the clock: run this file on the real time.
  rt.clock.set(new Date());
  cal = await loadWorkingCalendar(rt.db.prisma);
  sim = await startPlatforms(rt, { backoffMs: 200, backoffCapMs: 5000 });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await rt?.teardown();
});

const telegramSays = async (chat: number, text: string) => (await sim.telegram(chat, text)).text;
const zaloSays = async (user: string, text: string) => (await sim.zalo(user, text)).text;

/** The web chat: the page API with its cookie, and the page's push stream. */
async function webChat() {
  const page = await fetch(`${sim.base}/chat`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const pushed: string[] = [];
  const say = async (text: string) => {
    const res = await fetch(`${sim.base}/api/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ text }) });
    const body = (await res.json()) as { replies: { text: string }[] };
    return body.replies.map((r) => r.text).join('\n');
  };
  await say('xin chào');
  const controller = new AbortController();
  const res = await fetch(`${sim.base}/api/chat/events`, { headers: { cookie }, signal: controller.signal });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        for (const m of decoder.decode(chunk).matchAll(/^data: (.*)$/gm)) pushed.push((JSON.parse(m[1]!) as { text: string }).text);
      }
    } catch {
      /* closed */
    }
  })();
  return { say, pushed, close: () => controller.abort() };
}

async function fileOf(idNumber: string) {
  const [row] = await rt.db.sql.query<{ id: number; personId: number; stage: string }>(
    `SELECT e.id, e."personId", e.stage FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId" WHERE p."idHash" = $1 ORDER BY e.id LIMIT 1`,
    [hashIdNumber(testKeys.id, idNumber)],
  );
  return row!;
}

/** A chat bound to a person straight in the database (for the fault tests). */
async function bind(personId: number, channel: string, externalId: string, lastInboundAt = new Date()) {
  const [i] = await rt.db.sql.query<{ id: number }>(
    `INSERT INTO "ChannelIdentity" (channel, "externalId", notify, "lastInboundAt", "updatedAt") VALUES ($1, $2, true, $3, now()) RETURNING id`,
    [channel, externalId, lastInboundAt],
  );
  await rt.db.sql.query(`INSERT INTO "Binding" ("identityId", "personId") VALUES ($1, $2)`, [i!.id, personId]);
  return i!.id;
}

async function inReviewPeople(n: number, filter = '') {
  return rt.db.sql.query<{ id: number; personId: number }>(
    `SELECT e.id, e."personId" FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId"
     WHERE e.status = 'in_review' AND NOT EXISTS (SELECT 1 FROM "Binding" b WHERE b."personId" = p.id) ${filter}
     ORDER BY e.id DESC LIMIT $1`,
    [n],
  );
}

const unreachable = (personId: number) =>
  rt.db.sql.query<{ payload: { reason: string; channel: string } }>(`SELECT payload FROM "OutboxEvent" WHERE kind = 'unreachable' AND (payload->>'personId')::int = $1`, [personId]);

describe('status-change notifications', () => {
  it('should tell an opted-in citizen exactly once on each bound channel: Telegram, Zalo and the web chat', async () => {
    const p = rt.samples.find((s) => s.status === 'in_review' && !/^\d{4}$/.test(s.dateOfBirth))!;
    const chat = 7_100_001;
    const user = '9007199254740993001';
    await telegramSays(chat, 'tra cứu');
    await telegramSays(chat, p.idNumber);
    expect(await telegramSays(chat, p.dateOfBirth)).toContain(`***${p.idNumber.slice(-4)}`);
    expect(await telegramSays(chat, 'nhận thông báo')).toMatch(/Đã bật thông báo/);
    await zaloSays(user, 'tra cứu');
    await zaloSays(user, p.idNumber);
    await zaloSays(user, p.dateOfBirth);
    expect(await zaloSays(user, 'nhận thông báo')).toMatch(/Đã bật thông báo/);
    const web = await webChat();
    await web.say('tra cứu');
    await web.say(p.idNumber);
    await web.say(p.dateOfBirth);
    expect(await web.say('nhận thông báo')).toMatch(/Đã bật thông báo/);
    // A second Telegram chat that looked the person up but did not opt in hears nothing.
    const quiet = 7_100_002;
    await telegramSays(quiet, 'tra cứu');
    await telegramSays(quiet, p.idNumber);
    await telegramSays(quiet, p.dateOfBirth);

    const f = await fileOf(p.idNumber);
    const quietBefore = sim.tg.sentTo(quiet).length;
    await changeStages(rt.db.sql, cal, [{ entitlementId: f.id, toStage: 'paid', paymentPlace: 'Bưu điện xã', paymentMethod: 'Tiền mặt' }], { source: 'admin', actor: 'test', at: new Date() });
    const notice = (t: string) => t.startsWith('Cập nhật hồ sơ hỗ trợ');
    await waitFor(() => sim.tg.sentTo(chat).some((m) => notice(m.text)) && sim.zl.sentTo(user).some((m) => notice(m.text)) && web.pushed.some(notice), 20_000, 'the notices');
    await pause(1500);
    expect(sim.tg.sentTo(chat).filter((m) => notice(m.text))).toHaveLength(1);
    expect(sim.zl.sentTo(user).filter((m) => notice(m.text))).toHaveLength(1);
    expect(web.pushed.filter(notice)).toHaveLength(1);
    expect(sim.tg.sentTo(quiet).length).toBe(quietBefore);
    const text = sim.tg.sentTo(chat).find((m) => notice(m.text))!.text;
    expect(text).toContain('Đã chi trả ngày');
    expect(text).toContain('Bưu điện xã');
    const audits = await rt.db.sql.query<{ channel: string; result: string }>(`SELECT channel, result FROM "AuditEvent" WHERE action = 'notify' AND "personId" = $1 ORDER BY channel`, [f.personId]);
    expect(audits).toEqual([{ channel: 'telegram', result: 'sent' }, { channel: 'zalo', result: 'sent' }]);
    web.close();
  });

  it('should mark a Telegram chat that blocked the bot and record that the person was not reached', async () => {
    const [f] = await inReviewPeople(1);
    const chat = 7_200_001;
    const identityId = await bind(f!.personId, 'telegram', String(chat));
    sim.tg.blocked.add(String(chat));
    await changeStages(rt.db.sql, cal, [{ entitlementId: f!.id, toStage: 'rejected', reason: 'Không thuộc đối tượng' }], { source: 'admin', at: new Date() });
    await waitFor(async () => (await unreachable(f!.personId)).length > 0, 15_000, 'the unreachable record');
    expect((await unreachable(f!.personId))[0]!.payload).toMatchObject({ reason: 'blocked', channel: 'telegram' });
    const [identity] = await rt.db.sql.query<{ blocked: boolean; notify: boolean }>(`SELECT blocked, notify FROM "ChannelIdentity" WHERE id = $1`, [identityId]);
    expect(identity).toEqual({ blocked: true, notify: false });
  });

  it('should send the ZNS template by phone to a Zalo user outside the window, or record that nobody was reached', async () => {
    const [withPhone] = await inReviewPeople(1, `AND p."phoneCipher" IS NOT NULL`);
    const [noPhone] = await inReviewPeople(1, `AND p."phoneCipher" IS NULL`);
    const old = new Date(Date.now() - 8 * 24 * 3_600_000);
    await bind(withPhone!.personId, 'zalo', '9007199254740993101', old);
    await bind(noPhone!.personId, 'zalo', '9007199254740993102', old);
    const zns = sim.zl.znsSent().length;
    await changeStages(rt.db.sql, cal, [{ entitlementId: withPhone!.id, toStage: 'paid' }, { entitlementId: noPhone!.id, toStage: 'paid' }], { source: 'admin', at: new Date() });
    await waitFor(() => sim.zl.znsSent().length > zns, 15_000, 'the ZNS message');
    const sent = sim.zl.znsSent().at(-1)!;
    expect(sent.body.phone).toMatch(/^84\d{9}$/);
    expect(sent.body.template_id).toBe('ansinh-status');
    expect(sent.body.template_data).toMatchObject({ program: expect.any(String), status: expect.stringMatching(/Đã chi trả ngày/) });
    await waitFor(async () => (await unreachable(noPhone!.personId)).length > 0, 15_000, 'the unreachable record');
    expect((await unreachable(noPhone!.personId))[0]!.payload.reason).toBe('outside_window_no_phone');
    // The phone was never sent as a cs message, and the cs endpoint was not tried for either.
    expect(sim.zl.sentTo('9007199254740993101')).toHaveLength(0);
  });

  it('should lose nothing when both platforms are down for 30 seconds', async () => {
    const people = await inReviewPeople(20);
    const chats = people.map((_, i) => 7_300_000 + i);
    const users = people.map((_, i) => `90071992547409940${String(i).padStart(2, '0')}`);
    for (const [i, f] of people.entries()) {
      if (i % 2 === 0) await bind(f.personId, 'telegram', String(chats[i]));
      else {
        await bind(f.personId, 'zalo', users[i]!);
        sim.zl.interactions.set(users[i]!, Date.now());
      }
    }
    sim.tg.outage = true;
    sim.zl.outage = true;
    const t0 = Date.now();
    await changeStages(rt.db.sql, cal, people.map((f) => ({ entitlementId: f.id, toStage: 'paid' })), { source: 'import', at: new Date() });
    await pause(30_000);
    sim.tg.outage = false;
    sim.zl.outage = false;
    const got = () => people.filter((_, i) => (i % 2 === 0 ? sim.tg.sentTo(chats[i]!).length : sim.zl.sentTo(users[i]!).length) > 0).length;
    await waitFor(() => got() === people.length, 30_000, 'every message after the outage');
    const recovered = Date.now() - t0 - 30_000;
    await pause(1000);
    for (const [i] of people.entries()) expect(i % 2 === 0 ? sim.tg.sentTo(chats[i]!).length : sim.zl.sentTo(users[i]!).length).toBe(1);
    for (const f of people) expect(await unreachable(f.personId)).toHaveLength(0);
    // Every send during the outage failed at the platform: they were retried, not dropped.
    expect(sim.tg.calls.filter((c) => c.status === 502).length + sim.zl.calls.filter((c) => c.status === 502).length).toBeGreaterThanOrEqual(people.length);
    console.log(`outage test: all ${people.length} delivered ${(recovered / 1000).toFixed(1)} s after the platforms came back`);
  }, 90_000);

  it('should delay, not lose, messages through a storm of 429s', async () => {
    const people = await inReviewPeople(10);
    const chats = people.map((_, i) => 7_600_000 + i);
    for (const [i, f] of people.entries()) await bind(f.personId, 'telegram', String(chats[i]));
    sim.tg.floodWait = 1;
    await changeStages(rt.db.sql, cal, people.map((f) => ({ entitlementId: f.id, toStage: 'paid' })), { source: 'import', at: new Date() });
    await waitFor(() => sim.tg.calls.filter((c) => c.status === 429 && chats.includes(Number(c.body.chat_id))).length >= 3, 10_000, 'the 429s');
    await pause(3000);
    sim.tg.floodWait = 0;
    await waitFor(() => chats.every((c) => sim.tg.sentTo(c).length > 0), 20_000, 'every message after the storm');
    await pause(1000);
    for (const c of chats) expect(sim.tg.sentTo(c)).toHaveLength(1);
    for (const f of people) expect(await unreachable(f.personId)).toHaveLength(0);
  }, 60_000);

  it('should keep interactive replies fast and under the platform limit while a bulk send runs', async () => {
    const n = 120;
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const [row] = await rt.db.sql.query<{ id: number }>(
        `INSERT INTO "ChannelIdentity" (channel, "externalId", notify, "updatedAt") VALUES ('telegram', $1, true, now()) RETURNING id`, [String(7_400_000 + i)]);
      ids.push(row!.id);
    }
    const throttledBefore = sim.tg.calls.filter((c) => c.status === 429).length;
    const t0 = Date.now();
    await enqueueChatMessages(rt.db.sql, ids.map((identityId) => ({ identityId, channel: 'telegram', template: 'text', params: { text: `Thông báo chung số ${++seq}` } })));
    const bulkSent = () => ids.filter((_, i) => sim.tg.sentTo(7_400_000 + i).length > 0).length;
    await waitFor(() => bulkSent() >= 20, 10_000, 'the bulk send to start');
    // A citizen talks while the bulk send runs.
    const latencies: number[] = [];
    const chat = 7_499_999;
    for (const text of ['xin chào', 'menu', 'câu hỏi thường gặp']) {
      const s = Date.now();
      await telegramSays(chat, text);
      latencies.push(Date.now() - s);
    }
    await waitFor(() => bulkSent() === n, 30_000, 'the bulk send to finish');
    // What the platform saw: the bulk's average rate and the busiest sliding second of all sends.
    const sends = sim.tg.calls.filter((c) => c.method === 'sendMessage' && c.at >= t0);
    const bulkTimes = sends.filter((c) => Number(c.body.chat_id) >= 7_400_000 && Number(c.body.chat_id) < 7_400_000 + n && c.status === 200).map((c) => c.at);
    const rate = (bulkTimes.length - 1) / ((Math.max(...bulkTimes) - Math.min(...bulkTimes)) / 1000);
    const busiest = Math.max(...sends.map((c) => sends.filter((d) => d.at >= c.at && d.at < c.at + 1000).length));
    console.log(`bulk: ${n} messages at ${rate.toFixed(1)}/s, busiest second ${busiest} sends (fake limit 30/s); interactive replies ${latencies.join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(2000);
    expect(rate).toBeLessThanOrEqual(25);
    expect(busiest).toBeLessThanOrEqual(30);
    expect(sim.tg.calls.filter((c) => c.status === 429).length - throttledBefore).toBe(0);
  }, 60_000);

  it('should make one job of a message queued twice', async () => {
    const [f] = await inReviewPeople(1);
    const chat = 7_500_001;
    const identityId = await bind(f!.personId, 'telegram', String(chat));
    await enqueueChatMessages(rt.db.sql, [{ identityId, channel: 'telegram', template: 'text', params: { text: 'một lần thôi' } }]);
    const [row] = await rt.db.sql.query<{ id: string }>(`SELECT id::text FROM "OutboxEvent" WHERE kind = 'chat_message' AND (payload->>'identityId')::int = $1`, [identityId]);
    // As if a relay crashed after queueing and before committing, and another relayed it again.
    await sim.worker.queues.add('telegram', [row!.id], 'notification');
    await sim.worker.queues.add('telegram', [row!.id], 'notification');
    await waitFor(() => sim.tg.sentTo(chat).length > 0, 10_000, 'the message');
    await pause(1500);
    expect(sim.tg.sentTo(chat)).toHaveLength(1);
  });
});
