/**
 * The conversation engine without any channel: look-up dialogs, uniform failures, quotas,
 * binding, FAQ, eligibility, bad input. Real Redis and PGlite, fixed clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/conversation/types.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { enqueueChatMessages } from '../../src/outbox/outbox.service.js';
import { maskName } from '../../src/people/mask.js';

let rt: TestRuntime;
let n = 0;
const newChat = () => `chat-${++n}`;
const say = (chatId: string, text: string) => rt.engine.handle({ channel: 'web', chatId, text });
const press = (chatId: string, action: string) => rt.engine.handle({ channel: 'web', chatId, action });
const all = (r: Reply[]) => r.map((x) => x.text).join('\n');
const noDiacritics = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');

beforeAll(async () => {
  rt = await seededRuntime();
});
afterAll(async () => rt?.teardown());

const sample = (status: string, yearOnly = false) => rt.samples.find((s) => s.status === status && /^\d{4}$/.test(s.dateOfBirth) === yearOnly)!;
const masked = (name: string) => name.split(' ')[0]!.toLocaleUpperCase('vi-VN');

describe('status look-up', () => {
  it('should ask for the ID, then the date of birth, then give the status', async () => {
    const chat = newChat();
    const p = sample('paid');
    expect(all(await say(chat, 'tra cứu'))).toMatch(/nhập số CCCD/);
    expect(all(await say(chat, p.idNumber))).toContain(`***${p.idNumber.slice(-4)}`);
    const r = all(await say(chat, p.dateOfBirth));
    expect(r).toContain(masked(p.name));
    expect(r).toMatch(/Đã chi trả ngày \d\d\/\d\d\/\d{4}/);
    expect(r).toMatch(/\d{1,3}(\.\d{3})+ đ/);
    expect(r).not.toContain(p.idNumber);
    expect(r).not.toContain(p.name); // the full name is never shown, only the masked one
  });

  it('should understand everything typed in one message without diacritics', async () => {
    const p = rt.samples.find((s) => s.group === 'la-freelancer' && s.status === 'in_review')!;
    const [d, m, y] = p.dateOfBirth.split('/');
    const r = all(await say(newChat(), `kiem tra tien ho tro cccd ${p.idNumber.replace(/(\d{3})(?=\d)/g, '$1 ')} ngay sinh ${Number(d)}-${Number(m)}-${y!.slice(2)}`));
    expect(r).toContain(masked(p.name));
    expect(r).toMatch(/Đang ở bước: .+ \(từ \d\d\/\d\d\/\d{4}\)\./);
    expect(r).toMatch(/Hạn xử lý theo quy định: \d\d\/\d\d\/\d{4}\./);
  });

  it('should give the rejection reason and the next step', async () => {
    const p = sample('rejected');
    const r = all(await say(newChat(), `${p.idNumber} ${p.dateOfBirth}`));
    expect(r).toMatch(/Không được duyệt\. Lý do: /);
    expect(r).toMatch(/khiếu nại/);
  });

  it('should accept a year alone when the list has only the year, after asking once for the full date', async () => {
    const p = rt.samples.find((s) => /^\d{4}$/.test(s.dateOfBirth))!;
    const chat = newChat();
    await say(chat, p.idNumber);
    expect(all(await say(chat, `sinh năm ${p.dateOfBirth}`))).toMatch(/đầy đủ/);
    expect(all(await say(chat, p.dateOfBirth))).toContain(masked(p.name));
  });

  it('should answer a wrong date, a wrong ID and an unknown person with the same words', async () => {
    const p = sample('paid');
    const [d, m, y] = p.dateOfBirth.split('/');
    const wrongDate = `${d}/${m === '01' ? '02' : '01'}/${y}`;
    const otherId = p.idNumber.slice(0, 6) + String((Number(p.idNumber.slice(6)) + 1) % 1_000_000).padStart(6, '0');
    const a = all(await say(newChat(), `${p.idNumber} ${wrongDate}`));
    const b = all(await say(newChat(), `${otherId} ${p.dateOfBirth}`));
    const c = all(await say(newChat(), `094190000001 01/01/1990`));
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(a).toMatch(/chưa khớp/);
  });

  it('should explain a number that cannot be a CCCD', async () => {
    expect(all(await say(newChat(), '003160123456'))).toMatch(/không thể là số CCCD: 3 số đầu/);
    expect(all(await say(newChat(), '094 2 45 123456'))).toMatch(/năm sinh ở tương lai/);
    expect(all(await say(newChat(), '094160123456 05/03/1961'))).toMatch(/sinh năm 1960/);
  });

  it('should lock a chat on the sixth failure and say until when and where to go', async () => {
    const chat = newChat();
    const p = sample('paid');
    const replies: string[] = [];
    for (let i = 1; i <= 6; i++) replies.push(all(await say(chat, `${p.idNumber} 0${i}/01/1901`.replace(/1901/, p.dateOfBirth.slice(-4)))));
    for (const r of replies.slice(0, 5)) expect(r).toMatch(/chưa khớp/);
    expect(replies[5]).toMatch(/tạm khóa đến \d\d:\d\d.*UBND xã/s);
    // Even the right date is refused while locked.
    expect(all(await say(chat, `${p.idNumber} ${p.dateOfBirth}`))).toMatch(/tạm khóa/);
  });

  it('should lock one chat trying many different IDs (anomaly) and alert', async () => {
    const chat = newChat();
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) replies.push(all(await say(chat, `0941900000${10 + i} 01/01/1990`)));
    expect(replies[3]).toMatch(/tạm khóa/);
    const alerts = await rt.db.prisma.outboxEvent.findMany({ where: { kind: 'officer_alert' } });
    expect(alerts.some((a) => (a.payload as { reason: string }).reason === 'anomaly')).toBe(true);
  });

  it('should lock an ID attacked from many chats and alert the officer of its commune', async () => {
    const p = rt.samples.find((s) => s.status === 'paid' && s !== sample('paid'))!;
    let last = '';
    for (let i = 0; i < 11; i++) last = all(await say(newChat(), `${p.idNumber} 01/01/${p.dateOfBirth.slice(-4)}`));
    expect(last).toMatch(/Số CCCD này đang tạm khóa/);
    expect(all(await say(newChat(), `${p.idNumber} ${p.dateOfBirth}`))).toMatch(/tạm khóa/);
    const alerts = await rt.db.prisma.outboxEvent.findMany({ where: { kind: 'officer_alert' } });
    const idAlert = alerts.find((a) => (a.payload as { reason: string }).reason === 'id_locked');
    expect((idAlert!.payload as { communeId: number | null }).communeId).toEqual(expect.any(Number));
  });

  it('should audit every attempt with the keyed hash and never the clear ID', async () => {
    const events = await rt.db.prisma.auditEvent.findMany({ where: { action: 'lookup' } });
    expect(events.length).toBeGreaterThan(20);
    expect(new Set(events.map((e) => e.result))).toEqual(expect.objectContaining({}));
    expect(events.map((e) => e.result)).toEqual(expect.arrayContaining(['found', 'mismatch', 'invalid_id', 'locked_chat']));
    const dump = JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const s of rt.samples) expect(dump).not.toContain(s.idNumber);
  });
});

describe('binding', () => {
  it('should bind the chat so that "xem lại" needs no re-entry, and notify chats bound earlier', async () => {
    const p = rt.samples.find((s) => s.status === 'approved') ?? sample('in_review');
    const first = newChat();
    const second = newChat();
    await say(first, `${p.idNumber} ${p.dateOfBirth}`);
    expect(all(await say(first, 'xem lai'))).toContain(masked(p.name));
    const before = await rt.db.prisma.outboxEvent.count({ where: { kind: 'chat_message' } });
    await say(second, `${p.idNumber} ${p.dateOfBirth}`);
    const notices = await rt.db.prisma.outboxEvent.findMany({ where: { kind: 'chat_message' }, orderBy: { id: 'asc' } });
    expect(notices.length).toBe(before + 1);
    const firstIdentity = await rt.db.prisma.channelIdentity.findUniqueOrThrow({ where: { channel_externalId: { channel: 'web', externalId: first } } });
    expect(notices.at(-1)!.payload).toMatchObject({ identityId: firstIdentity.id, template: 'binding_notice', params: { name: maskName(p.name) } });
  });

  it('should keep at most 5 people per chat', async () => {
    const chat = newChat();
    const people = rt.samples.filter((s) => !/^\d{4}$/.test(s.dateOfBirth)).slice(10, 16);
    let last = '';
    for (const p of people) last = all(await say(chat, `${p.idNumber} ${p.dateOfBirth}`));
    expect(last).toMatch(/đã lưu 5 người/);
    expect(await rt.db.prisma.binding.count({ where: { identity: { externalId: chat } } })).toBe(5);
  });

  it('should turn notifications on only after a look-up, and off, and forget', async () => {
    const chat = newChat();
    expect(all(await say(chat, 'nhan thong bao'))).toMatch(/tra cứu thành công/);
    const p = sample('paid');
    await say(chat, `${p.idNumber} ${p.dateOfBirth}`);
    expect(all(await press(chat, 'notify:on'))).toMatch(/Đã bật thông báo/);
    expect(all(await say(chat, 'tat thong bao'))).toMatch(/Đã tắt/);
    // A notice queued for this chat (and one for another chat) just before "forget me".
    const me = await rt.db.prisma.channelIdentity.findFirstOrThrow({ where: { externalId: chat } });
    const other = await rt.db.prisma.channelIdentity.create({ data: { channel: 'test', externalId: newChat() } });
    await enqueueChatMessages(rt.db.sql, [me.id, other.id].map((identityId) => ({ identityId, channel: 'test', template: 'text', params: { text: 'Hồ sơ đã được duyệt.' } })));
    expect(all(await say(chat, 'quên tôi'))).toMatch(/Đã xóa liên kết với 1 hồ sơ/);
    expect(all(await say(chat, 'xem lại'))).toMatch(/Chưa có hồ sơ/);
    const queued = await rt.db.sql.query<{ identityId: number; result: string | null; delivered: boolean }>(
      `SELECT (payload->>'identityId')::int AS "identityId", result, "deliveredAt" IS NOT NULL AS delivered FROM "OutboxEvent"
       WHERE kind = 'chat_message' AND (payload->>'identityId')::int = ANY($1::int[]) ORDER BY id`,
      [[me.id, other.id]],
    );
    expect(queued).toEqual([{ identityId: me.id, result: 'cancelled', delivered: true }, { identityId: other.id, result: null, delivered: false }]);
  });
});

describe('understanding', () => {
  it('should give the lottery-seller answer to "ban ve so co duoc ho tro khong"', async () => {
    const r = all(await say(newChat(), 'ban ve so co duoc ho tro khong'));
    expect(r).toMatch(/vé số lưu động/);
    expect(r).toContain('900.000 đ');
  });

  it('should answer FAQ questions typed without diacritics or with abbreviations', async () => {
    expect(all(await say(newChat(), 'nop ho so o dau'))).toMatch(/UBND xã/);
    expect(all(await say(newChat(), 'cach ly 10 ngay co dc ho tro ngung viec ko'))).toMatch(/^Không\./);
    expect(all(await say(newChat(), 'hkd dc bn tien'))).toContain('3.000.000 đ');
  });

  it('should offer the menu and a person instead of guessing', async () => {
    const r = await say(newChat(), 'toi muon mua xe may');
    expect(r[0]!.text).toMatch(/chưa hiểu/);
    expect(r[0]!.buttons!.map((b) => b.action)).toContain('human');
  });

  it('should switch language', async () => {
    const chat = newChat();
    expect(all(await say(chat, 'english'))).toBe('Switched to English.');
    expect(all(await say(chat, 'look up'))).toMatch(/Please enter the ID number/);
    expect(all(await press(chat, 'lang:vi'))).toMatch(/tiếng Việt/);
  });

  it('should record a request to talk to a person', async () => {
    const chat = newChat();
    expect(all(await say(chat, 'toi muon gap can bo'))).toMatch(/Đã ghi nhận yêu cầu gặp cán bộ/);
    await say(chat, 'Nhà tôi 2 lao động mà chỉ 1 người có tên');
    const req = await rt.db.prisma.handoffRequest.findFirstOrThrow({ where: { identity: { externalId: chat } } });
    expect(req.text).toContain('2 lao động');
  });
});

describe('eligibility self-check', () => {
  it('should walk a household business through NQ68 to 3.000.000 đ, Form 11 and the deadline', async () => {
    const chat = newChat();
    const first = await say(chat, 'kiem tra dieu kien');
    expect(first[0]!.buttons!.map((b) => b.action)).toContain('elig:NQ68-2021');
    let r = await press(chat, 'elig:NQ68-2021');
    const answers: Record<string, string> = {
      'hợp đồng lao động không': 'ans:n', 'bảo hiểm xã hội bắt buộc': 'ans:n', 'chấm dứt': 'ans:n', 'trợ cấp thất nghiệp': 'ans:n',
      'đơn phương': 'ans:n', 'điều trị hoặc cách ly': 'ans:none', 'dưới 16': 'ans:n', 'thẻ hướng dẫn viên': 'ans:n',
      'biểu diễn': 'ans:n', 'đăng ký kinh doanh': 'ans:y', 'Long An': 'ans:n', 'mất việc': 'ans:n',
    };
    for (let i = 0; i < 20; i++) {
      const t = r[0]!.text;
      if (/Theo câu trả lời/.test(t)) break;
      if (/bao nhiêu ngày/.test(t)) {
        r = await say(chat, /Hộ kinh doanh/.test(t) ? '20 ngày' : '0');
        continue;
      }
      const key = Object.keys(answers).find((k) => t.includes(k));
      expect(key, t).toBeDefined();
      r = await press(chat, answers[key!]!);
    }
    const result = all(r);
    expect(result).toMatch(/Hộ kinh doanh tạm ngừng kinh doanh: 3\.000\.000 đ\/hộ/);
    expect(result).toContain('Mẫu số 11');
    expect(result).toMatch(/Hạn nộp: 31\/01\/2022/);
  });

  it('should say which rule is not met', async () => {
    const chat = newChat();
    let r = await press(chat, 'elig:NQ42-2020');
    for (let i = 0; i < 20 && !/Theo câu trả lời/.test(r[0]!.text); i++) {
      r = r[0]!.buttons?.some((b) => b.action === 'ans:n') ? await press(chat, 'ans:n') : await press(chat, 'ans:agriculture');
    }
    expect(all(r)).toMatch(/chưa thuộc nhóm hỗ trợ nào, vì:\n• /);
  });
});

describe('bad input', () => {
  it('should answer empty, emoji-only, control and zero-width input with the menu', async () => {
    for (const t of ['', '   ', '😀😀', '\u200b\u200b', '\u0000\u0007']) {
      const r = await say(newChat(), t);
      expect(r[0]!.text).toMatch(/cần hỗ trợ gì/);
    }
  });

  it('should read a 10,000-character message and say it was cut', async () => {
    const r = await say(newChat(), 'a'.repeat(10_000));
    expect(r[0]!.text).toMatch(/dài quá/);
  });

  it('should give precise hints for letters, 11 digits, 31/02 and a future date', async () => {
    expect(all(await say(newChat(), '09416O123456'))).toMatch(/chỉ gồm chữ số/);
    expect(all(await say(newChat(), 'cccd 09416012345'))).toMatch(/11 chữ số/);
    expect(all(await say(newChat(), '094160123456 31/02/1960'))).toMatch(/chưa đúng/);
    expect(all(await say(newChat(), '094160123456 05/03/2030'))).toMatch(/tương lai/);
  });

  it('should never echo HTML or script back', async () => {
    const r = all(await say(newChat(), '<script>alert(1)</script><img src=x onerror=alert(1)>'));
    expect(r).not.toContain('<script>');
    expect(r).not.toContain('onerror');
  });

  it('should answer "try again shortly" when Redis is gone, without throwing', async () => {
    const { createRuntime } = await import('../../src/runtime.js');
    const { loadConfig } = await import('../../src/config.js');
    const { createLogger } = await import('../../src/shared/log.js');
    const other = await createRuntime(loadConfig(), { db: rt.db, keys: rt.keys, clock: rt.clock, redisPrefix: rt.prefix, log: createLogger({ level: 'silent' }) });
    other.redis.disconnect();
    const r = await other.engine.handle({ channel: 'web', chatId: newChat(), text: 'tra cuu' });
    expect(r[0]!.text).toMatch(/Hệ thống đang bận/);
    await other.close();
  });
});

describe('text without diacritics', () => {
  it('keeps replies in proper Vietnamese even when the user types none', async () => {
    expect(noDiacritics('Tra cứu')).toBe('Tra cuu');
  });
});
