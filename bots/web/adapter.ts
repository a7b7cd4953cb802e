/**
 * The web chat channel: messages arrive as JSON from /api/chat, replies go back in the HTTP
 * response, and proactive messages are pushed over server-sent events to the open page. The
 * chat id is a random secret kept in an httpOnly cookie, so it is never in a URL.
 */
import { z } from 'zod';
import type { Reply } from '../../src/conversation/types.js';
import { SendError, type ChannelAdapter, type Parsed } from '../channel.js';

const inbound = z.object({
  chatId: z.string().min(16).max(64),
  text: z.string().max(20_000).optional(),
  action: z.string().max(64).optional(),
});

export type WebInbound = z.input<typeof inbound>;

type Listener = (reply: Reply) => void;

export class WebAdapter implements ChannelAdapter<WebInbound> {
  readonly name = 'web';
  readonly capabilities = { buttons: true, maxTextLength: 4_000 };
  private readonly listeners = new Map<string, Set<Listener>>();

  parse(raw: WebInbound): Parsed {
    const r = inbound.safeParse(raw);
    if (!r.success) return { ignored: 'malformed web message' };
    if (r.data.text === undefined && r.data.action === undefined) return { ignored: 'empty web message' };
    return { channel: 'web', chatId: r.data.chatId, text: r.data.text, action: r.data.action };
  }

  async send(chatId: string, reply: Reply): Promise<void> {
    const ls = this.listeners.get(chatId);
    if (!ls || ls.size === 0) throw new SendError('connection', 'web chat is not connected');
    for (const l of ls) l(reply);
  }

  /** Registers an open page; returns the function that unregisters it. */
  subscribe(chatId: string, listener: Listener): () => void {
    let set = this.listeners.get(chatId);
    if (!set) this.listeners.set(chatId, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(chatId);
    };
  }

  connectedChats(): string[] {
    return [...this.listeners.keys()];
  }
}
