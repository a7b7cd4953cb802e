/**
 * Everything the bot says to citizens, in Vietnamese (first) and English. Short sentences,
 * polite forms (anh/chị), amounts as 1.500.000 đ, dates as dd/mm/yyyy.
 */
import type { Button, Locale } from '../conversation/types.js';

export interface Messages {
  greeting: string;
  menuButtons: Button[];
  help: string;
  askId: string;
  askDob(last: string): string;
  askFullDate: string;
  idBadLength(n: number): string;
  idLetters: string;
  idImpossible(reasons: string[]): string;
  reasonProvince: string;
  reasonFuture: string;
  yearMismatch(year: number): string;
  dateInvalid: string;
  dateFuture: string;
  mismatch: string;
  lockedChat(until: string): string;
  lockedId(until: string): string;
  foundHeader(name: string, last: string): string;
  contact(commune: string): string;
  notifyHint: string;
  boundLimit: string;
  bindingNotice(name: string, at: string): string;
  mineEmpty: string;
  mineHeader(n: number): string;
  notifyOn: string;
  notifyOff: string;
  notifyNeedsLookup: string;
  handoff: string;
  officerReply(text: string): string;
  forgot(n: number): string;
  fallback: string;
  empty: string;
  truncated: string;
  busy: string;
  languageSet: string;
  thanks: string;
  eligChooseProgram: string;
  eligYes: string;
  eligNo: string;
  eligAskNumber(unit?: string): string;
  eligBadNumber: string;
  eligResultYes(n: number): string;
  eligResultNo: string;
  eligDocuments: string;
  eligSubmit: string;
  eligDeadline(date: string, past: boolean): string;
  eligNote: string;
  eligUnverified: string;
  faqFooter: string;
  buttons: {
    notifyOn: string; notifyOff: string; mine: string; menu: string; lookup: string; human: string; elig: string; again: string;
  };
  amount: {
    person: string; household: string; household_member: string; day: string; month: string;
    once: string; upTo(n: number, unit: 'month' | 'day'): string; provinceDecides: string; plus(value: string, what: string): string;
  };
  status: {
    stage(name: string, since: string): string;
    due(date: string): string;
    overdue(days: number): string;
    approved(decision: string | null): string;
    paid(date: string, place: string | null, method: string | null): string;
    rejected(reason: string | null): string;
    rejectedNext: string;
    amount(value: string): string;
  };
}

