/**
 * Inbound dedupe: a platform that redelivers (Telegram re-sends an update it thinks failed, Zalo
 * retries for hours) must never produce a second reply. The first delivery of an id claims a
 * Redis key for a day (Telegram keeps updates 24 h); later deliveries find it taken.
 */
import type { Redis } from 'ioredis';

export class InboundDedupe {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 86_400,
  ) {}

  /**
   * True the first time this (channel, id) is seen. Also true when Redis cannot tell (it is
   * down): the message is then handled (the citizen gets an answer, "busy" at worst) rather than
   * the webhook failing with a 5xx or the poller's loop dying; a redelivery during the outage
   * may be answered twice.
   */
  async first(channel: string, id: string | number): Promise<boolean> {
    try {
      return (await this.redis.set(`${this.prefix}in:${channel}:${id}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  /** Gives an id back when its processing failed before anything was sent, so a redelivery is handled. */
  async release(channel: string, id: string | number): Promise<void> {
    await this.redis.del(`${this.prefix}in:${channel}:${id}`);
  }
}
