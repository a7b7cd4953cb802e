/**
 * Anti-phishing in the conversation: a citizen types or forwards a verification code and learns
 * whether it is genuine and what it was about; a message with a link, an OTP, a transfer or a
 * fee and no code gets a warning; the menu and help say what ansinh never asks for; status
 * notices carry a code too; a broadcast's FAQ button answers. Real Redis and PGlite, engine
 * test style.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/conversation/types.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { testKeys } from '../helpers/db.js';
import { createBroadcast, startBroadcast, type BroadcastView } from '../../src/broadcasts/broadcast.service.js';
import { renderBroadcast } from '../../src/broadcasts/broadcast-render.js';
import { verificationCode } from '../../src/broadcasts/verify-code.js';
import { changeStages } from '../../src/entitlements/stage.service.js';
import { expandStageChanges, renderStageNotice, type StageNoticeParams } from '../../src/notifications/stage-notice.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { formatVi, localDateAt } from '../../src/calendar/local-date.js';

let rt: TestRuntime;
let n = 0;
let sent: BroadcastView;
let draft: BroadcastView;
const newChat = () => `verify-${++n}`;
const say = (chatId: string, text: string) => rt.engine.handle({ channel: 'web', chatId, text });
const press = (chatId: string, action: string) => rt.engine.handle({ channel: 'web', chatId, action });
const all = (r: Reply[]) => r.map((x) => x.text).join('\n');
const NEVER = 'ansinh không bao giờ hỏi mã OTP, mật khẩu, không yêu cầu chuyển tiền, không gửi đường link tới trang khác.';
const NEVER_EN = 'ansinh never asks for OTP codes or passwords, never asks you to transfer money, and never sends links to other sites.';

beforeAll(async () => {
  rt = await seededRuntime();
  const ctx = { actor: 'admin:test', areaPath: '/', keys: testKeys };
  await rt.db.sql.query(`UPDATE "ChannelIdentity" SET notify = true WHERE id IN (SELECT "identityId" FROM "Binding")`);
  await rt.engine.handle({ channel: 'web', chatId: 'verify-subscriber', text: `${rt.samples[0]!.idNumber} ${rt.samples[0]!.dateOfBirth}` });
  await rt.db.sql.query(`UPDATE "ChannelIdentity" SET notify = true WHERE "externalId" = 'verify-subscriber'`);
  sent = await createBroadcast(rt.db.sql, { titleVi: 'Lịch chi trả đợt 2', textVi: 'Chi trả đợt 2 tại UBND xã từ 01/03.', textEn: 'Second payment round at the commune from 1 March.', audience: { citizens: true, officers: false } }, ctx);
  await startBroadcast(rt.db.sql, sent.id, ctx);
  draft = await createBroadcast(rt.db.sql, { textVi: 'Bản nháp chưa gửi', audience: { citizens: true, officers: false } }, ctx);
}, 60_000);
afterAll(async () => rt?.teardown());

describe('verification codes in the chat', () => {
  it('should say a genuine code is genuine, with the date and the subject, also inside a forwarded message', async () => {
    const date = formatVi(localDateAt(new Date()));
    expect(all(await say(newChat(), sent.verifyCode))).toContain(`Mã ${sent.verifyCode} là thật: thông báo ngày ${date} về "Lịch chi trả đợt 2".`);
    const forwarded = `Forwarded message:\nTHÔNG BÁO: Lịch chi trả đợt 2\nChi trả đợt 2 tại UBND xã từ 01/03.\nMã xác thực: ${sent.verifyCode.toLowerCase()}. Quý vị có thể gửi mã này...`;
    const r = all(await say(newChat(), forwarded));
    expect(r).toContain('là thật');
    expect(r).toContain('so sánh nội dung');
    expect(r).toContain(NEVER);
    const chat = newChat();
    await say(chat, 'english');
    expect(all(await say(chat, `is ${sent.verifyCode} real?`))).toContain(`Code ${sent.verifyCode} is genuine: a notice of ${date} about "Second payment round at the commune from 1 March.".`);
  });

  it('should say a forged or unknown code is not ansinh\'s, and so is the code of a draft that was never sent', async () => {
    const forged = `${sent.verifyCode.slice(0, -1)}${sent.verifyCode.endsWith('Z') ? 'Y' : 'Z'}`;
    const r = all(await say(newChat(), `Tin nhắn: nhận 3 triệu hỗ trợ, mã ${forged}`));
    expect(r).toContain(`Không có tin nào của ansinh mang mã ${forged}. Có thể là tin giả mạo`);
    expect(r).toContain(NEVER);
    expect(all(await say(newChat(), 'AS-7K2QXM'))).toContain('Không có tin nào của ansinh mang mã AS-7K2QXM.');
    expect(all(await say(newChat(), draft.verifyCode))).toContain('Không có tin nào');
    const audits = await rt.db.sql.query<{ result: string }>(`SELECT result FROM "AuditEvent" WHERE action = 'verify_code'`);
    expect(audits.filter((a) => a.result === 'unknown').length).toBeGreaterThanOrEqual(3);
  });

  it('should warn about a message with a link, an OTP, a transfer or a fee, in both languages', async () => {
    for (const text of [
      'Chúc mừng bạn được nhận hỗ trợ 3.000.000đ, truy cập https://ho-tro-nhanh.top/nhan để nhận ngay',
      'Cán bộ xã: vui lòng đọc mã OTP vừa gửi về điện thoại để xác nhận',
      'Ban can chuyen khoan phi ho so 200k de duoc duyet',
      'nạp tiền vào tài khoản để nhận gói hỗ trợ',
      'đăng nhập vào trang ansinh-vn.xyz bằng mật khẩu',
    ]) {
      const r = all(await say(newChat(), text));
      expect(r, text).toMatch(/^Tin nhắn này có dấu hiệu lừa đảo/);
      expect(r, text).toContain(NEVER);
    }
    const chat = newChat();
    await say(chat, 'english');
    expect(all(await say(chat, 'Please send the OTP code to receive your support'))).toContain(NEVER_EN);
    // A state site is not a scam signal; an ordinary question is not either.
    expect(all(await say(newChat(), 'nộp hồ sơ trên dichvucong.gov.vn được không'))).not.toMatch(/lừa đảo/);
    expect(all(await say(newChat(), 'bao giờ nhận tiền'))).not.toMatch(/lừa đảo/);
    // Scam words in an honest question the FAQ answers get the answer, not a warning.
    for (const text of ['có chuyển khoản không', 'nhận tiền mặt hay chuyển khoản']) {
      const r = all(await say(newChat(), text));
      expect(r, text).not.toMatch(/lừa đảo/);
      expect(r, text).toMatch(/^Tùy địa phương: nhận tiền mặt tại UBND xã/);
    }
  });

  it('should state what ansinh never asks for in the menu and the help, vi and en', async () => {
    expect(all(await press(newChat(), 'menu'))).toContain(NEVER);
    expect(all(await say(newChat(), 'hướng dẫn'))).toContain(NEVER);
    expect(all(await say(newChat(), 'hướng dẫn'))).toContain('gửi mã xác thực AS-');
    const chat = newChat();
    await say(chat, 'english');
    expect(all(await say(chat, 'help'))).toContain(NEVER_EN);
  });

  it('should put a code on status notices, and recognise it', async () => {
    const [file] = await rt.db.sql.query<{ id: number }>(`SELECT e.id FROM "Entitlement" e WHERE e.status = 'in_review' ORDER BY e.id LIMIT 1`);
    const [change] = await changeStages(rt.db.sql, await loadWorkingCalendar(rt.db.prisma), [{ entitlementId: file!.id, toStage: 'rejected', reason: 'Trùng đối tượng' }], { source: 'cli', at: new Date() });
    const [row] = await rt.db.sql.query<{ id: string }>(`SELECT id::text FROM "OutboxEvent" WHERE kind = 'stage_changed' AND payload->>'entitlementId' = $1`, [String(file!.id)]);
    await rt.db.sql.query(`INSERT INTO "Binding" ("identityId", "personId") SELECT id, (SELECT "personId" FROM "Entitlement" WHERE id = $1) FROM "ChannelIdentity" WHERE "externalId" = 'verify-subscriber' ON CONFLICT DO NOTHING`, [file!.id]);
    expect(change!.changed).toBe(true);
    await expandStageChanges(rt.db.sql, 100, (id) => verificationCode(testKeys.verify, 'notice', id));
    const [msg] = await rt.db.sql.query<{ payload: { params: StageNoticeParams } }>(`SELECT payload FROM "OutboxEvent" WHERE kind = 'chat_message' AND payload->>'source' = $1`, [row!.id]);
    const code = verificationCode(testKeys.verify, 'notice', row!.id);
    expect(msg!.payload.params.code).toBe(code);
    const text = renderStageNotice(msg!.payload.params, 'vi').text;
    expect(text).toContain(`Mã xác thực: ${code}. Quý vị có thể gửi mã này cho ansinh`);
    expect(text).toContain(NEVER);
    const r = all(await say(newChat(), code));
    expect(r).toContain(`Mã ${code} là thật: thông báo ngày`);
    expect(r).toMatch(/về việc cập nhật hồ sơ hỗ trợ \(.+: không được duyệt\)\./);
    expect(r).not.toContain('Trùng đối tượng'); // nothing about the person or the file
  });

  it('should render a broadcast with its code, FAQ buttons that answer, links as text, and HTML as typed', async () => {
    const b = { titleVi: 'Lưu ý', textVi: '<b>Không</b> nộp phí & <i>cảnh giác</i>', textEn: null, verifyCode: 'AS-BC12345', buttons: [
      { labelVi: 'Vé số lưu động', kind: 'faq' as const, target: 'lottery-seller' },
      { labelVi: 'Cổng dịch vụ công', kind: 'link' as const, target: 'https://dichvucong.gov.vn/' },
    ] };
    const r = renderBroadcast(b, 'en');
    expect(r.text).toBe([
      'THÔNG BÁO: Lưu ý', '', '<b>Không</b> nộp phí & <i>cảnh giác</i>', '', '• Cổng dịch vụ công: https://dichvucong.gov.vn/', '',
      'Mã xác thực: AS-BC12345. Quý vị có thể gửi mã này cho ansinh để kiểm tra tin thật hay giả.', NEVER,
    ].join('\n')); // no English text: Vietnamese throughout
    expect(r.buttons).toEqual([{ label: 'Vé số lưu động', action: 'fq:lottery-seller' }]);
    expect(all(await press(newChat(), 'fq:lottery-seller'))).toMatch(/vé số lưu động/);
    expect(all(await press(newChat(), 'fq:nothing'))).toMatch(/chưa hiểu/);
  });
});
