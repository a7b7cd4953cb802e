/**
 * What every channel does with a message: run the engine and deliver the replies through the
 * channel's adapter. Interactive replies retry a throttled or failed send a few times with the
 * platform's retry-after (a user is waiting); a user who blocked the bot marks the chat blocked.
 * Proactive messages go through the outbound queue instead (jobs/). Messages in, replies out
 * and failed sends are counted here (metrics), for every channel.
 */
import type { InboundMessage, Reply } from '../conversation/types.js';
import type { ConversationEngine } from '../conversation/engine.js';
import type { SqlRunner } from '../db/sql.js';
import type { Logger } from '../shared/log.js';
import { SendError, type ChannelAdapter } from '../../bots/channel.js';
import type { MessageCounters } from '../metrics.js';
import { messages } from '../i18n/messages.js';
import type { InboundGate } from './gate.js';

export interface PipelineDeps {
  engine: ConversationEngine;
  sql: SqlRunner;
  log: Logger;
  /** Longest single wait on a throttled reply. @defaultValue 5000 */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Counts messages in, replies out and failed sends; absent = not counted. */
  metrics?: MessageCounters;
  /** Webhook work still running after the platform got its 200; the app awaits it when closing. */
  inflight?: Set<Promise<void>>;
  /** Admission control shared by every way in; absent = no limit (tests, the terminal chat). */
  gate?: InboundGate;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function handleInbound(deps: PipelineDeps, adapter: ChannelAdapter<unknown>, msg: InboundMessage): Promise<void> {
  deps.metrics?.messageIn(adapter.name);
  const replies = await deps.engine.handle(msg);
  await deliverReplies(deps, adapter, msg.chatId, replies);
}

/** For a channel whose replies go back in the HTTP response itself (the web chat). */
export async function answerInline(deps: Pick<PipelineDeps, 'engine' | 'metrics' | 'gate'>, msg: InboundMessage): Promise<Reply[]> {
  deps.metrics?.messageIn(msg.channel);
  let replies: Reply[] = [busyReply(msg)];
  const work = async () => {
    replies = await deps.engine.handle(msg);
  };
  if (deps.gate) {
    if (!(await deps.gate.run(work))) deps.metrics?.shed(msg.channel);
  } else await work();
  deps.metrics?.messageOut(msg.channel, 'reply', replies.length);
  return replies;
}

/** "Busy, try again shortly", in the language the platform reports for the user (no database needed). */
function busyReply(msg: InboundMessage): Reply {
  return { text: messages(msg.locale?.startsWith('en') ? 'en' : 'vi').busy };
}

/** When the last "inbound queue full" warning was logged: at most one every 10 s (the metric counts each). */
let lastShedLog = 0;

/** A message the gate turned away: answered "busy" at once, without touching the database. */
async function turnAway(deps: PipelineDeps, adapter: ChannelAdapter<unknown>, msg: InboundMessage): Promise<void> {
  deps.metrics?.messageIn(adapter.name);
  deps.metrics?.shed(adapter.name);
  if (Date.now() - lastShedLog >= 10_000) {
    lastShedLog = Date.now();
    deps.log.warn({ channel: adapter.name, ...deps.gate?.load, shed: deps.gate?.shed }, 'inbound queue full: answering busy (logged at most every 10 s)');
  }
  await deliverReplies(deps, adapter, msg.chatId, [busyReply(msg)]);
}

/**
 * For webhooks, after the platform already has its 200: runs `before` (answer a button, mark a
 * chat that left), then the message unless it is ignored. Failures are logged, never thrown;
 * `onHandled` is called at the end either way (tests wait on it).
 */
export function handleInBackground(
  deps: PipelineDeps & { onHandled?: () => void },
  adapter: ChannelAdapter<unknown>,
  parsed: InboundMessage | { ignored: string },
  before?: () => Promise<unknown>,
): void {
  const work = (async () => {
    try {
      await before?.();
      if ('ignored' in parsed) return;
      const admitted = deps.gate ? await deps.gate.run(() => handleInbound(deps, adapter, parsed)) : (await handleInbound(deps, adapter, parsed), true);
      if (!admitted) await turnAway(deps, adapter, parsed);
    } catch (e) {
      deps.log.error({ err: e, channel: adapter.name }, 'inbound message failed');
    } finally {
      deps.onHandled?.();
    }
  })();
  // The platform already has its 200 and will not send this again: a stop must wait for it.
  deps.inflight?.add(work);
  void work.finally(() => deps.inflight?.delete(work));
}

export async function deliverReplies(deps: PipelineDeps, adapter: ChannelAdapter<unknown>, chatId: string, replies: Reply[]): Promise<void> {
  const sleep = deps.sleep ?? defaultSleep;
  for (const reply of replies) {
    for (let attempt = 1; ; attempt++) {
      try {
        await adapter.send(chatId, reply);
        deps.metrics?.messageOut(adapter.name, 'reply');
        break;
      } catch (e) {
        const err = e instanceof SendError ? e : new SendError('connection', (e as Error).message);
        deps.metrics?.sendError(adapter.name, err.kind);
        if (err.kind === 'contact_stopped') {
          await markBlocked(deps.sql, adapter.name, chatId);
          deps.log.info({ channel: adapter.name }, 'chat blocked the bot; marked');
          return;
        }
        if (!err.retryable || attempt >= 4) {
          deps.log.warn({ channel: adapter.name, kind: err.kind, attempt }, 'reply not delivered');
          return;
        }
        await sleep(Math.min(deps.maxWaitMs ?? 5000, err.retryAfterMs ?? 250 * 2 ** attempt));
      }
    }
  }
}

export async function markBlocked(sql: SqlRunner, channel: string, externalId: string): Promise<void> {
  await sql.query(`UPDATE "ChannelIdentity" SET blocked = true, notify = false, "updatedAt" = now() WHERE channel = $1 AND "externalId" = $2`, [channel, externalId]);
}
