/**
 * What the bot says to officers, Vietnamese first, English second. Polite and short: the
 * officer reads it on a phone at 7:30 before the day starts.
 */
import type { Button } from '../conversation/types.js';

export interface OfficerMessages {
  digestTitle(area: string, date: string): string;
  waiting(n: number): string;
  dueToday(n: number): string;
  dueNext(n: number, date: string): string;
  overdue(n: number): string;
  approved(n: number): string;
  oldestHeader: string;
  overdueFile(name: string, last: string, stage: string, commune: string, days: number): string;
  escalatedHeader(n: number, days: number): string;
  escalatedCommune(commune: string, files: number, days: number): string;
  paid(pct: string, province: string): string;
  since(delta: string): string;
  tickets(n: number, since: string): string;
  unreachable(n: number): string;
  allClear(area: string, date: string): string;
  intakeClosing(program: string, days: number, date: string, files: number): string;
  welcome(name: string, area: string): string;
  help: string;
  overdueListHeader(n: number): string;
  overdueNone: string;
  ticketsHeader(n: number): string;
  ticketsNone: string;
  ticketLine(id: number, at: string, commune: string, text: string): string;
  ticketNew(id: number, commune: string, text: string): string;
  ticketReplied(id: number): string;
  ticketClosed(id: number): string;
  ticketNotFound(id: number): string;
  ticketNeedsText: string;
  muted(until: string): string;
  unmuted: string;
  mutedBadDate: string;
  digestTimeSet(t: string): string;
  quietSet(from: string, to: string): string;
  languageSet: string;
  digestTimeBad(given: string): string;
  emptySet(mode: 'short' | 'none'): string;
  inviteBad: string;
  inviteAlreadyOfficer: string;
  citizenOnly: string;
  unknownCommand: string;
  alertIdLocked(commune: string, last: string, at: string): string;
  alertAnomaly(at: string): string;
  buttons: Button[];
}

