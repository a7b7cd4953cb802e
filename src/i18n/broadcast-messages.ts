/**
 * What broadcasts, verification codes and scam warnings say, in Vietnamese and English. A
 * broadcast addresses many people at once, so its footer uses "Quý vị".
 */

export interface BroadcastMessages {
  /** Heading of a broadcast without a title. */
  defaultTitle: string;
  heading(title: string): string;
  /** A link button, printed in the text (channels show it as plain text; nothing is clickable markup). */
  link(label: string, url: string): string;
  codeLine(code: string): string;
  /** The same sentence on every broadcast, notice and warning. */
  neverAsks: string;
  /** Verification answers. */
  genuineBroadcast(code: string, date: string, subject: string): string;
  genuineNotice(code: string, date: string, subject: string): string;
  noticeSubject(program: string, stage: string): string;
  compareHint: string;
  notFound(code: string): string;
  suspicious: string;
  reportHint: string;
}

const NEVER_ASKS_VI = 'ansinh không bao giờ hỏi mã OTP, mật khẩu, không yêu cầu chuyển tiền, không gửi đường link tới trang khác.';
const NEVER_ASKS_EN = 'ansinh never asks for OTP codes or passwords, never asks you to transfer money, and never sends links to other sites.';

const vi: BroadcastMessages = {
  defaultTitle: 'Thông báo từ ansinh',
  heading: (title) => `THÔNG BÁO: ${title}`,
  link: (label, url) => `• ${label}: ${url}`,
  codeLine: (code) => `Mã xác thực: ${code}. Quý vị có thể gửi mã này cho ansinh để kiểm tra tin thật hay giả.`,
  neverAsks: NEVER_ASKS_VI,
  genuineBroadcast: (code, date, subject) => `Mã ${code} là thật: thông báo ngày ${date} về "${subject}".`,
  genuineNotice: (code, date, subject) => `Mã ${code} là thật: thông báo ngày ${date} về ${subject}.`,
  noticeSubject: (program, stage) => `việc cập nhật hồ sơ hỗ trợ (${program}${stage ? `: ${stage}` : ''})`,
  compareHint: 'Anh/chị so sánh nội dung: nếu tin nhận được khác với nội dung trên, đó là tin giả mạo mượn mã thật.',
  notFound: (code) => `Không có tin nào của ansinh mang mã ${code}. Có thể là tin giả mạo: anh/chị đừng làm theo, đừng bấm đường link, đừng chuyển tiền.`,
  suspicious: 'Tin nhắn này có dấu hiệu lừa đảo (đường link, mã OTP, mật khẩu, chuyển khoản hoặc phí). Tin thật của ansinh luôn có mã xác thực dạng AS-…; anh/chị có thể gửi mã đó để kiểm tra.',
  reportHint: 'Nếu bị đòi tiền hoặc thông tin, anh/chị báo UBND xã hoặc công an, hoặc gõ "gặp cán bộ".',
};

const en: BroadcastMessages = {
  defaultTitle: 'Notice from ansinh',
  heading: (title) => `NOTICE: ${title}`,
  link: (label, url) => `• ${label}: ${url}`,
  codeLine: (code) => `Verification code: ${code}. You can send this code to ansinh to check that the message is genuine.`,
  neverAsks: NEVER_ASKS_EN,
  genuineBroadcast: (code, date, subject) => `Code ${code} is genuine: a notice of ${date} about "${subject}".`,
  genuineNotice: (code, date, subject) => `Code ${code} is genuine: a notice of ${date} about ${subject}.`,
  noticeSubject: (program, stage) => `an update of a support file (${program}${stage ? `: ${stage}` : ''})`,
  compareHint: 'Compare the content: if the message you got says something else, it is a fake that borrowed a real code.',
  notFound: (code) => `No ansinh message carries the code ${code}. It may be a scam: do not follow it, do not open its links, do not transfer money.`,
  suspicious: 'This message looks like a scam (a link, an OTP code, a password, a money transfer or a fee). Genuine ansinh messages carry a verification code like AS-…; you can send that code to check it.',
  reportHint: 'If someone asks you for money or details, tell your commune or the police, or type "talk to an officer".',
};

export function broadcastMessages(locale: string | undefined): BroadcastMessages {
  return locale === 'en' ? en : vi;
}
