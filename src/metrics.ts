/**
 * Prometheus metrics: the one module that imports prom-client. A `Metrics` owns its registry
 * (Node's process metrics plus ansinh's) and exposes small counting methods; the code that
 * counts sees only the narrow interfaces below (`MessageCounters`, the look-up counter of
 * lookup.service.ts), so domain modules never touch a metrics library.
 *
 * Label values are closed sets chosen in code (channel names, reply kinds, look-up results,
 * SendError kinds, route patterns): never a chat id, a URL, an ID number or a phone. Anything
 * that does not look like such a value is counted as "other".
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SendErrorKind } from '../bots/channel.js';
import type { LookupCounter, LookupResult } from './lookup/lookup.service.js';
import type { ChatMessagePayload } from './outbox/outbox.service.js';

/**
 * What a message out is: `reply` (to a user who just wrote), `notification` (a status change),
 * `binding_notice`, `ticket_reply` (an officer's answer to a citizen), the officers' `digest`,
 * `reminder`, `alert` and `ticket`, `officer` (an officer message queued before kinds were
 * recorded), `broadcast`, `text`.
 */
export type OutboundKind =
  | 'reply' | 'notification' | 'binding_notice' | 'ticket_reply'
  | 'digest' | 'reminder' | 'alert' | 'ticket' | 'officer' | 'broadcast' | 'text';

/** The kind of a queued chat message (outbox row), for `ansinh_messages_out_total`. */
export function outboundKind(p: Pick<ChatMessagePayload, 'template' | 'kind'>): OutboundKind {
  switch (p.template) {
    case 'stage_changed': return 'notification';
    case 'binding_notice': return 'binding_notice';
    case 'ticket_reply': return 'ticket_reply';
    case 'officer': return p.kind ?? 'officer';
    case 'broadcast': return 'broadcast';
    default: return 'text';
  }
}

/** What the inbound pipeline and the outbound sender count. */
export interface MessageCounters {
  messageIn(channel: string): void;
  messageOut(channel: string, kind: OutboundKind, n?: number): void;
  /** One failed send attempt (a retried one counts each time it fails). */
  sendError(channel: string, kind: SendErrorKind): void;
  /** A queued message that reached nobody (recorded for the officer), by a closed reason. */
  unreachable(channel: string, reason: string): void;
  /** A message the inbound gate turned away with "busy" (the server was over capacity). */
  shed(channel: string): void;
}

/** Job counts per channel and state, e.g. OutboundQueues. */
export interface QueueCountSource {
  counts(): Promise<Record<string, Record<string, number>>>;
}

const SAFE_LABEL = /^[a-z0-9_]{1,40}$/;
/** Route patterns come from code ("/api/chat/messages", "/webhooks/:channel"); nothing else passes. */
const SAFE_ROUTE = /^\/[A-Za-z0-9_\-/:.*]{0,100}$/;
const label = (v: string) => (SAFE_LABEL.test(v) ? v : 'other');

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A scrape must not hang on a Redis that does not answer. */
const QUEUE_COUNT_TIMEOUT_MS = 1000;

export class Metrics implements MessageCounters, LookupCounter {
  readonly registry = new Registry();
  private defaultsOn = false;
  private readonly queueSources = new Set<QueueCountSource>();
  private readonly messagesIn: Counter<'channel'>;
  private readonly messagesOut: Counter<'channel' | 'kind'>;
  private readonly lookups: Counter<'result'>;
  private readonly sendErrors: Counter<'channel' | 'kind'>;
  private readonly unreachables: Counter<'channel' | 'reason'>;
  private readonly sheds: Counter<'channel'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    const registers = [this.registry];
    this.messagesIn = new Counter({ name: 'ansinh_messages_in_total', help: 'Messages received from users, by channel', labelNames: ['channel'], registers });
    this.messagesOut = new Counter({ name: 'ansinh_messages_out_total', help: 'Messages delivered to a platform, by channel and kind (reply, notification, digest, ...); zalo_zns = Zalo template messages by phone', labelNames: ['channel', 'kind'], registers });
    this.lookups = new Counter({ name: 'ansinh_lookups_total', help: 'Verified look-up attempts by result (the audit log\'s results: found, mismatch, mismatch_locked_*, locked_*, invalid_id)', labelNames: ['result'], registers });
    this.sendErrors = new Counter({ name: 'ansinh_send_errors_total', help: 'Failed send attempts by channel and SendError kind (config, connection, throttled, rejected, contact_stopped)', labelNames: ['channel', 'kind'], registers });
    this.sheds = new Counter({ name: 'ansinh_inbound_shed_total', help: 'Messages answered "busy" at once because the inbound queue was full (over capacity), by channel', labelNames: ['channel'], registers });
    this.unreachables = new Counter({ name: 'ansinh_messages_unreachable_total', help: 'Queued messages that reached nobody (recorded for the officer), by channel and reason', labelNames: ['channel', 'reason'], registers });
    this.httpDuration = new Histogram({ name: 'ansinh_http_request_duration_seconds', help: 'HTTP request duration by method, route pattern and status', labelNames: ['method', 'route', 'status'], buckets: HTTP_BUCKETS, registers });
    const sources = this.queueSources;
    new Gauge({
      name: 'ansinh_queue_jobs',
      help: 'Outbound queue jobs by channel and state, read at scrape time (only in a process that runs the queues)',
      labelNames: ['channel', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const source of sources) {
          const counts = await withTimeout(source.counts(), QUEUE_COUNT_TIMEOUT_MS).catch(() => null);
          for (const [channel, states] of Object.entries(counts ?? {})) {
            for (const [state, n] of Object.entries(states)) this.set({ channel: label(channel), state: label(state) }, n);
          }
        }
      },
    });
  }

  messageIn(channel: string): void {
    this.messagesIn.inc({ channel: label(channel) });
  }

  shed(channel: string): void {
    this.sheds.inc({ channel: label(channel) });
  }

  messageOut(channel: string, kind: OutboundKind, n = 1): void {
    if (n > 0) this.messagesOut.inc({ channel: label(channel), kind: label(kind) }, n);
  }

  sendError(channel: string, kind: SendErrorKind): void {
    this.sendErrors.inc({ channel: label(channel), kind: label(kind) });
  }

  unreachable(channel: string, reason: string): void {
    this.unreachables.inc({ channel: label(channel), reason: label(reason) });
  }

  lookup(result: LookupResult): void {
    this.lookups.inc({ result: label(result) });
  }

  /** One HTTP request; `route` is the matched route pattern (undefined when none matched). */
  httpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const r = route === undefined ? 'unmatched' : SAFE_ROUTE.test(route) ? route : 'other';
    this.httpDuration.observe({ method: label(method.toLowerCase()), route: r, status: String(status) }, seconds);
  }

  /** Reports a source's queue counts at every scrape until the returned function is called. */
  watchQueues(source: QueueCountSource): () => void {
    this.queueSources.add(source);
    return () => this.queueSources.delete(source);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. Node's process metrics start with the first scrape (a CLI never pays for them). */
  async render(): Promise<string> {
    if (!this.defaultsOn) {
      this.defaultsOn = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return this.registry.metrics();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