const vi: OfficerMessages = {
  digestTitle: (area, date) => `Việc cần làm hôm nay (${date}), ${area}:`,
  waiting: (n) => `• Đang chờ xử lý: ${n} hồ sơ`,
  dueToday: (n) => `• Đến hạn hôm nay: ${n}`,
  dueNext: (n, date) => `• Đến hạn ngày làm việc tới (${date}): ${n}`,
  overdue: (n) => `• Quá hạn: ${n}`,
  approved: (n) => `• Đã duyệt, chưa chi trả: ${n}`,
  oldestHeader: 'Quá hạn lâu nhất:',
  overdueFile: (name, last, stage, commune, days) => `  - ${name} (***${last}), ${commune}: ${stage}, quá ${days} ngày làm việc`,
  escalatedHeader: (n, days) => `Cấp dưới quá hạn trên ${days} ngày làm việc (${n} hồ sơ):`,
  escalatedCommune: (commune, files, days) => `  - ${commune}: ${files} hồ sơ, lâu nhất ${days} ngày`,
  paid: (pct, province) => `• Đã chi trả: ${pct} (trung bình tỉnh ${province})`,
  since: (delta) => `So với hôm qua: ${delta}`,
  tickets: (n, since) => `• Phiếu người dân chờ trả lời: ${n} (cũ nhất từ ${since})`,
  unreachable: (n) => `• Người dân chưa nhận được thông báo (7 ngày): ${n}; đề nghị liên hệ trực tiếp`,
  allClear: (area, date) => `${area}, ${date}: không có hồ sơ tồn đọng. Cảm ơn anh/chị!`,
  intakeClosing: (program, days, date, files) => `Nhắc việc: ${program} hết hạn tiếp nhận sau ${days} ngày (${date}); địa bàn còn ${files} hồ sơ chưa xử lý xong.`,
  welcome: (name, area) => `Chào ${name}! Anh/chị đã được đăng ký là cán bộ ${area}. Mỗi sáng ngày làm việc tôi sẽ gửi danh sách việc cần làm.`,
  help:
    'Lệnh cho cán bộ:\n• "tồn đọng": việc cần làm bây giờ\n• "quá hạn": danh sách hồ sơ quá hạn\n• "phiếu": phiếu người dân chờ trả lời\n• "tl 12 <nội dung>": trả lời phiếu số 12; "đóng 12": đóng phiếu\n• "giờ nhận 07:30": đổi giờ nhận bản tin; "giờ nghỉ 21:00-06:30": không nhận tin trong khoảng này\n• "tạm dừng đến 30/11/2026", "bật lại": tạm dừng hoặc bật lại tin nhắn\n• "bản tin trống: tắt" hoặc "bật": có gửi khi không có việc',
  overdueListHeader: (n) => `Hồ sơ quá hạn (${n}):`,
  overdueNone: 'Không có hồ sơ quá hạn.',
  ticketsHeader: (n) => `Phiếu chờ trả lời (${n}):`,
  ticketsNone: 'Không có phiếu nào chờ trả lời.',
  ticketLine: (id, at, commune, text) => `#${id} (${at}, ${commune}): ${text}`,
  ticketNew: (id, commune, text) => `Phiếu mới #${id} (${commune}): người dân cần gặp cán bộ.${text ? `\nNội dung: ${text}` : ''}\nTrả lời: "tl ${id} <nội dung>".`,
  ticketReplied: (id) => `Đã gửi trả lời phiếu #${id} tới người dân.`,
  ticketClosed: (id) => `Đã đóng phiếu #${id}.`,
  ticketNotFound: (id) => `Không tìm thấy phiếu #${id} trong địa bàn của anh/chị.`,
  ticketNeedsText: 'Anh/chị gõ nội dung sau số phiếu, ví dụ: tl 12 Hồ sơ đã chuyển lên huyện ngày 20/01.',
  muted: (until) => `Đã tạm dừng tin nhắn đến hết ngày ${until}.`,
  unmuted: 'Đã bật lại tin nhắn.',
  mutedBadDate: 'Ngày chưa đúng. Ví dụ: tạm dừng đến 30/11/2026.',
  digestTimeSet: (t) => `Từ nay bản tin gửi lúc ${t} các ngày làm việc.`,
  quietSet: (from, to) => `Không gửi tin nhắn từ ${from} đến ${to}.`,
  languageSet: 'Đã chuyển sang tiếng Việt.',
  digestTimeBad: (given) => `"${given}" không phải giờ hợp lệ. Anh/chị gõ theo dạng giờ:phút từ 00:00 đến 23:59, ví dụ: giờ nhận 07:30.`,
  emptySet: (mode) => (mode === 'none' ? 'Ngày không có việc sẽ không gửi bản tin.' : 'Ngày không có việc sẽ gửi một dòng báo.'),
  inviteBad: 'Mã mời không đúng, đã dùng hoặc đã hết hạn. Anh/chị liên hệ quản trị viên của tỉnh để nhận mã mới.',
  inviteAlreadyOfficer: 'Cuộc trò chuyện này đã được đăng ký cho cán bộ.',
  citizenOnly: 'Lệnh này dành cho cán bộ đã đăng ký. Nếu anh/chị là cán bộ, hãy gửi mã mời do tỉnh cấp.',
  unknownCommand: 'Tôi chưa hiểu lệnh. Gõ "trợ giúp" để xem các lệnh.',
  alertIdLocked: (commune, last, at) => `Cảnh báo: số CCCD ***${last} (${commune}) bị nhập sai nhiều lần từ nhiều nơi và đã tạm khóa tra cứu lúc ${at}. Nếu người dân đến hỏi, đề nghị kiểm tra giấy tờ trực tiếp.`,
  alertAnomaly: (at) => `Cảnh báo: một cuộc trò chuyện thử nhiều số CCCD khác nhau và đã bị khóa lúc ${at}. Các trường hợp tương tự trong giờ này không báo riêng; tất cả đều có trong nhật ký của hệ thống.`,
  buttons: [
    { label: 'Tồn đọng', action: 'o:backlog' },
    { label: 'Quá hạn', action: 'o:overdue' },
    { label: 'Phiếu', action: 'o:tickets' },
    { label: 'Trợ giúp', action: 'o:help' },
  ],
};

