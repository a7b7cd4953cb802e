/** Intent rules over understood text (folded, abbreviations expanded, padded with spaces). */
export type Intent =
  | 'forget' | 'notify_off' | 'notify_on' | 'lang_en' | 'lang_vi' | 'human' | 'mine' | 'help'
  | 'lookup' | 'elig' | 'elig_generic' | 'greeting' | 'thanks' | 'faq_menu';

// Checked in order; the first match wins.
const RULES: [Intent, RegExp][] = [
  ['forget', / (quen toi|xoa du lieu|xoa thong tin cua toi|xoa lien ket|forget me|delete my data) /],
  ['notify_off', / (tat thong bao|huy thong bao|khong nhan thong bao|ngung thong bao|stop notifications?|unsubscribe) /],
  ['notify_on', / (nhan thong bao|bat thong bao|dang ky (nhan )?thong bao|bao cho toi|notify me|subscribe) /],
  ['lang_en', / (english|tieng anh) /],
  ['lang_vi', / (tieng viet|vietnamese) /],
  ['human', / (gap can bo|gap nguoi|noi chuyen voi (can bo|nguoi)|tong dai vien|nhan vien|nguoi that|talk to (an )?officer|human|operator) /],
  ['mine', / (xem lai|ho so da luu|da luu|my records|saved files?) /],
  ['lookup', / (tra cuu|tra soat|kiem tra (tien|ho so|trang thai|tinh trang)|(bao gio|khi nao) (duoc )?(nhan|co|lanh)( duoc)? tien|trang thai ho so|tinh trang ho so|ho so cua toi|look ?up|status) /],
  ['elig', / (kiem tra dieu kien|du dieu kien|dieu kien (nhan|huong|duoc)|toi thuoc (nhom|dien) nao|check eligibility|eligib\w*) /],
  ['faq_menu', / (cau hoi thuong gap|hoi dap|faq|questions?) /],
  ['help', / (huong dan|tro giup|giup toi|help|cach dung|lam duoc gi) /],
];

const GENERIC_ELIG = / (co duoc ho tro khong|toi co duoc (nhan|ho tro)|duoc ho tro khong|am i eligible) /;
const GREETING = / (xin chao|chao|hello|hi|alo|bat dau|start|menu) /;
const THANKS = / (cam on|thank you|thanks) /;

export function detectIntent(understood: string): Intent | null {
  for (const [intent, re] of RULES) if (re.test(understood)) return intent;
  return null;
}

/** Lower-priority intents, tried after the FAQ. */
export function detectWeakIntent(understood: string): Intent | null {
  if (GENERIC_ELIG.test(understood)) return 'elig_generic';
  if (THANKS.test(understood)) return 'thanks';
  if (GREETING.test(understood)) return 'greeting';
  return null;
}
