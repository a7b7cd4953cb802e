/** Channel-neutral messages: what every channel turns its payloads into, and back. */

export type Locale = 'vi' | 'en';

/** One message from a user, as every channel adapter produces it. */
export interface InboundMessage {
  channel: string;
  /** The platform's chat id (a string even when numeric). */
  chatId: string;
  /** What the user typed; absent for a button press. */
  text?: string;
  /** The opaque action of a pressed button. */
  action?: string;
  /** The platform's idea of the user's language, if any. */
  locale?: string;
}

export interface Button {
  label: string;
  /** Short, opaque, and never personal data (it travels in callback data). */
  action: string;
}

/** One message to send: text plus optional buttons. */
export interface Reply {
  text: string;
  buttons?: Button[];
}
