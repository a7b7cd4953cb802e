/**
 * Officers' digests on fixed dates over a known dataset (test/officers/world.ts), on PGlite and
 * PostgreSQL: the right counts, oldest overdue files and escalations for a commune, its
 * district and the province; nothing on a Sunday or during Tết; time, quiet hours and mute
 * respected; exactly one digest per officer per day with three runs at once and after a run
 * that crashed midway; intake reminders once per threshold; a blocked officer not retried.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import type { WorkingCalendar } from '../../src/calendar/working-calendar.js';
import { runDigests, type DigestRunOptions } from '../../src/officers/digest.service.js';
import { computeBacklog } from '../../src/officers/backlog.js';
import { createLogger } from '../../src/shared/log.js';
import { backends, freshDatabase, withReferenceData, type TestDatabase } from '../helpers/db.js';
import { addOfficer, buildWorld, type World } from './world.js';

const log = createLogger({ level: 'silent' });
/** 08:00 in Vietnam on a date. */
const at8 = (d: string) => new Date(`${d}T01:00:00Z`);

describe.each(backends)('officer digests (%s)', (backend) => {
  let db: TestDatabase;
  let cal: WorkingCalendar;
  let w: World;
  let officers: Record<'communeA' | 'district' | 'province' | 'communeC' | 'communeCquiet', { id: number; identityId: number }>;

  beforeAll(async () => {
    db = await freshDatabase(backend);
    await withReferenceData(db);
    cal = await loadWorkingCalendar(db.prisma);
    w = await buildWorld(db.sql);
    officers = {
      communeA: await addOfficer(db.sql, { name: 'Cán bộ P5', role: 'commune', areaId: w.areas.communeA }),
      district: await addOfficer(db.sql, { name: 'Cán bộ TP', role: 'district', areaId: w.areas.district }),
      province: await addOfficer(db.sql, { name: 'Sở LĐTBXH', role: 'province', areaId: w.areas.province }),
      communeC: await addOfficer(db.sql, { name: 'Cán bộ TT Châu Thành', role: 'commune', areaId: w.areas.communeC }),
      communeCquiet: await addOfficer(db.sql, { name: 'Cán bộ 2 Châu Thành', role: 'commune', areaId: w.areas.communeC, emptyDigest: 'none' }),
    };
  }, 120_000);
  afterAll(async () => db?.drop());

  const run = (date: string, o: Partial<DigestRunOptions> = {}) => runDigests({ sql: db.sql, calendar: cal, log }, { date, now: at8(date), mode: 'all', ...o });
  const reset = async () => {
    await db.sql.query(`DELETE FROM "Digest"`);
    await db.sql.query(`DELETE FROM "OnceKey"`);
    await db.sql.query(`DELETE FROM "OutboxEvent"`);
  };
  const messagesTo = async (identityId: number) =>
    (await db.sql.query<{ text: string }>(`SELECT payload->'params'->>'text' AS text FROM "OutboxEvent" WHERE kind = 'chat_message' AND (payload->>'identityId')::int = $1 ORDER BY id`, [identityId])).map((r) => r.text);
  beforeEach(reset);

  it('should compute the backlog of every area at once', async () => {
    const s = await computeBacklog(db.sql, cal, '2022-01-24', 3);
    expect(s.owned.get(w.areas.communeA)).toMatchObject({ waiting: 5, dueToday: 1, dueNext: 1, overdue: 2, approved: 1 });
    expect(s.owned.get(w.areas.communeA)!.oldest.map((f) => [f.entitlementId, f.overdueDays])).toEqual([[w.files.a4, 6], [w.files.a3, 2]]);
    expect(s.owned.get(w.areas.district)).toMatchObject({ waiting: 1, overdue: 1 });
    expect(s.escalations.get(w.areas.district)!.map((e) => [e.commune, e.files, e.worstDays])).toEqual([['Phường 7', 1, 10], ['Phường 5', 1, 6]]);
    expect(s.escalations.get(w.areas.province)!.map((e) => [e.commune, e.files, e.worstDays])).toEqual([['Phường 5', 1, 8]]);
    expect(s.stats.get(w.areas.communeA)).toEqual({ files: 7, paid: 1, approved: 1 });
    expect(s.stats.get(w.areas.province)).toEqual({ files: 9, paid: 2, approved: 1 });
  });

  it("should write the commune officer's digest: counts, oldest overdue files masked, paid against the province", async () => {
    const r = await run('2022-01-24', { dryRun: true });
    const text = r.digests.find((d) => d.officerId === officers.communeA.id)!.text!;
    expect(text.split('\n').slice(0, 7)).toEqual([
      'Việc cần làm hôm nay (24/01/2022), Phường 5:',
      '• Đang chờ xử lý: 5 hồ sơ',
      '• Đến hạn hôm nay: 1',
      '• Đến hạn ngày làm việc tới (25/01/2022): 1',
      '• Quá hạn: 2',
      '• Đã duyệt, chưa chi trả: 1',
      '• Đã chi trả: 14,3% (trung bình tỉnh 22,2%)',
    ]);
    expect(text.split('\n').slice(7)).toEqual([
      '',
      'Quá hạn lâu nhất:',
      expect.stringMatching(/^ {2}- PHẠM T\. D\. \(\*\*\*\d{4}\), Phường 5: UBND xã .*, quá 6 ngày làm việc$/),
      expect.stringMatching(/^ {2}- LÊ V\. C\. \(\*\*\*\d{4}\), Phường 5: UBND xã .*, quá 2 ngày làm việc$/),
    ]);
    expect(text).not.toMatch(/Phạm Thị Dung|Lê Văn Cường/);
  });

  it('should escalate to the district grouped by commune, worst first, and from the district to the province', async () => {
    const r = await run('2022-01-24', { dryRun: true });
    const district = r.digests.find((d) => d.officerId === officers.district.id)!.text!;
    expect(district).toContain('Cấp dưới quá hạn trên 3 ngày làm việc (2 hồ sơ):\n  - Phường 7: 1 hồ sơ, lâu nhất 10 ngày\n  - Phường 5: 1 hồ sơ, lâu nhất 6 ngày');
    expect(district).toContain('• Đang chờ xử lý: 1 hồ sơ');
    const province = r.digests.find((d) => d.officerId === officers.province.id)!.text!;
    expect(province).toContain('Cấp dưới quá hạn trên 3 ngày làm việc (1 hồ sơ):\n  - Phường 5: 1 hồ sơ, lâu nhất 8 ngày');
    // With a higher threshold nothing escalates.
    const strict = await run('2022-01-24', { dryRun: true, escalateAfter: 20 });
    expect(strict.digests.find((d) => d.officerId === officers.province.id)!.summary.empty).toBe(true);
  });

  it('should send an all-clear or nothing to an officer with an empty backlog, as they chose', async () => {
    const r = await run('2022-01-24');
    expect(await messagesTo(officers.communeC.identityId)).toEqual(['Thị trấn Châu Thành, 24/01/2022: không có hồ sơ tồn đọng. Cảm ơn anh/chị!']);
    expect(await messagesTo(officers.communeCquiet.identityId)).toEqual([]);
    expect(r).toMatchObject({ due: 5, sent: 4, empty: 2 });
  });

  it('should send nothing on a Sunday or during Tết', async () => {
    for (const date of ['2022-01-23', '2022-02-01', '2022-02-03']) {
      const r = await run(date);
      expect(r.workingDay, date).toBe(false);
      expect(r.sent).toBe(0);
    }
    expect(await db.sql.query(`SELECT 1 FROM "Digest"`)).toHaveLength(0);
    // The first working day after Tết (Monday 07/02/2022) has digests again.
    expect((await run('2022-02-07')).sent).toBeGreaterThan(0);
  });

  it("should respect the officer's time, quiet hours and mute", async () => {
    const due = (hhmm: string, date = '2022-01-24') => runDigests({ sql: db.sql, calendar: cal, log }, { date, now: new Date(`${date}T${String(Number(hhmm.slice(0, 2)) - 7).padStart(2, '0')}:${hhmm.slice(3)}:00Z`), mode: 'due', dryRun: true });
    expect((await due('07:29')).due).toBe(0);
    expect((await due('07:30')).due).toBe(5);
    await db.sql.query(`UPDATE "Officer" SET "digestTime" = '20:45', "quietStart" = '21:00', "quietEnd" = '06:30' WHERE id = $1`, [officers.district.id]);
    await db.sql.query(`UPDATE "Officer" SET "mutedUntil" = '2022-01-24' WHERE id = $1`, [officers.province.id]);
    try {
      const late = await due('21:30');
      expect(late.digests.map((d) => d.officerId)).not.toContain(officers.district.id); // quiet hours
      expect(late.digests.map((d) => d.officerId)).not.toContain(officers.province.id); // muted today
      expect((await due('20:50')).digests.map((d) => d.officerId)).toContain(officers.district.id);
      expect((await runDigests({ sql: db.sql, calendar: cal, log }, { date: '2022-01-25', now: at8('2022-01-25'), mode: 'due', dryRun: true })).digests.map((d) => d.officerId)).toContain(officers.province.id);
    } finally {
      await db.sql.query(`UPDATE "Officer" SET "digestTime" = '07:30', "mutedUntil" = NULL`);
    }
  });

  it('should send exactly one digest per officer with three runs at once, and after a run that crashed midway', async () => {
    // A run that dies after its first batch committed (as if the worker was killed).
    await expect(run('2022-01-24', { batch: 2, beforeCommit: (i) => { if (i === 1) throw new Error('killed'); } })).rejects.toThrow('killed');
    expect(await db.sql.query(`SELECT 1 FROM "Digest"`)).toHaveLength(2);
    const results = await Promise.all([run('2022-01-24'), run('2022-01-24'), run('2022-01-24')]);
    // Left after the crash: the province (a digest), commune C (an all-clear) and its second officer (nothing, by choice).
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(2);
    await run('2022-01-24');
    const perOfficer = await db.sql.query<{ officerId: number; n: string }>(`SELECT "officerId", count(*) n FROM "Digest" GROUP BY "officerId"`);
    expect(perOfficer).toHaveLength(5);
    expect(perOfficer.every((r) => Number(r.n) === 1)).toBe(true);
    for (const o of Object.values(officers)) expect((await messagesTo(o.identityId)).length).toBeLessThanOrEqual(1);
    expect((await messagesTo(officers.communeA.identityId))).toHaveLength(1);
  });

  it('should say what changed since the last digest', async () => {
    await run('2022-01-21');
    await db.sql.query(`UPDATE "Entitlement" SET status = 'paid', stage = 'paid', "dueAt" = NULL WHERE id = $1`, [w.files.a3]);
    try {
      const text = (await run('2022-01-24', { dryRun: true })).digests.find((d) => d.officerId === officers.communeA.id)!.text!;
      expect(text).toMatch(/So với hôm qua: chờ xử lý −1/);
    } finally {
      await db.sql.query(`UPDATE "Entitlement" SET status = 'in_review', stage = 'commune_confirm', "dueAt" = '2022-01-20' WHERE id = $1`, [w.files.a3]);
    }
  });

  it('should remind officers with unfinished files that intake closes in 7, 3 and 1 days, each once', async () => {
    await db.sql.query(`UPDATE "Program" SET "intakeCloses" = '2022-01-27' WHERE code = 'NQ42-2020'`);
    try {
      const first = await run('2022-01-24');
      expect(first.reminders).toBe(3); // commune A, district, province have unfinished files; commune C has none
      expect((await messagesTo(officers.communeA.identityId)).at(-1)).toMatch(/^Nhắc việc: .+ hết hạn tiếp nhận sau 3 ngày \(27\/01\/2022\); địa bàn còn 5 hồ sơ chưa xử lý xong\.$/);
      expect((await run('2022-01-25')).reminders).toBe(0); // still the 3-day reminder: sent already
      expect((await run('2022-01-26')).reminders).toBe(3); // the 1-day one
    } finally {
      await db.sql.query(`UPDATE "Program" SET "intakeCloses" = NULL WHERE code = 'NQ42-2020'`);
    }
  });

  it("should put open tickets and citizens no notice reached into the commune officer's digest", async () => {
    const [person] = await db.sql.query<{ personId: number }>(`SELECT "personId" FROM "Entitlement" WHERE id = $1`, [w.files.a1]);
    const [chat] = await db.sql.query<{ id: number }>(`INSERT INTO "ChannelIdentity" (channel, "externalId", "updatedAt") VALUES ('zalo', '9007199254740996001', now()) RETURNING id`);
    await db.sql.query(`INSERT INTO "HandoffRequest" ("identityId", "personId", "communeId", text, "createdAt") VALUES ($1, $2, $3, 'Chưa nhận tiền', '2022-01-21T02:00:00Z')`, [chat!.id, person!.personId, w.areas.communeA]);
    await db.sql.query(`INSERT INTO "OutboxEvent" (kind, payload) VALUES ('unreachable', $1::jsonb)`, [JSON.stringify({ personId: person!.personId, identityId: chat!.id, channel: 'zalo', entitlementId: w.files.a1, reason: 'outside_window_no_phone', messageId: '1' })]);
    // Another person's notice failed on Zalo but reached their Telegram chat: not a task.
    const [other] = await db.sql.query<{ personId: number }>(`SELECT "personId" FROM "Entitlement" WHERE id = $1`, [w.files.a2]);
    const [failed] = await db.sql.query<{ id: string }>(`INSERT INTO "OutboxEvent" (kind, payload, result) VALUES ('chat_message', '{"source": "777", "channel": "zalo"}', 'unreachable') RETURNING id::text`);
    await db.sql.query(`INSERT INTO "OutboxEvent" (kind, payload, result) VALUES ('chat_message', '{"source": "777", "channel": "telegram"}', 'sent')`);
    await db.sql.query(`INSERT INTO "OutboxEvent" (kind, payload) VALUES ('unreachable', $1::jsonb)`, [JSON.stringify({ personId: other!.personId, identityId: chat!.id, channel: 'zalo', entitlementId: w.files.a2, reason: 'blocked', messageId: failed!.id })]);
    try {
      const r = await run('2022-01-24', { dryRun: true });
      const text = r.digests.find((d) => d.officerId === officers.communeA.id)!.text!;
      expect(text).toContain('• Phiếu người dân chờ trả lời: 1 (cũ nhất từ 21/01/2022)');
      expect(text).toContain('• Người dân chưa nhận được thông báo (7 ngày): 1; đề nghị liên hệ trực tiếp');
      // The district sees the ticket too (its area and below), not the commune's task list.
      const district = r.digests.find((d) => d.officerId === officers.district.id)!.text!;
      expect(district).toContain('Phiếu người dân chờ trả lời: 1');
      expect(district).not.toContain('chưa nhận được thông báo');
    } finally {
      await db.sql.query(`DELETE FROM "HandoffRequest"`);
    }
  });

  it('should leave out an officer whose only chat blocked the bot (not retried every day)', async () => {
    await db.sql.query(`UPDATE "ChannelIdentity" SET blocked = true WHERE id = $1`, [officers.communeC.identityId]);
    try {
      const r = await run('2022-01-24', { dryRun: true });
      expect(r.digests.map((d) => d.officerId)).not.toContain(officers.communeC.id);
    } finally {
      await db.sql.query(`UPDATE "ChannelIdentity" SET blocked = false WHERE id = $1`, [officers.communeC.identityId]);
    }
  });
});
