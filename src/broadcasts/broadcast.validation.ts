/**
 * What an officer may compose: checked with zod, every refusal in Vietnamese and precise
 * enough to fix (which field, what the limit is and why). HTML and markdown are not refused:
 * every channel shows the text as typed (plain text on Telegram and Zalo, textContent on the
 * web), so `<b>` arrives as the four characters `<b>`, never as markup.
 */
import { z } from 'zod';
import { formatCount } from '../shared/format.js';

/** Zalo's limit for one message; Telegram's is 4,096, so a text within it fits everywhere. */
export const MAX_BROADCAST_TEXT = 2_000;
export const MAX_TITLE = 120;
export const MAX_BUTTONS = 3;
export const MAX_BUTTON_LABEL = 30;
/** Links must go to a state site: the footer tells citizens ansinh never links elsewhere. */
export const DEFAULT_LINK_HOSTS = ['gov.vn'];

export interface BroadcastButton {
  labelVi: string;
  labelEn?: string;
  /** faq: the button shows a FAQ answer (target = FAQ id); link: the URL is printed in the text. */
  kind: 'faq' | 'link';
  target: string;
}

export interface Audience {
  /** Citizens who opted in to notifications ("nhận thông báo"). */
  citizens: boolean;
  /** Officers' chats. */
  officers: boolean;
  /** An area (statistics code) inside the creator's scope: this unit and everything below. */
  areaCode?: string;
  /** Program code (e.g. NQ68-2021): citizens with a file in it. */
  program?: string;
  /** Group code within `program`. */
  group?: string;
  /** Stage code (or paid / rejected) the file is at. */
  stage?: string;
}

export interface BroadcastInput {
  titleVi?: string | null;
  textVi: string;
  textEn?: string | null;
  buttons?: BroadcastButton[];
  audience: Audience;
  /** Zalo chats outside the 7-day window get the ZNS template by phone (billed per message). */
  allowZns?: boolean;
}

export interface ValidationIssue {
  /** The input field, e.g. "textVi", "buttons[1].target", "audience". */
  field: string;
  message: string;
}

export interface ValidateOptions {
  /** FAQ ids a `faq` button may name; unset = not checked. */
  faqIds?: readonly string[];
  /** Hosts (and their subdomains) a link may point to. @defaultValue ["gov.vn"] */
  linkHosts?: readonly string[];
}

