/**
 * A broadcast as one chat message, in the chat's language (English when the broadcast has an
 * English text, else Vietnamese throughout), with the verification code and the standard
 * anti-scam sentence. Every channel sends plain text (no parse_mode on Telegram, text on Zalo,
 * textContent on the web page), so HTML or markdown typed by the author arrives literally.
 */
import type { Reply, Button } from '../conversation/types.js';
import { broadcastMessages } from '../i18n/broadcast-messages.js';
import type { BroadcastButton } from './broadcast.validation.js';

/** What rendering needs from the Broadcast row (joined at delivery time, never copied per message). */
export interface BroadcastContent {
  titleVi: string | null;
  textVi: string;
  textEn: string | null;
  buttons: BroadcastButton[];
  verifyCode: string;
}

/** The action of a button that shows one FAQ answer. */
export const FAQ_ACTION = 'fq';

export function renderBroadcast(b: BroadcastContent, locale: string): Reply {
  const en = locale === 'en' && Boolean(b.textEn);
  const m = broadcastMessages(en ? 'en' : 'vi');
  const lines = [m.heading(!en && b.titleVi ? b.titleVi : m.defaultTitle), '', en ? b.textEn! : b.textVi];
  const links = b.buttons.filter((x) => x.kind === 'link');
  if (links.length) lines.push('', ...links.map((x) => m.link(label(x, en), x.target)));
  if (b.verifyCode) lines.push('', m.codeLine(b.verifyCode));
  lines.push(m.neverAsks);
  const buttons: Button[] = b.buttons.filter((x) => x.kind === 'faq').map((x) => ({ label: label(x, en), action: `${FAQ_ACTION}:${x.target}` }));
  return buttons.length ? { text: lines.join('\n'), buttons } : { text: lines.join('\n') };
}

const label = (x: BroadcastButton, en: boolean) => (en && x.labelEn ? x.labelEn : x.labelVi);
