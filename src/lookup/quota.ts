/**
 * Look-up quotas against ID guessing (SASSA's status endpoint answered 300,000 guesses with no
 * limit). Three rules, each with a lockout that says until when:
 *   - per chat: more than `chatFailures` failures within an hour locks the chat for an hour;
 *   - per ID number: more than `idFailures` failures within a day, from any chats, locks that
 *     number for a day (and the officer of the person's commune is alerted);
 *   - anomaly: one chat failing on more than `distinctIds` different numbers within a day is
 *     locked for a day.
 * Counters live in Redis with expiry; keys use the chat's database id and the keyed hash.
 */
import type { Redis } from 'ioredis';

export interface QuotaLimits {
  chatFailures: number;
  chatWindowSeconds: number;
  idFailures: number;
  idWindowSeconds: number;
  distinctIds: number;
  distinctWindowSeconds: number;
}

export const DEFAULT_LIMITS: QuotaLimits = {
  chatFailures: 5,
  chatWindowSeconds: 3600,
  idFailures: 10,
  idWindowSeconds: 86_400,
  distinctIds: 3,
  distinctWindowSeconds: 86_400,
};

export type Lock = { scope: 'chat' | 'id' | 'anomaly'; until: Date };

export interface QuotaStore {
  /** The lock in force for this chat or this ID, if any. */
  check(chat: number, idHash: string): Promise<Lock | null>;
  /** Counts a failure; returns the lock it triggers, if any, and whether the ID lock is new. */
  fail(chat: number, idHash: string): Promise<{ lock: Lock | null; idLockedNow: boolean }>;
}

export class RedisQuota implements QuotaStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: QuotaLimits = DEFAULT_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private k(...parts: (string | number)[]) {
    return `${this.prefix}q:${parts.join(':')}`;
  }

  async check(chat: number, idHash: string): Promise<Lock | null> {
    const [chatTtl, idTtl] = await this.redis.multi().pttl(this.k('cl', chat)).pttl(this.k('il', idHash)).exec().then((r) => r!.map(([, v]) => Number(v)));
    const at = (ms: number) => new Date(this.now().getTime() + ms);
    if (chatTtl! > 0) return { scope: 'chat', until: at(chatTtl!) };
    if (idTtl! > 0) return { scope: 'id', until: at(idTtl!) };
    return null;
  }

  async fail(chat: number, idHash: string): Promise<{ lock: Lock | null; idLockedNow: boolean }> {
    const l = this.limits;
    const r = await this.redis
      .multi()
      .incr(this.k('cf', chat))
      .expire(this.k('cf', chat), l.chatWindowSeconds, 'NX')
      .incr(this.k('if', idHash))
      .expire(this.k('if', idHash), l.idWindowSeconds, 'NX')
      .sadd(this.k('cd', chat), idHash)
      .expire(this.k('cd', chat), l.distinctWindowSeconds, 'NX')
      .scard(this.k('cd', chat))
      .exec();
    const values = r!.map(([, v]) => Number(v));
    const chatFails = values[0]!;
    const idFails = values[2]!;
    const distinct = values[6]!;
    const until = (s: number) => new Date(this.now().getTime() + s * 1000);
    let lock: Lock | null = null;
    let idLockedNow = false;
    if (idFails > l.idFailures) {
      idLockedNow = (await this.redis.set(this.k('il', idHash), '1', 'EX', l.idWindowSeconds, 'NX')) === 'OK';
      lock = { scope: 'id', until: until(l.idWindowSeconds) };
    }
    if (distinct > l.distinctIds) {
      await this.redis.set(this.k('cl', chat), 'anomaly', 'EX', l.distinctWindowSeconds);
      lock = { scope: 'anomaly', until: until(l.distinctWindowSeconds) };
    } else if (chatFails > l.chatFailures) {
      await this.redis.set(this.k('cl', chat), 'failures', 'EX', l.chatWindowSeconds);
      lock = { scope: 'chat', until: until(l.chatWindowSeconds) };
    }
    return { lock, idLockedNow };
  }
}