const en: OfficerMessages = {
  digestTitle: (area, date) => `Today's work (${date}), ${area}:`,
  waiting: (n) => `• Waiting: ${n} files`,
  dueToday: (n) => `• Due today: ${n}`,
  dueNext: (n, date) => `• Due next working day (${date}): ${n}`,
  overdue: (n) => `• Overdue: ${n}`,
  approved: (n) => `• Approved, not yet paid: ${n}`,
  oldestHeader: 'Longest overdue:',
  overdueFile: (name, last, stage, commune, days) => `  - ${name} (***${last}), ${commune}: ${stage}, ${days} working days late`,
  escalatedHeader: (n, days) => `Below you, overdue by more than ${days} working days (${n} files):`,
  escalatedCommune: (commune, files, days) => `  - ${commune}: ${files} files, worst ${days} days`,
  paid: (pct, province) => `• Paid: ${pct} (province average ${province})`,
  since: (delta) => `Since yesterday: ${delta}`,
  tickets: (n, since) => `• Citizens' tickets waiting: ${n} (oldest since ${since})`,
  unreachable: (n) => `• Citizens not reached by a notice (7 days): ${n}; please contact them directly`,
  allClear: (area, date) => `${area}, ${date}: nothing waiting. Thank you!`,
  intakeClosing: (program, days, date, files) => `Reminder: ${program} closes to applications in ${days} days (${date}); ${files} files in your area are unfinished.`,
  welcome: (name, area) => `Hello ${name}! You are registered as an officer of ${area}. Every working morning I will send your list of work.`,
  help:
    'Officer commands:\n• "backlog": work now\n• "overdue": overdue files\n• "tickets": citizens waiting for an answer\n• "reply 12 <text>": answer ticket 12; "close 12": close it\n• "digest 07:30": change the digest time; "quiet 21:00-06:30": no messages then\n• "mute until 30/11/2026", "unmute"\n• "empty digest: off" or "on": whether to send when there is no work',
  overdueListHeader: (n) => `Overdue files (${n}):`,
  overdueNone: 'No overdue files.',
  ticketsHeader: (n) => `Tickets waiting (${n}):`,
  ticketsNone: 'No tickets waiting.',
  ticketLine: (id, at, commune, text) => `#${id} (${at}, ${commune}): ${text}`,
  ticketNew: (id, commune, text) => `New ticket #${id} (${commune}): a citizen asks for an officer.${text ? `\nMessage: ${text}` : ''}\nAnswer: "reply ${id} <text>".`,
  ticketReplied: (id) => `Your answer to ticket #${id} was sent.`,
  ticketClosed: (id) => `Ticket #${id} closed.`,
  ticketNotFound: (id) => `No ticket #${id} in your area.`,
  ticketNeedsText: 'Type the answer after the ticket number, e.g. reply 12 The file went to the district on 20/01.',
  muted: (until) => `Messages paused until the end of ${until}.`,
  unmuted: 'Messages are on again.',
  mutedBadDate: 'That date is not valid. Example: mute until 30/11/2026.',
  digestTimeSet: (t) => `The digest will come at ${t} on working days.`,
  quietSet: (from, to) => `No messages from ${from} to ${to}.`,
  languageSet: 'Switched to English.',
  digestTimeBad: (given) => `"${given}" is not a valid time. Use hours:minutes from 00:00 to 23:59, e.g. digest 07:30.`,
  emptySet: (mode) => (mode === 'none' ? 'No digest on days without work.' : 'A one-line note on days without work.'),
  inviteBad: 'The invite code is wrong, used or expired. Please ask the provincial admin for a new one.',
  inviteAlreadyOfficer: 'This chat is already registered to an officer.',
  citizenOnly: 'This command is for registered officers. If you are one, send the invite code from the province.',
  unknownCommand: 'I did not understand. Type "help" for the commands.',
  alertIdLocked: (commune, last, at) => `Alert: ID ***${last} (${commune}) had many wrong attempts from several chats and was locked at ${at}. If the person visits, please check their papers in person.`,
  alertAnomaly: (at) => `Alert: one chat tried many different ID numbers and was locked at ${at}. Further cases this hour are not sent one by one; all are in the system audit log.`,
  buttons: [
    { label: 'Backlog', action: 'o:backlog' },
    { label: 'Overdue', action: 'o:overdue' },
    { label: 'Tickets', action: 'o:tickets' },
    { label: 'Help', action: 'o:help' },
  ],
};

export function officerMessages(locale: string | undefined): OfficerMessages {
  return locale === 'en' ? en : vi;
}