const vi: Messages = {
  greeting: 'Xin chào! Tôi là trợ lý an sinh xã hội của tỉnh. Anh/chị cần hỗ trợ gì ạ?\nLưu ý: ansinh không bao giờ hỏi mã OTP, mật khẩu, không yêu cầu chuyển tiền, không gửi đường link tới trang khác.',
  menuButtons: [
    { label: 'Tra cứu hồ sơ', action: 'lookup' },
    { label: 'Hồ sơ đã lưu', action: 'mine' },
    { label: 'Kiểm tra điều kiện', action: 'elig' },
    { label: 'Câu hỏi thường gặp', action: 'faq' },
    { label: 'Gặp cán bộ', action: 'human' },
    { label: 'English', action: 'lang:en' },
  ],
  help:
    'Tôi có thể:\n• Tra cứu hồ sơ hỗ trợ: gõ "tra cứu" hoặc gửi số CCCD và ngày sinh.\n• Kiểm tra anh/chị có thể thuộc nhóm hỗ trợ nào: gõ "kiểm tra điều kiện".\n• Trả lời câu hỏi về mức hỗ trợ, giấy tờ, nơi nộp, thời hạn.\n• Chuyển câu hỏi cho cán bộ xã: gõ "gặp cán bộ".\n• Kiểm tra một tin nhắn thật hay giả: gửi mã xác thực AS-… in trên tin, hoặc chuyển tiếp tin nhắn đáng ngờ cho tôi.\nGõ "xem lại" để xem hồ sơ đã lưu, "nhận thông báo" hoặc "tắt thông báo", "quên tôi" để xóa liên kết.\nansinh không bao giờ hỏi mã OTP, mật khẩu, không yêu cầu chuyển tiền, không gửi đường link tới trang khác.',
  askId: 'Anh/chị vui lòng nhập số CCCD (12 số) hoặc CMND (9 số) của người cần tra cứu.',
  askDob: (last) => `Đã nhận số CCCD ***${last}. Anh/chị nhập ngày sinh, ví dụ 05/03/1960.`,
  askFullDate: 'Anh/chị nhập đầy đủ ngày, tháng, năm sinh, ví dụ 05/03/1960. Nếu giấy tờ chỉ ghi năm sinh, anh/chị gõ lại năm sinh.',
  idBadLength: (n) => `Số vừa nhập có ${n} chữ số. Số CCCD có 12 chữ số, CMND cũ có 9 chữ số. Anh/chị kiểm tra lại giúp.`,
  idLetters: 'Số CCCD chỉ gồm chữ số (12 số). Anh/chị kiểm tra lại, chú ý chữ O và số 0.',
  idImpossible: (reasons) => `Số này không thể là số CCCD: ${reasons.join('; ')}. Anh/chị kiểm tra lại giúp.`,
  reasonProvince: '3 số đầu là mã tỉnh nơi đăng ký khai sinh, mà mã này không tồn tại',
  reasonFuture: 'chữ số thứ 4 đến 6 cho năm sinh ở tương lai',
  yearMismatch: (year) => `Năm sinh chưa khớp với số CCCD: theo số CCCD, người này sinh năm ${year}. Anh/chị kiểm tra lại số CCCD hoặc ngày sinh.`,
  dateInvalid: 'Ngày sinh chưa đúng (ví dụ không có ngày 31/02). Anh/chị nhập theo dạng ngày/tháng/năm, ví dụ 05/03/1960.',
  dateFuture: 'Ngày sinh không thể ở tương lai. Anh/chị nhập lại, ví dụ 05/03/1960.',
  mismatch:
    'Thông tin chưa khớp với danh sách hỗ trợ. Anh/chị kiểm tra lại số CCCD và ngày sinh. Nếu vẫn chưa được, anh/chị liên hệ UBND xã nơi cư trú.',
  lockedChat: (until) =>
    `Anh/chị đã nhập sai nhiều lần nên việc tra cứu tạm khóa đến ${until}. Anh/chị có thể đến bộ phận một cửa UBND xã nơi cư trú, mang theo CCCD, để được hỗ trợ trực tiếp.`,
  lockedId: (until) =>
    `Số CCCD này đang tạm khóa tra cứu đến ${until} vì có nhiều lần nhập sai. Anh/chị vui lòng đến bộ phận một cửa UBND xã nơi cư trú, mang theo CCCD.`,
  foundHeader: (name, last) => `Hồ sơ của ${name} (CCCD ***${last}):`,
  contact: (commune) => `Liên hệ: bộ phận một cửa UBND ${commune}.`,
  notifyHint: 'Gõ "nhận thông báo" để được báo khi hồ sơ thay đổi.',
  boundLimit: 'Cuộc trò chuyện này đã lưu 5 người nên không lưu thêm. Gõ "quên tôi" để xóa danh sách đã lưu.',
  bindingNotice: (name, at) =>
    `Thông báo: hồ sơ của ${name} vừa được tra cứu và liên kết với một cuộc trò chuyện khác lúc ${at}. Nếu không phải anh/chị hoặc người nhà, anh/chị hãy báo UBND xã.`,
  mineEmpty: 'Chưa có hồ sơ nào được lưu trong cuộc trò chuyện này. Chọn "Tra cứu hồ sơ" để bắt đầu.',
  mineHeader: (n) => `Hồ sơ đã lưu (${n} người):`,
  notifyOn: 'Đã bật thông báo. Tôi sẽ báo khi hồ sơ đã lưu chuyển bước hoặc có lịch chi trả. Gõ "tắt thông báo" để ngừng.',
  notifyOff: 'Đã tắt thông báo.',
  notifyNeedsLookup: 'Anh/chị cần tra cứu thành công ít nhất một hồ sơ trước khi bật thông báo.',
  handoff:
    'Đã ghi nhận yêu cầu gặp cán bộ. Cán bộ xã sẽ trả lời trong giờ hành chính qua cuộc trò chuyện này. Anh/chị có thể gõ thêm câu hỏi.',
  officerReply: (text) => `Cán bộ trả lời: ${text}`,
  forgot: (n) => `Đã xóa liên kết với ${n} hồ sơ và tắt thông báo. Nhật ký tra cứu vẫn được lưu theo quy định.`,
  fallback: 'Xin lỗi, tôi chưa hiểu ý anh/chị. Anh/chị chọn một mục dưới đây, hoặc gặp cán bộ.',
  empty: 'Anh/chị cần hỗ trợ gì ạ? Chọn một mục dưới đây.',
  truncated: 'Tin nhắn dài quá, tôi chỉ đọc phần đầu.',
  busy: 'Hệ thống đang bận, anh/chị vui lòng thử lại sau ít phút.',
  languageSet: 'Đã chuyển sang tiếng Việt.',
  thanks: 'Dạ, không có gì ạ. Chúc anh/chị nhiều sức khỏe!',
  eligChooseProgram: 'Anh/chị muốn kiểm tra theo gói hỗ trợ nào?',
  eligYes: 'Có',
  eligNo: 'Không',
  eligAskNumber: (unit) => `Anh/chị nhập một con số${unit ? ` (${unit})` : ''}.`,
  eligBadNumber: 'Anh/chị nhập một con số, ví dụ 20.',
  eligResultYes: (n) => (n === 1 ? 'Theo câu trả lời, anh/chị có thể thuộc nhóm sau:' : `Theo câu trả lời, anh/chị có thể thuộc ${n} nhóm sau:`),
  eligResultNo: 'Theo câu trả lời, anh/chị chưa thuộc nhóm hỗ trợ nào, vì:',
  eligDocuments: 'Giấy tờ',
  eligSubmit: 'Nộp tại',
  eligDeadline: (date, past) => (past ? `Hạn nộp: ${date} (đã hết hạn)` : `Hạn nộp: ${date}`),
  eligNote: 'Đây là kết quả tham khảo; UBND xã hoặc cơ quan tiếp nhận sẽ xét hồ sơ chính thức.',
  eligUnverified: '(chưa kiểm chứng)',
  faqFooter: 'Anh/chị cần thêm gì, chọn mục dưới đây.',
  buttons: { notifyOn: 'Nhận thông báo', notifyOff: 'Tắt thông báo', mine: 'Hồ sơ đã lưu', menu: 'Menu', lookup: 'Tra cứu người khác', human: 'Gặp cán bộ', elig: 'Kiểm tra điều kiện', again: 'Làm lại' },
  amount: {
    person: 'người', household: 'hộ', household_member: 'khẩu', day: 'ngày', month: 'tháng',
    once: 'chi một lần',
    upTo: (n, unit) => `tối đa ${n} ${unit === 'day' ? 'ngày' : 'tháng'}`,
    provinceDecides: 'mức do UBND tỉnh quyết định',
    plus: (value, what) => `+ ${value} ${what}`,
  },
  status: {
    stage: (name, since) => `Đang ở bước: ${name} (từ ${since}).`,
    due: (date) => `Hạn xử lý theo quy định: ${date}.`,
    overdue: (days) => `Đã quá hạn ${days} ngày làm việc; anh/chị có thể liên hệ UBND xã để được giải thích.`,
    approved: (decision) => `Đã được phê duyệt${decision ? ` (Quyết định ${decision})` : ''}, đang chờ chi trả.`,
    paid: (date, place, method) => `Đã chi trả ngày ${date}${place ? ` tại ${place}` : ''}${method ? ` (${method.toLowerCase()})` : ''}.`,
    rejected: (reason) => `Không được duyệt.${reason ? ` Lý do: ${reason}` : ''}`,
    rejectedNext: 'Nếu thấy chưa đúng, anh/chị mang giấy tờ bổ sung tới UBND xã hoặc gửi khiếu nại bằng văn bản.',
    amount: (value) => `Số tiền: ${value}.`,
  },
};

