/**
 * Dialog state per chat in Redis, with a time-out: an unanswered question is forgotten after
 * `ttlSeconds`. Keys name the chat by its database id, never by the platform's chat id.
 */
import type { Redis } from 'ioredis';

export type DialogState =
  | { step: 'idle' }
  | { step: 'await_id' }
  | { step: 'await_dob'; idHash: string; last: string; kind: 'cccd' | 'cmnd'; year?: number; gender?: 'M' | 'F'; askedFull?: boolean }
  | { step: 'elig_program' }
  | { step: 'elig'; program: string; answers: Record<string, string | number | boolean> }
  | { step: 'handoff'; requestId: number };

export interface DialogStore {
  get(identityId: number): Promise<DialogState>;
  set(identityId: number, state: DialogState): Promise<void>;
  clear(identityId: number): Promise<void>;
}

export class RedisDialogStore implements DialogStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 15 * 60,
  ) {}

  private key(id: number) {
    return `${this.prefix}dlg:${id}`;
  }

  async get(id: number): Promise<DialogState> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as DialogState) : { step: 'idle' };
  }

  async set(id: number, state: DialogState): Promise<void> {
    if (state.step === 'idle') await this.clear(id);
    else await this.redis.set(this.key(id), JSON.stringify(state), 'EX', this.ttlSeconds);
  }

  async clear(id: number): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
