/**
 * Stage changes and their notifications at the database level, on PGlite and PostgreSQL: the
 * change, its history and its outbox row commit together (or not at all); expansion makes one
 * message per opted-in, unblocked chat, once, even with two relays at the same time; the
 * Zalo token refresh happens once for several processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeStages, UnknownStageError } from '../../src/entitlements/stage.service.js';
import { expandStageChanges, renderStageNotice, type StageNoticeParams } from '../../src/notifications/stage-notice.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import type { WorkingCalendar } from '../../src/calendar/working-calendar.js';
import { hashIdNumber } from '../../src/people/id-number.js';
import { LockedSecret } from '../../src/secrets/locked-secret.js';
import { ZaloClient, type ZaloTokens } from '../../bots/zalo/client.js';
import { FakeZalo } from '../fakes/zalo.js';
import { backends, testKeys } from '../helpers/db.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';

const AT = new Date('2022-01-24T03:00:00Z');

describe.each(backends)('stage changes and notifications (%s)', (backend) => {
  let rt: TestRuntime;
  let cal: WorkingCalendar;
  let chatSeq = 0;

  beforeAll(async () => {
    rt = await seededRuntime({ backend });
    cal = await loadWorkingCalendar(rt.db.prisma);
  });
  afterAll(async () => rt?.teardown());

  const count = async (sql: string, params: unknown[] = []) => Number((await rt.db.sql.query<{ n: string }>(sql, params))[0]!.n);

  /** A person in review, with the file id and the group's stage codes. */
  async function personInReview(n = 0) {
    const s = rt.samples.filter((x) => x.status === 'in_review')[n]!;
    const [row] = await rt.db.sql.query<{ id: number; personId: number; stage: string; codes: string[] }>(
      `SELECT e.id, e."personId", e.stage, array_agg(st.code ORDER BY st.seq) AS codes FROM "Entitlement" e JOIN "Person" p ON p.id = e."personId"
       JOIN "Stage" st ON st."groupId" = e."groupId" WHERE p."idHash" = $1 GROUP BY e.id LIMIT 1`,
      [hashIdNumber(testKeys.id, s.idNumber)],
    );
    return { sample: s, ...row! };
  }

  async function bindChat(personId: number, channel: string, opts: { notify?: boolean; blocked?: boolean } = {}) {
    const [i] = await rt.db.sql.query<{ id: number }>(
      `INSERT INTO "ChannelIdentity" (channel, "externalId", notify, blocked, "lastInboundAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
      [channel, `${channel}-${backend}-${++chatSeq}`, opts.notify ?? true, opts.blocked ?? false, AT],
    );
    await rt.db.sql.query(`INSERT INTO "Binding" ("identityId", "personId") VALUES ($1, $2)`, [i!.id, personId]);
    return i!.id;
  }

  it('should move a file, append its history and write one outbox row in the same transaction', async () => {
    const f = await personInReview(0);
    const next = f.codes[f.codes.indexOf(f.stage) + 1] ?? 'paid';
    const outbox = await count(`SELECT count(*) n FROM "OutboxEvent" WHERE kind = 'stage_changed'`);
    const [r] = await changeStages(rt.db.sql, cal, [{ entitlementId: f.id, toStage: next, note: 'test' }], { source: 'test', actor: 'tester', at: AT });
    expect(r).toMatchObject({ entitlementId: f.id, fromStage: f.stage, toStage: next, changed: true });
    const [e] = await rt.db.sql.query<{ stage: string; status: string; entered: string; due: string | null }>(
      `SELECT stage, status, to_char("stageEnteredAt", 'YYYY-MM-DD') entered, to_char("dueAt", 'YYYY-MM-DD') due FROM "Entitlement" WHERE id = $1`, [f.id]);
    expect(e!.stage).toBe(next);
    expect(e!.entered).toBe('2022-01-24');
    const [stage] = await rt.db.sql.query<{ dayLimit: number | null; dayUnit: 'working' | 'calendar' | null; payment: boolean }>(
      `SELECT "dayLimit", "dayUnit", payment FROM "Stage" s JOIN "Entitlement" e ON e."groupId" = s."groupId" WHERE e.id = $1 AND s.code = $2`, [f.id, next]);
    if (stage) {
      expect(e!.status).toBe(stage.payment ? 'approved' : 'in_review');
      expect(e!.due).toBe(stage.dayLimit && stage.dayUnit ? cal.dueDate('2022-01-24', stage.dayLimit, stage.dayUnit) : null);
    }
    expect(await count(`SELECT count(*) n FROM "EntitlementEvent" WHERE "entitlementId" = $1 AND "toStage" = $2 AND source = 'test' AND actor = 'tester'`, [f.id, next])).toBe(1);
    expect(await count(`SELECT count(*) n FROM "OutboxEvent" WHERE kind = 'stage_changed'`)).toBe(outbox + 1);
    const [o] = await rt.db.sql.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM "OutboxEvent" WHERE kind = 'stage_changed' ORDER BY id DESC LIMIT 1`);
    expect(o!.payload).toMatchObject({ entitlementId: f.id, personId: f.personId, fromStage: f.stage, toStage: next, eventId: r!.eventId });
  });

  it('should change nothing and notify nobody when the file is already at that stage', async () => {
    const f = await personInReview(1);
    const before = await count(`SELECT count(*) n FROM "OutboxEvent"`);
    const [r] = await changeStages(rt.db.sql, cal, [{ entitlementId: f.id, toStage: f.stage }], { source: 'test', at: AT });
    expect(r!.changed).toBe(false);
    expect(await count(`SELECT count(*) n FROM "OutboxEvent"`)).toBe(before);
  });

  it('should return one result per change, in the order given', async () => {
    const a = await personInReview(5);
    const b = await personInReview(6);
    const r = await changeStages(rt.db.sql, cal, [{ entitlementId: a.id, toStage: 'rejected' }, { entitlementId: b.id, toStage: b.stage }], { source: 'test', at: AT });
    expect(r.map((x) => [x.entitlementId, x.changed])).toEqual([[a.id, true], [b.id, false]]);
    expect(r[0]!.eventId).toMatch(/^\d+$/);
  });

  it('should refuse an unknown stage or file and write nothing at all', async () => {
    const a = await personInReview(2);
    const b = await personInReview(3);
    const before = await count(`SELECT count(*) n FROM "OutboxEvent"`);
    const events = await count(`SELECT count(*) n FROM "EntitlementEvent"`);
    // The first change is valid; the second is not: neither may be written.
    await expect(changeStages(rt.db.sql, cal, [{ entitlementId: a.id, toStage: 'paid' }, { entitlementId: b.id, toStage: 'no_such_stage' }], { source: 'test', at: AT }))
      .rejects.toBeInstanceOf(UnknownStageError);
    await expect(changeStages(rt.db.sql, cal, [{ entitlementId: 999_999_999, toStage: 'paid' }], { source: 'test', at: AT })).rejects.toThrow(/No file/);
    expect(await count(`SELECT count(*) n FROM "OutboxEvent"`)).toBe(before);
    expect(await count(`SELECT count(*) n FROM "EntitlementEvent"`)).toBe(events);
    const [row] = await rt.db.sql.query<{ stage: string }>(`SELECT stage FROM "Entitlement" WHERE id = $1`, [a.id]);
    expect(row!.stage).toBe(a.stage);
  });

  it('should expand a change into one message per opted-in chat, once, even with two relays at once', async () => {
    await expandStageChanges(rt.db.sql); // earlier tests' changes
    const f = await personInReview(4);
    const tg = await bindChat(f.personId, 'telegram');
    const zl = await bindChat(f.personId, 'zalo');
    await bindChat(f.personId, 'web', { notify: false });
    await bindChat(f.personId, 'telegram', { blocked: true });
    await changeStages(rt.db.sql, cal, [{ entitlementId: f.id, toStage: 'paid', paymentPlace: 'UBND xã', paymentMethod: 'Tiền mặt' }], { source: 'test', at: AT });
    const [a, b] = await Promise.all([expandStageChanges(rt.db.sql), expandStageChanges(rt.db.sql)]);
    expect(a!.changes + b!.changes).toBe(1);
    expect(a!.messages + b!.messages).toBe(2);
    expect(await expandStageChanges(rt.db.sql)).toEqual({ changes: 0, messages: 0 });
    const rows = await rt.db.sql.query<{ payload: { identityId: number; channel: string; params: StageNoticeParams } }>(
      `SELECT payload FROM "OutboxEvent" WHERE kind = 'chat_message' AND (payload->>'entitlementId')::int = $1 ORDER BY id`, [f.id]);
    expect(rows.map((r) => [r.payload.identityId, r.payload.channel])).toEqual([[tg, 'telegram'], [zl, 'zalo']]);
    const text = renderStageNotice(rows[0]!.payload.params, 'vi').text;
    expect(text).toContain(`***${f.sample.idNumber.slice(-4)}`);
    expect(text).toContain('Đã chi trả ngày 24/01/2022 tại UBND xã (tiền mặt).');
    expect(text).toMatch(/Số tiền: [\d.]+ đ\./);
    expect(text).not.toContain(f.sample.name); // masked on a lock screen
    expect(renderStageNotice(rows[0]!.payload.params, 'en').text).toContain('Paid on 24/01/2022');
  });

  it('should refresh the Zalo token ahead of its expiry, before Zalo refuses it', async () => {
    const fake = new FakeZalo({ accessTokenSeconds: 30 });
    const root = await fake.start();
    try {
      const c = new ZaloClient({
        appId: fake.appId, appSecret: fake.appSecret, bootstrapRefreshToken: fake.refreshToken, apiRoot: root, oauthRoot: root, znsRoot: root,
        refreshMarginMs: 60_000, store: new LockedSecret<ZaloTokens>(rt.db.sql, testKeys.tokenEnc, `secret:zalo-${backend}-margin`),
      });
      const first = await c.accessToken();
      // 30 s left is inside the 60 s margin: the next call refreshes instead of using it.
      const second = await c.accessToken();
      expect(second).not.toBe(first);
      expect(c.refreshes).toBe(2);
      expect(fake.calls.filter((x) => x.error === -216)).toHaveLength(0);
    } finally {
      await fake.stop();
    }
  });

  it('should refresh the Zalo token once when several processes need it at the same time', async () => {
    const fake = new FakeZalo();
    const root = await fake.start();
    try {
      const client = () => new ZaloClient({
        appId: fake.appId, appSecret: fake.appSecret, bootstrapRefreshToken: fake.refreshToken, apiRoot: root, oauthRoot: root, znsRoot: root,
        store: new LockedSecret<ZaloTokens>(rt.db.sql, testKeys.tokenEnc, `secret:zalo-${backend}-concurrent`),
      });
      const clients = [client(), client(), client()];
      const tokens = await Promise.all(clients.flatMap((c) => [c.accessToken(), c.accessToken()]));
      expect(new Set(tokens).size).toBe(1);
      expect(fake.calls.filter((c) => c.path === '/v4/oa/access_token')).toHaveLength(1);
      // The single-use refresh token was rotated and saved: a later forced refresh works.
      await clients[1]!.refresh(tokens[0]!, true);
      expect(fake.calls.filter((c) => c.path === '/v4/oa/access_token' && c.error === 0)).toHaveLength(2);
    } finally {
      await fake.stop();
    }
  });
});
