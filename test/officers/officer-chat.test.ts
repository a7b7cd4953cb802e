/**
 * Officers end to end through the fake platforms: onboarding with an invite code (Telegram deep
 * link, Zalo text), bad codes, officer commands, a citizen who tries one, and a handoff ticket
 * from a citizen on Zalo answered by the commune officer on Telegram and delivered back to the
 * citizen's Zalo chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvite } from '../../src/officers/officer.service.js';
import { hashIdNumber } from '../../src/people/id-number.js';
import { testKeys } from '../helpers/db.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { startPlatforms, type Platforms } from '../helpers/platforms.js';
import { waitFor } from '../helpers/wait.js';

let rt: TestRuntime;
let sim: Platforms;

beforeAll(async () => {
  rt = await seededRuntime();
  sim = await startPlatforms(rt);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await rt?.teardown();
});

const telegram = (chat: number, text: string) => sim.telegram(chat, text);
const zalo = (user: string, text: string) => sim.zalo(user, text);

async function communeOf(idNumber: string) {
  const [r] = await rt.db.sql.query<{ code: string; name: string }>(
    `SELECT a.code, a.name FROM "Person" p JOIN "Area" a ON a.id = p."communeId" WHERE p."idHash" = $1`, [hashIdNumber(testKeys.id, idNumber)]);
  return r!;
}

describe('officers on the platforms', () => {
  const person = () => rt.samples.find((s) => s.status === 'in_review' && !/^\d{4}$/.test(s.dateOfBirth))!;
  const officerChat = 8_100_001;

  it('should bind an officer from a Telegram deep link, and refuse a used, expired or wrong code', async () => {
    const commune = await communeOf(person().idNumber);
    const inv = await createInvite(rt.db.sql, testKeys, { role: 'commune', areaCode: commune.code, name: 'Chị Lan', now: rt.clock.now() });
    const welcome = await telegram(officerChat, `/start ${inv.code}`);
    expect(welcome.text).toContain(`Chào Chị Lan! Anh/chị đã được đăng ký là cán bộ ${commune.name}.`);
    expect(JSON.stringify(welcome.reply_markup)).toContain('o:backlog');
    // The same code again, from another chat: used.
    expect((await telegram(8_100_002, `/start ${inv.code}`)).text).toMatch(/Mã mời không đúng, đã dùng hoặc đã hết hạn/);
    // Expired (created 8 days before the clock), typed in Zalo.
    const old = await createInvite(rt.db.sql, testKeys, { role: 'commune', areaCode: commune.code, now: new Date(rt.clock.now().getTime() - 8 * 86_400_000) });
    expect((await zalo('9007199254740995001', `mã của tôi là ${old.code.toLowerCase()}`)).text).toMatch(/Mã mời không đúng/);
    expect((await telegram(8_100_003, '/start CB-0000-0000')).text).toMatch(/Mã mời không đúng/);
    // Bad invites on the command line: a role at the wrong level, an unknown area.
    await expect(createInvite(rt.db.sql, testKeys, { role: 'district', areaCode: commune.code, now: rt.clock.now() })).rejects.toThrow(/works at district level/);
    await expect(createInvite(rt.db.sql, testKeys, { role: 'commune', areaCode: '99999', now: rt.clock.now() })).rejects.toThrow(/Unknown area code 99999/);
    const audits = await rt.db.sql.query<{ result: string }>(`SELECT result FROM "AuditEvent" WHERE action = 'officer_invite' ORDER BY id`);
    expect(audits.map((a) => a.result)).toEqual(['ok', 'bad', 'bad', 'bad']);
  });

  it('should answer officer commands: backlog, overdue, digest time (25:00 refused), mute, help', async () => {
    expect((await telegram(officerChat, 'Tồn đọng')).text).toMatch(/^(Việc cần làm hôm nay \(24\/01\/2022\), |.*không có hồ sơ tồn đọng)/);
    expect((await telegram(officerChat, 'quá hạn')).text).toMatch(/^(Hồ sơ quá hạn \(\d+\):|Không có hồ sơ quá hạn\.)/);
    expect((await telegram(officerChat, 'giờ nhận 25:00')).text).toBe('"25:00" không phải giờ hợp lệ. Anh/chị gõ theo dạng giờ:phút từ 00:00 đến 23:59, ví dụ: giờ nhận 07:30.');
    expect((await telegram(officerChat, 'giờ nhận 6h45')).text).toBe('Từ nay bản tin gửi lúc 06:45 các ngày làm việc.');
    expect((await telegram(officerChat, 'tạm dừng đến 31/01/2022')).text).toBe('Đã tạm dừng tin nhắn đến hết ngày 31/01/2022.');
    expect((await telegram(officerChat, 'tạm dừng đến 01/01/2020')).text).toMatch(/Ngày chưa đúng/);
    expect((await telegram(officerChat, 'bật lại')).text).toBe('Đã bật lại tin nhắn.');
    expect((await telegram(officerChat, 'bản tin trống: tắt')).text).toBe('Ngày không có việc sẽ không gửi bản tin.');
    expect((await telegram(officerChat, 'Bản tin trống bật')).text).toBe('Ngày không có việc sẽ gửi một dòng báo.');
    expect((await telegram(officerChat, 'giờ nghỉ 22:00-6:00')).text).toBe('Không gửi tin nhắn từ 22:00 đến 06:00.');
    expect((await telegram(officerChat, 'English')).text).toBe('Switched to English.');
    expect((await telegram(officerChat, 'help')).text).toMatch(/^Officer commands:/);
    expect((await telegram(officerChat, 'Tiếng Việt')).text).toBe('Đã chuyển sang tiếng Việt.');
    expect((await telegram(officerChat, 'trợ giúp')).text).toMatch(/^Lệnh cho cán bộ:/);
    expect((await telegram(officerChat, 'abc xyz')).text).toMatch(/Tôi chưa hiểu lệnh/);
    const [o] = await rt.db.sql.query<{ digestTime: string; mutedUntil: Date | null; quietStart: string; quietEnd: string; locale: string }>(
      `SELECT "digestTime", "mutedUntil", "quietStart", "quietEnd", locale FROM "Officer" WHERE name = 'Chị Lan'`);
    expect(o).toEqual({ digestTime: '06:45', mutedUntil: null, quietStart: '22:00', quietEnd: '06:00', locale: 'vi' });
  });

  it('should tell a citizen that officer commands are for officers', async () => {
    expect((await telegram(8_100_010, 'quá hạn')).text).toBe('Lệnh này dành cho cán bộ đã đăng ký. Nếu anh/chị là cán bộ, hãy gửi mã mời do tỉnh cấp.');
    expect((await telegram(8_100_010, 'tl 5 xin chào')).text).toMatch(/dành cho cán bộ/);
  });

  it("should carry a citizen's ticket from Zalo to the commune officer on Telegram and the answer back", async () => {
    const p = person();
    const user = '9007199254740995100';
    await zalo(user, 'tra cứu');
    await zalo(user, p.idNumber);
    await zalo(user, p.dateOfBirth);
    const officerBefore = sim.tg.sentTo(officerChat).length;
    expect((await zalo(user, 'gặp cán bộ')).text).toMatch(/Đã ghi nhận yêu cầu gặp cán bộ/);
    await zalo(user, 'Tôi nộp hồ sơ từ tháng trước mà chưa thấy tiền');
    await waitFor(() => sim.tg.sentTo(officerChat).length >= officerBefore + 2, 10_000, 'the ticket at the officer');
    const [newTicket, more] = sim.tg.sentTo(officerChat).slice(officerBefore);
    const id = Number(/Phiếu mới #(\d+)/.exec(newTicket!.text)![1]);
    expect(newTicket!.text).toContain(`Trả lời: "tl ${id} <nội dung>".`);
    expect(more!.text).toBe(`#${id} (${(await communeOf(p.idNumber)).name}): Tôi nộp hồ sơ từ tháng trước mà chưa thấy tiền`);
    expect((await telegram(officerChat, 'phiếu')).text).toMatch(new RegExp(`Phiếu chờ trả lời \\(1\\):\\n#${id} \\(`));

    const citizenBefore = sim.zl.sentTo(user).length;
    expect((await telegram(officerChat, `tl ${id} Hồ sơ đã được duyệt, ngày 28/01 chi trả tại UBND xã.`)).text).toBe(`Đã gửi trả lời phiếu #${id} tới người dân.`);
    await waitFor(() => sim.zl.sentTo(user).length > citizenBefore, 10_000, 'the answer on Zalo');
    expect(sim.zl.sentTo(user).at(-1)!.text).toBe('Cán bộ trả lời: Hồ sơ đã được duyệt, ngày 28/01 chi trả tại UBND xã.');
    const [t] = await rt.db.sql.query<{ status: string; answeredAt: Date | null; replies: number }>(`SELECT status, "answeredAt", replies FROM "HandoffRequest" WHERE id = $1`, [id]);
    expect(t).toMatchObject({ status: 'answered', replies: 1 });
    expect(t!.answeredAt).toBeInstanceOf(Date);
    // An officer of another commune sees neither the ticket nor can answer it.
    const [other] = await rt.db.sql.query<{ code: string }>(
      `SELECT a.code FROM "Area" a WHERE a.level = 'commune' AND a.scheme = '2008' AND a.name <> $1 AND a.code LIKE '31%' ORDER BY a.code LIMIT 1`, [(await communeOf(p.idNumber)).name]);
    const elsewhere = 8_100_020;
    await telegram(elsewhere, `/start ${(await createInvite(rt.db.sql, testKeys, { role: 'commune', areaCode: other!.code, now: rt.clock.now() })).code}`);
    expect((await telegram(elsewhere, 'phiếu')).text).toBe('Không có phiếu nào chờ trả lời.');
    expect((await telegram(elsewhere, `tl ${id} xin chào`)).text).toBe(`Không tìm thấy phiếu #${id} trong địa bàn của anh/chị.`);
    expect((await telegram(officerChat, `đóng ${id}`)).text).toBe(`Đã đóng phiếu #${id}.`);
    expect((await telegram(officerChat, 'tl 999999 xin chào')).text).toBe('Không tìm thấy phiếu #999999 trong địa bàn của anh/chị.');
  });
});
