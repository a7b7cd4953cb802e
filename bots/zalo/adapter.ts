/**
 * Zalo Official Account: webhook events become InboundMessages; Replies become customer-service
 * messages whose buttons are `oa.query.hide`: a press comes back as hidden text carrying the
 * engine's short action behind a prefix (typing the same text does no harm: actions grant
 * nothing a typed word does not). Outside the interaction window a notification can go as a
 * ZNS template to the person's phone instead.
 */
import { z } from 'zod';
import type { Reply } from '../../src/conversation/types.js';
import { splitText, type ChannelAdapter, type Parsed, SendError } from '../channel.js';
import { ZaloClient, type ZaloClientOptions } from './client.js';

const MAX_TEXT = 2000;
const MAX_BUTTONS = 5;
const MAX_TITLE = 100;
/** Marks a button press coming back as text. */
export const ACTION_PREFIX = '#a:';

// Ids are strings: a 19-digit number loses precision as a JS number.
const id = z.union([z.string(), z.number().transform(String)]).pipe(z.string().regex(/^\d{1,25}$/));
const event = z.object({
  event_name: z.string(),
  app_id: z.union([z.string(), z.number()]).optional(),
  timestamp: z.union([z.string(), z.number()]).optional(),
  sender: z.object({ id }).optional(),
  follower: z.object({ id }).optional(),
  message: z.object({ msg_id: z.string().optional(), text: z.string().optional() }).passthrough().optional(),
});

export interface ZaloParsed {
  /** Key for inbound dedupe (msg_id, or event + user + time). */
  eventId: string | null;
  parsed: Parsed;
  /** Set when the user unfollowed the OA: the chat must be marked stopped. */
  stoppedChatId?: string;
}

/** Events that carry something from a user besides text: answered with the menu. */
const MEDIA = new Set(['user_send_image', 'user_send_sticker', 'user_send_gif', 'user_send_audio', 'user_send_video', 'user_send_file', 'user_send_location', 'user_send_link', 'user_send_business_card']);

export interface ZaloAdapterOptions extends ZaloClientOptions {
  /** OA Secret Key: signs webhooks (a different key from the App Secret). */
  oaSecret: string;
  /** Approved ZNS template for status notices; unset = no ZNS. */
  znsTemplateId?: string;
  /** Messages per second the OA may send. @defaultValue 20 */
  ratePerSecond?: number;
}

export class ZaloAdapter implements ChannelAdapter<unknown> {
  readonly name = 'zalo';
  readonly capabilities;
  readonly client: ZaloClient;

  constructor(readonly opts: ZaloAdapterOptions) {
    this.client = new ZaloClient(opts);
    // -230 comes after 7 days without a message from the user (platforms.md).
    // Zalo publishes no rate; 20/s is a second-hand claim (platforms.md), so it is the ceiling.
    this.capabilities = { buttons: true, maxTextLength: MAX_TEXT, freeWindowHours: 7 * 24, phoneTemplates: Boolean(opts.znsTemplateId), ratePerSecond: opts.ratePerSecond ?? 20 };
  }

  parse(raw: unknown): Parsed {
    return this.parseEvent(raw).parsed;
  }

  parseEvent(raw: unknown): ZaloParsed {
    const r = event.safeParse(raw);
    if (!r.success) return { eventId: null, parsed: { ignored: 'not a Zalo event we read' } };
    const e = r.data;
    const user = e.sender?.id ?? e.follower?.id;
    const eventId = e.message?.msg_id ?? (user ? `${e.event_name}:${user}:${e.timestamp ?? ''}` : null);
    if (!user) return { eventId, parsed: { ignored: `${e.event_name} without a user` } };
    if (e.event_name === 'follow') return { eventId, parsed: { channel: 'zalo', chatId: user, action: 'menu' } };
    if (e.event_name === 'unfollow') return { eventId, parsed: { ignored: 'user unfollowed the OA' }, stoppedChatId: user };
    if (e.event_name === 'user_send_text') {
      const text = e.message?.text ?? '';
      if (text.startsWith(ACTION_PREFIX)) return { eventId, parsed: { channel: 'zalo', chatId: user, action: text.slice(ACTION_PREFIX.length, ACTION_PREFIX.length + 64) } };
      return { eventId, parsed: { channel: 'zalo', chatId: user, text } };
    }
    if (MEDIA.has(e.event_name)) return { eventId, parsed: { channel: 'zalo', chatId: user, text: '' } };
    // Delivery and seen receipts, OA-side events, group events, form submissions...
    return { eventId, parsed: { ignored: `event ${e.event_name} is not handled` } };
  }

  async send(chatId: string, reply: Reply): Promise<void> {
    const parts = splitText(reply.text, MAX_TEXT);
    // Zalo shows a few buttons per message; the engine puts the most useful first.
    const buttons = (reply.buttons ?? []).slice(0, MAX_BUTTONS).map((b) => ({ title: b.label.slice(0, MAX_TITLE), payload: ACTION_PREFIX + b.action }));
    for (const [i, part] of parts.entries()) await this.client.sendText(chatId, part, i === parts.length - 1 ? buttons : []);
  }

  /** A ZNS notice by phone (only with an approved template). */
  async sendTemplate(phone: string, data: Record<string, string>, trackingId: string): Promise<void> {
    if (!this.opts.znsTemplateId) throw new SendError('config', 'Zalo: no ZNS template configured (ZALO_ZNS_TEMPLATE_ID)');
    await this.client.sendTemplate(phone, this.opts.znsTemplateId, data, trackingId);
  }
}