// Invisible and control characters (but not line breaks or tabs) never belong in a broadcast.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\u00AD]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** NFC, invisible characters removed, line ends unified, outer blank space trimmed. */
export function cleanBroadcastText(s: string): string {
  return s.normalize('NFC').replace(INVISIBLE, '').replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

const optText = z.preprocess((v) => (typeof v === 'string' ? cleanBroadcastText(v) || undefined : v ?? undefined), z.string().optional());

const tooLong = (label: string) => (i: { input?: unknown }) =>
  `${label} dài ${formatCount(String(i.input).length)} ký tự, quá giới hạn ${formatCount(MAX_BROADCAST_TEXT)} ký tự của một tin nhắn (giới hạn của Zalo; Telegram cho 4.096). Hãy rút gọn, hoặc chia thành nhiều thông báo.`;

const button = z.object({
  labelVi: z.preprocess((v) => (typeof v === 'string' ? cleanBroadcastText(v) : v), z.string({ error: 'Nhãn nút (tiếng Việt) là bắt buộc.' })
    .min(1, 'Nhãn nút (tiếng Việt) đang trống.')
    .max(MAX_BUTTON_LABEL, `Nhãn nút dài quá ${MAX_BUTTON_LABEL} ký tự (nút trên điện thoại sẽ bị cắt).`)),
  labelEn: optText.pipe(z.string().max(MAX_BUTTON_LABEL, `Nhãn nút tiếng Anh dài quá ${MAX_BUTTON_LABEL} ký tự.`).optional()),
  kind: z.enum(['faq', 'link'], { error: 'Loại nút phải là "faq" (mở câu trả lời) hoặc "link" (đường dẫn).' }),
  target: z.string({ error: 'Nút cần đích: mã câu hỏi thường gặp hoặc đường dẫn https.' }).trim().min(1, 'Nút cần đích: mã câu hỏi thường gặp hoặc đường dẫn https.').max(300, 'Đích của nút dài quá 300 ký tự.'),
});

const code = (label: string) => optText.pipe(z.string().max(64, `${label} dài quá 64 ký tự.`).regex(/^[A-Za-z0-9_.-]+$/, `${label} chỉ gồm chữ, số, dấu chấm, gạch.`).optional());

const audience = z.object({
  citizens: z.boolean({ error: 'Người dân: chọn có hoặc không.' }).default(false),
  officers: z.boolean({ error: 'Cán bộ: chọn có hoặc không.' }).default(false),
  areaCode: optText.pipe(z.string().regex(/^\d{1,10}$/, 'Mã địa bàn là mã số của đơn vị hành chính (ví dụ 94, 941, 31498).').optional()),
  program: code('Mã chương trình'),
  group: code('Mã nhóm'),
  stage: code('Mã bước'),
}, { error: 'Cần chọn người nhận.' });

const schema = z.object({
  titleVi: optText.pipe(z.string().max(MAX_TITLE, `Tiêu đề dài quá ${MAX_TITLE} ký tự.`).optional()),
  textVi: z.preprocess((v) => (typeof v === 'string' ? cleanBroadcastText(v) : v), z.string({ error: 'Nội dung tiếng Việt là bắt buộc (một đoạn văn bản).' })
    .min(1, 'Nội dung tiếng Việt đang trống. Hãy nhập nội dung thông báo.')
    .max(MAX_BROADCAST_TEXT, { error: tooLong('Nội dung tiếng Việt') })),
  textEn: optText.pipe(z.string().max(MAX_BROADCAST_TEXT, { error: tooLong('Nội dung tiếng Anh') }).optional()),
  buttons: z.array(button, { error: 'Danh sách nút không hợp lệ.' }).max(MAX_BUTTONS, `Tối đa ${MAX_BUTTONS} nút cho một thông báo (Zalo và Telegram hiển thị gọn được chừng ấy).`).default([]),
  audience,
  allowZns: z.boolean({ error: 'Gửi ZNS: chọn có hoặc không.' }).default(false),
});

export type ValidBroadcast = z.output<typeof schema>;

export type Validation = { ok: true; value: ValidBroadcast } | { ok: false; issues: ValidationIssue[] };

/** Checks a broadcast as composed; never throws. */
export function validateBroadcast(input: unknown, opts: ValidateOptions = {}): Validation {
  const r = schema.safeParse(input);
  if (!r.success) {
    return { ok: false, issues: r.error.issues.map((i) => ({ field: fieldOf(i.path), message: i.code === 'invalid_type' && i.path.length === 0 ? 'Thông báo không hợp lệ.' : i.message })) };
  }
  const v = r.data;
  const issues: ValidationIssue[] = [];
  if (!v.audience.citizens && !v.audience.officers) issues.push({ field: 'audience', message: 'Chọn ít nhất một nhóm người nhận: người dân đã đăng ký nhận thông báo, cán bộ, hoặc cả hai.' });
  if (v.audience.group && !v.audience.program) issues.push({ field: 'audience.group', message: 'Chọn chương trình trước khi chọn nhóm (mã nhóm chỉ có nghĩa trong một chương trình).' });
  const hosts = opts.linkHosts ?? DEFAULT_LINK_HOSTS;
  v.buttons.forEach((b, i) => {
    const field = `buttons[${i}].target`;
    if (b.kind === 'faq') {
      if (opts.faqIds && !opts.faqIds.includes(b.target)) issues.push({ field, message: `Nút "${b.labelVi}": không có câu hỏi thường gặp mã "${b.target}".` });
      else if (Buffer.byteLength(`fq:${b.target}`) > 64) issues.push({ field, message: `Nút "${b.labelVi}": mã câu hỏi quá dài.` });
      return;
    }
    const url = safeUrl(b.target);
    if (!url || url.protocol !== 'https:') issues.push({ field, message: `Nút "${b.labelVi}": đường dẫn phải bắt đầu bằng https:// (ví dụ https://dichvucong.gov.vn/...).` });
    else if (!hosts.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`))) {
      issues.push({ field, message: `Nút "${b.labelVi}": chỉ được dẫn tới trang của cơ quan nhà nước (${hosts.map((h) => `.${h}`).join(', ')}). Thông báo luôn dặn người dân rằng ansinh không gửi đường link tới trang khác.` });
    } else if (url.username || url.password) issues.push({ field, message: `Nút "${b.labelVi}": đường dẫn không được chứa tên đăng nhập hay mật khẩu.` });
  });
  return issues.length ? { ok: false, issues } : { ok: true, value: { ...v, buttons: v.buttons.map((b) => (b.kind === 'link' ? { ...b, target: new URL(b.target).toString() } : b)) } };
}

function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(root)';
}