const en: Messages = {
  greeting: "Hello! I am the province's social-support assistant. How can I help?\nNote: ansinh never asks for OTP codes or passwords, never asks you to transfer money, and never sends links to other sites.",
  menuButtons: [
    { label: 'Look up a file', action: 'lookup' },
    { label: 'My saved files', action: 'mine' },
    { label: 'Check eligibility', action: 'elig' },
    { label: 'Questions', action: 'faq' },
    { label: 'Talk to an officer', action: 'human' },
    { label: 'Tiếng Việt', action: 'lang:vi' },
  ],
  help:
    'I can:\n• Look up a support file: type "look up" or send the ID number and date of birth.\n• Check which support group you may qualify for: type "check eligibility".\n• Answer questions on amounts, documents, where to apply and deadlines.\n• Pass your question to the commune officer: type "talk to an officer".\n• Check whether a message is genuine: send its verification code AS-…, or forward a suspicious message to me.\nType "my records" to see saved files, "notify me" or "stop notifications", "forget me" to remove the links.\nansinh never asks for OTP codes or passwords, never asks you to transfer money, and never sends links to other sites.',
  askId: 'Please enter the ID number (12 digits, or 9 for an old card) of the person to look up.',
  askDob: (last) => `Got ID ***${last}. Please enter the date of birth, e.g. 05/03/1960.`,
  askFullDate: 'Please enter the full date of birth, e.g. 05/03/1960. If the papers show only the year, type the year again.',
  idBadLength: (n) => `That number has ${n} digits. A citizen ID has 12 digits, an old ID card 9. Please check it.`,
  idLetters: 'An ID number has digits only (12). Please check it, especially the letter O and the digit 0.',
  idImpossible: (reasons) => `This cannot be a citizen ID number: ${reasons.join('; ')}. Please check it.`,
  reasonProvince: 'the first 3 digits are the birth-registration province code, and this code does not exist',
  reasonFuture: 'digits 4 to 6 give a birth year in the future',
  yearMismatch: (year) => `The birth year does not match the ID number, which says ${year}. Please check the number or the date.`,
  dateInvalid: 'That date does not exist (for example 31/02). Please enter day/month/year, e.g. 05/03/1960.',
  dateFuture: 'A date of birth cannot be in the future. Please enter it again, e.g. 05/03/1960.',
  mismatch: 'The details do not match the support list. Please check the ID number and the date of birth. If it still fails, contact the People\'s Committee of your commune.',
  lockedChat: (until) => `Too many wrong attempts: look-ups are paused until ${until}. You can visit the one-stop desk of your commune People's Committee with your ID card.`,
  lockedId: (until) => `Look-ups for this ID number are paused until ${until} after many wrong attempts. Please visit the one-stop desk of your commune People's Committee with your ID card.`,
  foundHeader: (name, last) => `File of ${name} (ID ***${last}):`,
  contact: (commune) => `Contact: the one-stop desk of the People's Committee of ${commune}.`,
  notifyHint: 'Type "notify me" to be told when the file changes.',
  boundLimit: 'This chat already keeps 5 people, so this one was not saved. Type "forget me" to clear the list.',
  bindingNotice: (name, at) => `Notice: the file of ${name} was just looked up and linked to another chat at ${at}. If that was not you or your family, please tell the commune.`,
  mineEmpty: 'No files are saved in this chat yet. Choose "Look up a file" to start.',
  mineHeader: (n) => `Saved files (${n} people):`,
  notifyOn: 'Notifications are on. I will tell you when a saved file moves or payment is scheduled. Type "stop notifications" to stop.',
  notifyOff: 'Notifications are off.',
  notifyNeedsLookup: 'Please look up at least one file successfully before turning notifications on.',
  handoff: 'Your request to talk to an officer is recorded. The commune officer will answer in office hours in this chat. You may add your question.',
  officerReply: (text) => `An officer answers: ${text}`,
  forgot: (n) => `Removed the links to ${n} file(s) and turned notifications off. The look-up log is kept as the law requires.`,
  fallback: "Sorry, I did not understand. Please choose below, or talk to an officer.",
  empty: 'How can I help? Please choose below.',
  truncated: 'Your message was long; I read only the beginning.',
  busy: 'The system is busy. Please try again in a few minutes.',
  languageSet: 'Switched to English.',
  thanks: "You're welcome. Take care!",
  eligChooseProgram: 'Which support package do you want to check?',
  eligYes: 'Yes',
  eligNo: 'No',
  eligAskNumber: (unit) => `Please enter a number${unit ? ` (${unit})` : ''}.`,
  eligBadNumber: 'Please enter a number, e.g. 20.',
  eligResultYes: (n) => (n === 1 ? 'From your answers you may qualify for:' : `From your answers you may qualify for these ${n} groups:`),
  eligResultNo: 'From your answers you do not qualify for any group, because:',
  eligDocuments: 'Documents',
  eligSubmit: 'Apply at',
  eligDeadline: (date, past) => (past ? `Deadline: ${date} (passed)` : `Deadline: ${date}`),
  eligNote: 'This is guidance only; the commune or the receiving office decides on the file.',
  eligUnverified: '(unverified)',
  faqFooter: 'Anything else? Choose below.',
  buttons: { notifyOn: 'Notify me', notifyOff: 'Stop notifications', mine: 'My saved files', menu: 'Menu', lookup: 'Look up another', human: 'Talk to an officer', elig: 'Check eligibility', again: 'Start over' },
  amount: {
    person: 'person', household: 'household', household_member: 'household member', day: 'day', month: 'month',
    once: 'paid at once',
    upTo: (n, unit) => `up to ${n} ${unit === 'day' ? 'days' : 'months'}`,
    provinceDecides: 'amount set by the province',
    plus: (value, what) => `+ ${value} ${what}`,
  },
  status: {
    stage: (name, since) => `Current step: ${name} (since ${since}).`,
    due: (date) => `Legal deadline for this step: ${date}.`,
    overdue: (days) => `Overdue by ${days} working day(s); you may ask the commune for an explanation.`,
    approved: (decision) => `Approved${decision ? ` (Decision ${decision})` : ''}, waiting for payment.`,
    paid: (date, place, method) => `Paid on ${date}${place ? ` at ${place}` : ''}${method ? ` (${method})` : ''}.`,
    rejected: (reason) => `Not approved.${reason ? ` Reason: ${reason}` : ''}`,
    rejectedNext: 'If you think this is wrong, bring additional documents to the commune or send a written complaint.',
    amount: (value) => `Amount: ${value}.`,
  },
};

export const MESSAGES: Record<Locale, Messages> = { vi, en };

export function messages(locale: string | undefined): Messages {
  return locale === 'en' ? en : vi;
}
