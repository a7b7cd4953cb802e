/**
 * Broadcasts in the database, on PGlite and PostgreSQL: what is refused (and how it is said),
 * exactly who an audience reaches, the preview, the states (a double click on "send"), the
 * fan-out's exactly-once rows whatever is re-run, cancelling, and the verification codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDatabase, testKeys, withReferenceData, type TestDatabase } from '../helpers/db.js';
import { buildAudienceWorld, CODES, type AudienceWorld } from './world.js';
import {
  BroadcastInputError, BroadcastStateError, broadcastProgress, cancelBroadcast, createBroadcast, fanOutCursor, fanOutPage,
  finishDoneBroadcasts, listBroadcasts, pauseBroadcast, previewAudience, resumeBroadcast, scheduleBroadcast, startBroadcast,
  startDueBroadcasts, type BroadcastView,
} from '../../src/broadcasts/broadcast.service.js';
import { validateBroadcast, type Audience } from '../../src/broadcasts/broadcast.validation.js';
import { checkCode, findCodes, verificationCode } from '../../src/broadcasts/verify-code.js';
import { runFanOut } from '../../src/jobs/broadcast-jobs.js';

const NOW = new Date();

describe('broadcast input', () => {
  const ok = { textVi: 'Lịch chi trả đợt 2 tại UBND xã từ 01/03.', audience: { citizens: true, officers: false } };
  const issues = (input: unknown) => {
    const v = validateBroadcast(input);
    return v.ok ? [] : v.issues;
  };

  it('should refuse an empty text and a 20,000-character one, in Vietnamese, saying why', () => {
    expect(issues({ ...ok, textVi: '   \n ' })).toEqual([{ field: 'textVi', message: 'Nội dung tiếng Việt đang trống. Hãy nhập nội dung thông báo.' }]);
    const [long] = issues({ ...ok, textVi: 'a'.repeat(20_000) });
    expect(long!.field).toBe('textVi');
    expect(long!.message).toBe('Nội dung tiếng Việt dài 20.000 ký tự, quá giới hạn 2.000 ký tự của một tin nhắn (giới hạn của Zalo; Telegram cho 4.096). Hãy rút gọn, hoặc chia thành nhiều thông báo.');
    expect(issues({ ...ok, textEn: 'b'.repeat(2_001) })[0]!.message).toMatch(/^Nội dung tiếng Anh dài 2\.001 ký tự/);
    expect(issues({ ...ok, textVi: 'a'.repeat(2_000) })).toEqual([]);
  });

  it('should refuse no audience, a group without its program, 4 buttons, and links that are not https state sites', () => {
    expect(issues({ ...ok, audience: { citizens: false, officers: false } })[0]!.message).toMatch(/Chọn ít nhất một nhóm người nhận/);
    expect(issues({ ...ok, audience: { citizens: true, officers: false, group: 'g1' } })[0]!.field).toBe('audience.group');
    const b = { labelVi: 'Xem', kind: 'faq', target: 'lottery-seller' };
    expect(issues({ ...ok, buttons: [b, b, b, b] })[0]!.message).toMatch(/^Tối đa 3 nút/);
    expect(issues({ ...ok, buttons: [{ labelVi: 'Cổng', kind: 'link', target: 'http://dichvucong.gov.vn/x' }] })[0]!.message).toMatch(/https:\/\//);
    expect(issues({ ...ok, buttons: [{ labelVi: 'Cổng', kind: 'link', target: 'https://dichvucong-gov.vn/x' }] })[0]!.message).toMatch(/cơ quan nhà nước \(\.gov\.vn\)/);
    expect(issues({ ...ok, buttons: [{ labelVi: 'Hỏi', kind: 'faq', target: 'no-such' }] })).toEqual([]);
    expect(validateBroadcast({ ...ok, buttons: [{ labelVi: 'Hỏi', kind: 'faq', target: 'no-such' }] }, { faqIds: ['lottery-seller'] })).toMatchObject({ ok: false, issues: [{ field: 'buttons[0].target' }] });
    expect(issues({ ...ok, buttons: [{ labelVi: 'Cổng', kind: 'link', target: 'https://soctrang.gov.vn/tin' }, b] })).toEqual([]);
  });

  it('should keep HTML as typed (every channel shows it as text) but drop invisible characters', () => {
    const v = validateBroadcast({ ...ok, textVi: '<b>Chú ý</b>\u200B & <script>x</script>\r\n' });
    expect(v).toMatchObject({ ok: true, value: { textVi: '<b>Chú ý</b> & <script>x</script>' } });
  });
});

describe('verification codes', () => {
  const key = testKeys.verify;

  it('should make short codes that check out, typed in any case, and refuse a forged one', () => {
    const code = verificationCode(key, 'broadcast', 12);
    expect(code).toMatch(/^AS-BC[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(checkCode(key, code.slice(3))).toEqual({ code, genuine: { kind: 'broadcast', id: '12' } });
    expect(findCodes(key, `Fwd: ... ${code.toLowerCase().replace('0', 'o')} ...`)[0]!.genuine).toEqual({ kind: 'broadcast', id: '12' });
    const notice = verificationCode(key, 'notice', 123456789n);
    expect(findCodes(key, `mã xác thực: ${notice}.`)[0]!.genuine).toEqual({ kind: 'notice', id: '123456789' });
    const last = code.at(-1) === 'X' ? 'Y' : 'X';
    expect(findCodes(key, `AS-${code.slice(3, -1)}${last}`)[0]).toEqual({ code: `AS-${code.slice(3, -1)}${last}`, genuine: null });
    expect(findCodes(key, 'AS-7K2QXM')[0]!.genuine).toBeNull();
    expect(checkCode(testKeys.id, code.slice(3)).genuine).toBeNull(); // another key: another installation's codes mean nothing here
  });

  it('should not take ordinary words for codes', () => {
    expect(findCodes(key, 'as possible, as mentioned, xem ASEAN, bas-relief')).toEqual([]);
  });
});

describe.each(backends)('broadcasts on %s', (backend) => {
  let db: TestDatabase;
  let w: AudienceWorld;
  const st = () => ({ actor: 'admin:test', areaPath: w.soctrang });
  const create = (audience: Partial<Audience>, extra: object = {}) =>
    createBroadcast(db.sql, { textVi: 'Thông báo lịch chi trả', audience: { citizens: true, officers: false, ...audience }, ...extra }, { ...st(), keys: testKeys });
  const recipients = async (b: BroadcastView) => {
    await startBroadcast(db.sql, b.id, st());
    await runFanOut(db.sql, b.id, 2);
    const rows = await db.sql.query<{ identityId: number }>(`SELECT "identityId" FROM "BroadcastDelivery" WHERE "broadcastId" = $1 ORDER BY "identityId"`, [b.id]);
    const names = Object.fromEntries(Object.entries(w.chats).map(([k, v]) => [v, k]));
    return rows.map((r) => names[r.identityId]).sort();
  };

  beforeAll(async () => {
    db = await freshDatabase(backend);
    await withReferenceData(db);
    w = await buildAudienceWorld(db.sql, NOW);
  }, 120_000);
  afterAll(async () => db?.drop());

  it('should reach exactly the opted-in citizens and the active officers of the scope, filtered by area, program, group and stage', async () => {
    expect(await recipients(await create({}))).toEqual(['tg1', 'tg2', 'web1', 'zl1', 'zl2']);
    expect(await recipients(await create({ areaCode: CODES.district }))).toEqual(['tg1', 'tg2', 'web1', 'zl1']);
    expect(await recipients(await create({ areaCode: CODES.communeA }))).toEqual(['tg1', 'tg2', 'web1']);
    expect(await recipients(await create({ program: 'NQ42-2020' }))).toEqual(['tg1', 'tg2', 'web1', 'zl1']);
    expect(await recipients(await create({ program: 'NQ42-2020', group: 'g2-household-business', stage: 'paid' }))).toEqual(['tg2']);
    expect(await recipients(await create({ program: 'NQ68-2021' }))).toEqual(['zl2']);
    expect(await recipients(await create({ stage: 'commune_confirm' }))).toEqual(['tg1', 'web1', 'zl1']);
    expect(await recipients(await create({ citizens: false, officers: true }))).toEqual(['O1', 'O2']);
    expect(await recipients(await create({ citizens: false, officers: true, areaCode: CODES.communeA }))).toEqual(['O1']);
    expect(await recipients(await create({ citizens: true, officers: true }))).toEqual(['O1', 'O2', 'tg1', 'tg2', 'web1', 'zl1', 'zl2']);
    const la = await createBroadcast(db.sql, { textVi: 'Long An', audience: { citizens: true, officers: true } }, { actor: 'admin:la', areaPath: w.longan, keys: testKeys });
    await startBroadcast(db.sql, la.id, { actor: 'admin:la', areaPath: w.longan });
    await runFanOut(db.sql, la.id);
    expect((await broadcastProgress(db.sql, la.id)).all.total).toBe(2); // tgLongAn and O3, nobody from Sóc Trăng
  });

  it('should refuse an audience of zero, and an area outside the scope, in Vietnamese', async () => {
    const e = await create({ areaCode: CODES.communeC, stage: 'paid' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BroadcastInputError);
    expect((e as BroadcastInputError).issues[0]).toEqual({ field: 'audience', message: expect.stringMatching(/^Không có người nhận nào khớp/) });
    const out = await create({ areaCode: '80' }).catch((x: unknown) => x);
    expect((out as BroadcastInputError).issues[0]!.message).toBe('Không có địa bàn mã 80 trong phạm vi quản lý của anh/chị.');
    expect(((await create({ program: 'NQ99' }).catch((x: unknown) => x)) as BroadcastInputError).issues[0]!.message).toBe('Không có chương trình mã NQ99.');
  });

  it('should preview the count per channel, the Zalo chats outside the window, and the time at the queued rates', async () => {
    const opts = { ratePerSecond: { telegram: 0.5, zalo: 16 }, freeWindowHours: { zalo: 168 }, now: NOW };
    const p = await previewAudience(db.sql, { citizens: true, officers: true }, w.soctrang, opts);
    expect(p).toEqual({
      perChannel: { telegram: 3, web: 1, zalo: 3 }, total: 7, outsideWindow: { zalo: 1 }, zaloOutsideWindow: 1,
      znsReachable: 1, unreachable: 1, estimatedSeconds: 6, // 3 Telegram chats at 0.5/s
    });
    expect((await previewAudience(db.sql, { citizens: true, officers: false, program: 'NQ68-2021' }, w.soctrang, { ...opts, allowZns: true })).unreachable).toBe(0);
  });

  it('should start once on a double click, fan out once whatever is re-run, and refuse what the state does not allow', async () => {
    const b = await create({ citizens: true, officers: true });
    const [a, c] = await Promise.all([startBroadcast(db.sql, b.id, st()), startBroadcast(db.sql, b.id, st())]);
    expect([a.changed, c.changed].sort()).toEqual([false, true]);
    expect(a.broadcast.status).toBe('sending');
    expect(c.broadcast.total).toBe(7);
    // Two fan-outs at once, then one more from the start: still one delivery and one message per chat.
    await Promise.all([runFanOut(db.sql, b.id, 3), runFanOut(db.sql, b.id, 2)]);
    expect((await fanOutPage(db.sql, b.id, 0, 100)).next).toBeNull(); // done: nothing more is fanned out
    expect(await fanOutCursor(db.sql, b.id)).toBe(Math.max(...['O1', 'O2', 'tg1', 'tg2', 'web1', 'zl1', 'zl2'].map((n) => w.chats[n]!)));
    const rows = await db.sql.query<{ n: number; msgs: number; linked: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT o.id)::int AS msgs, count(*) FILTER (WHERE (o.payload->>'deliveryId')::int = d.id)::int AS linked
       FROM "BroadcastDelivery" d JOIN "OutboxEvent" o ON o.id = d."outboxId" WHERE d."broadcastId" = $1`,
      [b.id],
    );
    expect(rows[0]).toEqual({ n: 7, msgs: 7, linked: 7 });
    expect(await db.sql.query(`SELECT 1 FROM "OutboxEvent" WHERE payload->>'broadcastId' = $1`, [String(b.id)])).toHaveLength(7);
    expect((await resumeBroadcast(db.sql, b.id, st())).changed).toBe(false); // already sending
    await expect(scheduleBroadcast(db.sql, b.id, new Date(Date.now() + 60_000), { ...st(), now: new Date() })).rejects.toThrow('Không thể hẹn giờ: thông báo số');
    const p = await pauseBroadcast(db.sql, b.id, st());
    expect([p.changed, p.broadcast.status]).toEqual([true, 'paused']);
    expect((await fanOutPage(db.sql, b.id, 0, 10)).stopped).toBe('paused');
    await cancelBroadcast(db.sql, b.id, st());
    await expect(resumeBroadcast(db.sql, b.id, st())).rejects.toBeInstanceOf(BroadcastStateError);
    await expect(startBroadcast(db.sql, b.id, { actor: 'x', areaPath: w.longan })).rejects.toThrow(`Không có thông báo số ${b.id} trong phạm vi`);
  });

  it('should record every unsent message cancelled, and report per channel', async () => {
    const b = await create({ citizens: true, officers: true });
    await startBroadcast(db.sql, b.id, st());
    await runFanOut(db.sql, b.id);
    // As the senders would: tg1 and the web chat sent, zl2 unreachable (outside the window).
    await db.sql.query(`UPDATE "BroadcastDelivery" SET status = 'sent' WHERE "broadcastId" = $1 AND "identityId" = ANY($2::int[])`, [b.id, [w.chats.tg1, w.chats.web1]]);
    await db.sql.query(`UPDATE "BroadcastDelivery" SET status = 'unreachable' WHERE "broadcastId" = $1 AND "identityId" = $2`, [b.id, w.chats.zl2]);
    await db.sql.query(`UPDATE "OutboxEvent" SET "deliveredAt" = now(), result = 'sent' WHERE id IN (SELECT "outboxId" FROM "BroadcastDelivery" WHERE "broadcastId" = $1 AND "identityId" = ANY($2::int[]))`, [b.id, [w.chats.tg1, w.chats.zl2, w.chats.web1]]);
    const t = await cancelBroadcast(db.sql, b.id, st());
    expect(t.broadcast.status).toBe('cancelled');
    const p = await broadcastProgress(db.sql, b.id);
    expect(p.all).toEqual({ queued: 0, sent: 2, zns: 0, failed: 0, blocked: 0, unreachable: 1, cancelled: 4, total: 7 });
    expect(p.perChannel.web).toMatchObject({ sent: 1, total: 1 });
    expect(p.perChannel.telegram).toMatchObject({ sent: 1, cancelled: 2, total: 3 });
    expect((await cancelBroadcast(db.sql, b.id, st())).changed).toBe(false);
    expect(await db.sql.query(`SELECT 1 FROM "OutboxEvent" o JOIN "BroadcastDelivery" d ON d."outboxId" = o.id WHERE d."broadcastId" = $1 AND o."deliveredAt" IS NULL`, [b.id])).toEqual([]);
  });

  it('should start scheduled broadcasts when due, cancel an empty one, mark finished ones done, and list within the scope', async () => {
    const b = await create({ areaCode: CODES.communeA });
    const at = new Date(Date.now() + 3_600_000);
    expect((await scheduleBroadcast(db.sql, b.id, at, { ...st(), now: new Date() })).broadcast.status).toBe('scheduled');
    expect(await startDueBroadcasts(db.sql, new Date())).toEqual([]);
    expect(await startDueBroadcasts(db.sql, new Date(at.getTime() + 1000))).toEqual([b.id]);
    await runFanOut(db.sql, b.id);
    expect(await finishDoneBroadcasts(db.sql)).toBe(0); // Telegram messages not sent yet
    await db.sql.query(`UPDATE "BroadcastDelivery" SET status = 'sent' WHERE "broadcastId" = $1 AND channel <> 'web'`, [b.id]);
    expect(await finishDoneBroadcasts(db.sql)).toBeGreaterThanOrEqual(1); // the web chat's message does not hold it open
    expect((await broadcastProgress(db.sql, b.id)).status).toBe('done');
    const empty = await create({ areaCode: CODES.communeA, stage: 'paid' });
    await db.sql.query(`UPDATE "ChannelIdentity" SET notify = false WHERE id = $1`, [w.chats.tg2]);
    await scheduleBroadcast(db.sql, empty.id, new Date(Date.now() + 1000), { ...st(), now: new Date() });
    expect(await startDueBroadcasts(db.sql, new Date(Date.now() + 5000))).toEqual([]);
    expect((await broadcastProgress(db.sql, empty.id)).status).toBe('cancelled');
    await db.sql.query(`UPDATE "ChannelIdentity" SET notify = true WHERE id = $1`, [w.chats.tg2]);
    const mine = await listBroadcasts(db.sql, w.soctrang);
    expect(mine.map((x) => x.id)).toContain(b.id);
    expect(mine.every((x) => x.areaPath.startsWith(w.soctrang))).toBe(true);
    expect((await listBroadcasts(db.sql, w.longan)).every((x) => x.areaPath === w.longan)).toBe(true);
    expect(mine[0]!.verifyCode).toMatch(/^AS-B/);
  });
});
