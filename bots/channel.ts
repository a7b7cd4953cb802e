/**
 * The contract every channel implements (web, Telegram, Zalo). A channel turns its
 * platform's payloads into InboundMessages and renders Replies back; it never touches the
 * database. Send failures are one closed set of kinds, mapped to retries in one place.
 */
import type { InboundMessage, Reply } from '../src/conversation/types.js';

export interface ChannelCapabilities {
  /** Buttons under a message. */
  buttons: boolean;
  /** Longest text one message may carry; longer replies are split. */
  maxTextLength: number;
  /** Hours after the user's last message during which free messages are allowed (Zalo: 48). */
  freeWindowHours?: number;
  /** Messages per second the platform accepts from the whole bot; the outbound queue keeps under it. */
  ratePerSecond?: number;
  /** Can reach a person by phone with a pre-approved template outside that window (Zalo ZNS). */
  phoneTemplates?: boolean;
}

export type SendErrorKind = 'config' | 'connection' | 'throttled' | 'rejected' | 'contact_stopped';

/** A failed send. `connection` and `throttled` are worth retrying; the others are not. */
export class SendError extends Error {
  constructor(
    readonly kind: SendErrorKind,
    message: string,
    readonly retryAfterMs?: number,
    /** Why a `rejected` send failed when the sender can do something else about it. */
    readonly reason?: 'outside_window',
  ) {
    super(message);
    this.name = 'SendError';
  }

  get retryable(): boolean {
    return this.kind === 'connection' || this.kind === 'throttled';
  }
}

export type Parsed = InboundMessage | { ignored: string };

export interface ChannelAdapter<Raw = unknown> {
  readonly name: string;
  readonly capabilities: ChannelCapabilities;
  /** A platform payload → a message for the engine, or why it is ignored. */
  parse(raw: Raw): Parsed;
  /** Delivers one reply to one chat; throws SendError. */
  send(chatId: string, reply: Reply): Promise<void>;
  /** With `phoneTemplates`: a template message to a phone number; throws SendError. */
  sendTemplate?(phone: string, data: Record<string, string>, trackingId: string): Promise<void>;
}

/** Splits text at paragraph, line or word boundaries so no piece exceeds `max`. */
export function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut <= 0) cut = max;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out;
}
