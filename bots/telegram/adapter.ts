/**
 * Telegram through grammY: updates (from the webhook or long polling) become InboundMessages;
 * Replies become sendMessage calls with inline keyboards whose callback data is the engine's
 * short opaque action (never personal data), split at 4096 characters. Failures map onto the
 * closed SendError set: 429 → throttled (retry_after), 403 blocked → contact_stopped,
 * 401/404 → config, other 4xx → rejected, 5xx and network → connection.
 */
import { Api, GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardButton } from 'grammy/types';
import { z } from 'zod';
import type { Reply } from '../../src/conversation/types.js';
import { SendError, splitText, type ChannelAdapter, type Parsed } from '../channel.js';

const MAX_TEXT = 4096;
const MAX_CALLBACK_BYTES = 64;

// Only the fields read; everything else in an update is ignored.
const chat = z.object({ id: z.number(), type: z.string() });
const update = z.object({
  update_id: z.number().int(),
  message: z
    .object({ message_id: z.number(), chat, text: z.string().optional(), from: z.object({ language_code: z.string().optional() }).optional() })
    .optional(),
  callback_query: z
    .object({ id: z.string(), data: z.string().optional(), from: z.object({ id: z.number(), language_code: z.string().optional() }), message: z.object({ chat }).optional() })
    .optional(),
});

export type TelegramUpdate = z.input<typeof update>;

export interface TelegramParsed {
  updateId: number | null;
  /** Set for a button press: it must be answered (answerCallbackQuery). */
  callbackQueryId?: string;
  parsed: Parsed;
}

export interface TelegramOptions {
  token: string;
  /** Bot API root; a fake one in tests and the demo's simulated mode. @defaultValue https://api.telegram.org */
  apiRoot?: string;
  /** Messages per second for the whole bot (paid broadcasts allow up to 1000). @defaultValue 30 */
  ratePerSecond?: number;
}

export class TelegramAdapter implements ChannelAdapter<unknown> {
  readonly name = 'telegram';
  readonly capabilities;
  readonly api: Api;

  constructor(opts: TelegramOptions) {
    // About 30 messages/s for bulk sends (platforms.md).
    this.capabilities = { buttons: true, maxTextLength: MAX_TEXT, ratePerSecond: opts.ratePerSecond ?? 30 };
    this.api = new Api(opts.token, { apiRoot: opts.apiRoot ?? 'https://api.telegram.org', timeoutSeconds: 10 });
  }

  parse(raw: unknown): Parsed {
    return this.parseUpdate(raw).parsed;
  }

  /** Like parse, plus the update id (for dedupe) and the callback query to answer. */
  parseUpdate(raw: unknown): TelegramParsed {
    const r = update.safeParse(raw);
    if (!r.success) return { updateId: null, parsed: { ignored: 'not a Telegram update we read' } };
    const u = r.data;
    if (u.callback_query) {
      const cq = u.callback_query;
      if (!cq.message || cq.message.chat.type !== 'private' || !cq.data) return { updateId: u.update_id, callbackQueryId: cq.id, parsed: { ignored: 'button outside a private chat' } };
      return { updateId: u.update_id, callbackQueryId: cq.id, parsed: { channel: 'telegram', chatId: String(cq.message.chat.id), action: cq.data, locale: cq.from.language_code } };
    }
    const m = u.message;
    if (!m) return { updateId: u.update_id, parsed: { ignored: 'update without a new message (edited, channel post, ...)' } };
    if (m.chat.type !== 'private') return { updateId: u.update_id, parsed: { ignored: 'group chats are not served' } };
    const text = m.text ?? '';
    // A deep link t.me/<bot>?start=<code> arrives as "/start <code>".
    const start = /^\/start(?:@\w+)?(?:\s+([A-Za-z0-9_-]{1,64}))?\s*$/.exec(text);
    if (start) {
      return { updateId: u.update_id, parsed: { channel: 'telegram', chatId: String(m.chat.id), action: start[1] ? `start:${start[1]}` : 'menu', locale: m.from?.language_code } };
    }
    // Stickers, photos and voice have no text: the engine answers them with the menu.
    return { updateId: u.update_id, parsed: { channel: 'telegram', chatId: String(m.chat.id), text, locale: m.from?.language_code } };
  }

  async send(chatId: string, reply: Reply): Promise<void> {
    const parts = splitText(reply.text, MAX_TEXT);
    const keyboard = toKeyboard(reply.buttons ?? []);
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      await this.call(() => this.api.sendMessage(chatId, part, last && keyboard.length ? { reply_markup: { inline_keyboard: keyboard } } : {}));
    }
  }

  async answerButton(callbackQueryId: string): Promise<void> {
    await this.call(() => this.api.answerCallbackQuery(callbackQueryId));
  }

  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw toSendError(e);
    }
  }
}

/** Two buttons a row; a button whose action would not fit Telegram's 64 bytes is dropped. */
function toKeyboard(buttons: NonNullable<Reply['buttons']>): InlineKeyboardButton[][] {
  const ok = buttons.filter((b) => Buffer.byteLength(b.action) <= MAX_CALLBACK_BYTES);
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < ok.length; i += 2) rows.push(ok.slice(i, i + 2).map((b) => ({ text: b.label, callback_data: b.action })));
  return rows;
}

export function toSendError(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof GrammyError) {
    const code = e.error_code;
    if (code === 429) return new SendError('throttled', 'Telegram: too many requests', (e.parameters.retry_after ?? 1) * 1000);
    if (code === 403) return new SendError('contact_stopped', `Telegram: ${e.description}`);
    if (code === 401 || code === 404) return new SendError('config', 'Telegram: the bot token or API root is wrong');
    if (code >= 500) return new SendError('connection', `Telegram: server error ${code}`);
    return new SendError('rejected', `Telegram: ${e.description}`);
  }
  if (e instanceof HttpError) return new SendError('connection', 'Telegram: network error');
  return new SendError('connection', `Telegram: ${(e as Error)?.message ?? 'unknown error'}`);
}
