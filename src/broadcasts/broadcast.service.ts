/**
 * Policy broadcasts: compose, preview, send now or schedule, pause, resume, cancel, fan out,
 * report. Domain only (no HTTP, no BullMQ): the console calls these, the jobs in
 * src/jobs/broadcast-jobs.ts drive the fan-out, src/jobs/outbound.ts sends.
 *
 * Exactly once: the fan-out inserts one BroadcastDelivery per (broadcast, chat) under a unique
 * key, and the chat_message outbox row for it in the same statement, only for rows it really
 * inserted. A crash, a retry, a second worker or a double click can only re-run pages whose
 * rows already exist, which inserts nothing. Pages are keyset slices of ChannelIdentity ids,
 * so the audience is never loaded into memory, and the cursor is recomputed from the rows
 * (the largest chat id done) when a fan-out resumes.
 */
import type { SqlRunner } from '../db/sql.js';
import type { Keys } from '../shared/secrets.js';
import { UserError } from '../shared/errors.js';
import { audit } from '../audit/audit.service.js';
import { verificationCode } from './verify-code.js';
import { validateBroadcast, type Audience, type BroadcastButton, type BroadcastInput, type ValidateOptions, type ValidationIssue } from './broadcast.validation.js';
import { AudienceError, audienceCondition, resolveAudience, type ResolvedAudience } from './audience.js';
import { cancelChatMessages } from '../outbox/outbox.service.js';

export type { Audience, BroadcastButton, BroadcastInput, ValidationIssue } from './broadcast.validation.js';
export { validateBroadcast } from './broadcast.validation.js';

export type BroadcastStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'cancelled' | 'done';

export interface BroadcastView {
  id: number;
  titleVi: string | null;
  textVi: string;
  textEn: string | null;
  buttons: BroadcastButton[];
  audience: Audience;
  allowZns: boolean;
  status: BroadcastStatus;
  scheduledAt: Date | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  fanoutDoneAt: Date | null;
  finishedAt: Date | null;
  /** Recipients counted when sending started. */
  total: number | null;
  areaPath: string;
  verifyCode: string;
}

/** Who acts, and the area they manage: nothing outside it is seen or reached. */
export interface BroadcastActor {
  actor: string;
  /** Area path of the actor's scope, e.g. "/1/12/" ("/" = the whole installation). */
  areaPath: string;
}

export interface Transition {
  broadcast: BroadcastView;
  /** False when the broadcast already was in the asked state (a double click): nothing done. */
  changed: boolean;
}

/** Refused input: `issues` name the fields, in Vietnamese. */
export class BroadcastInputError extends UserError {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => i.message).join(' '));
    this.name = 'BroadcastInputError';
  }
}

/** An action the broadcast's state does not allow (e.g. resuming a cancelled one). */
export class BroadcastStateError extends UserError {
  constructor(message: string, readonly status: BroadcastStatus) {
    super(message);
    this.name = 'BroadcastStateError';
  }
}

export class BroadcastNotFoundError extends UserError {
  constructor(id: number) {
    super(`Không có thông báo số ${id} trong phạm vi quản lý của anh/chị.`);
    this.name = 'BroadcastNotFoundError';
  }
}

const COLUMNS = `id, "titleVi", "textVi", "textEn", buttons, audience, "allowZns", status, "scheduledAt", "createdBy", "createdAt", "startedAt", "fanoutDoneAt", "finishedAt", total, "areaPath", "verifyCode"`;

/** A broadcast's state in words, as the console shows it (lower case, for inside a sentence). */
export const STATUS_VI: Record<BroadcastStatus, string> = { draft: 'bản nháp', scheduled: 'đã hẹn giờ', sending: 'đang gửi', paused: 'tạm dừng', cancelled: 'đã hủy', done: 'đã gửi xong' };

const EMPTY_AUDIENCE = 'Không có người nhận nào khớp với lựa chọn này (người dân phải đã bật "nhận thông báo"). Hãy mở rộng địa bàn hoặc bỏ bớt điều kiện.';

/** Validates, checks the audience is not empty, saves a draft; throws BroadcastInputError. */
export async function createBroadcast(
  sql: SqlRunner,
  input: BroadcastInput,
  ctx: BroadcastActor & { keys: Pick<Keys, 'verify'> } & ValidateOptions,
): Promise<BroadcastView> {
  const v = validateBroadcast(input, ctx);
  if (!v.ok) throw new BroadcastInputError(v.issues);
  const resolved = await resolveOrThrow(sql, v.value.audience, ctx.areaPath);
  if ((await countAudience(sql, resolved)) === 0) throw new BroadcastInputError([{ field: 'audience', message: EMPTY_AUDIENCE }]);
  const b = v.value;
  return sql.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO "Broadcast" ("titleVi", "textVi", "textEn", buttons, audience, "allowZns", "createdBy", "areaPath", "updatedAt")
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, now()) RETURNING id`,
      [b.titleVi ?? null, b.textVi, b.textEn ?? null, JSON.stringify(b.buttons), JSON.stringify(b.audience), b.allowZns, ctx.actor, ctx.areaPath],
    );
    const [view] = await tx.query<BroadcastView>(`UPDATE "Broadcast" SET "verifyCode" = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [row!.id, verificationCode(ctx.keys.verify, 'broadcast', row!.id)]);
    await audit(tx, { action: 'broadcast_create', result: 'ok', actor: ctx.actor, detail: { broadcast: row!.id } });
    return view!;
  });
}

export async function getBroadcast(sql: SqlRunner, id: number, areaPath = '/'): Promise<BroadcastView | null> {
  const [b] = await sql.query<BroadcastView>(`SELECT ${COLUMNS} FROM "Broadcast" WHERE id = $1 AND "areaPath" LIKE $2 || '%'`, [id, areaPath]);
  return b ?? null;
}

/** Broadcasts created within `areaPath`, newest first. */
export async function listBroadcasts(sql: SqlRunner, areaPath: string, opts: { limit?: number; status?: BroadcastStatus } = {}): Promise<BroadcastView[]> {
  return sql.query<BroadcastView>(
    `SELECT ${COLUMNS} FROM "Broadcast" WHERE "areaPath" LIKE $1 || '%' AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3`,
    [areaPath, opts.status ?? null, opts.limit ?? 100],
  );
}

// ---- preview ----

export interface PreviewOptions {
  /** Messages per second each channel's queue sends (platform rate × queue share); a channel without one (web) is not limited. */
  ratePerSecond: Record<string, number | undefined>;
  /** Hours after a user's last message that a channel may write freely (Zalo: 168). */
  freeWindowHours?: Record<string, number | undefined>;
  now: Date;
  /** Count ZNS for chats outside the window (only citizens with a phone can get one). */
  allowZns?: boolean;
}

export interface AudiencePreview {
  perChannel: Record<string, number>;
  total: number;
  /** Chats outside their platform's free window, per channel (Zalo: no message from them for 7 days). */
  outsideWindow: Record<string, number>;
  zaloOutsideWindow: number;
  /** Of those, how many a ZNS by phone can reach (a bound person with a phone). */
  znsReachable: number;
  /** Recipients no message can reach (outside the window, and no ZNS allowed or no phone). */
  unreachable: number;
  /** At the channels' queued rates, channels in parallel; web chats get it when they open the page. */
  estimatedSeconds: number;
}

export async function previewAudience(sql: SqlRunner, audience: Audience, areaPath: string, opts: PreviewOptions): Promise<AudiencePreview> {
  const resolved = await resolveOrThrow(sql, audience, areaPath);
  const windows = Object.entries(opts.freeWindowHours ?? {}).filter((e): e is [string, number] => e[1] !== undefined);
  const cond = audienceCondition(resolved, 3);
  const rows = await sql.query<{ channel: string; n: number; outside: number; phone: number }>(
    `WITH w AS (SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS w(channel, cutoff))
     SELECT i.channel, count(*)::int AS n,
       count(*) FILTER (WHERE w.cutoff IS NOT NULL AND (i."lastInboundAt" IS NULL OR i."lastInboundAt" < w.cutoff))::int AS outside,
       count(*) FILTER (WHERE w.cutoff IS NOT NULL AND (i."lastInboundAt" IS NULL OR i."lastInboundAt" < w.cutoff) AND i."officerId" IS NULL
         AND EXISTS (SELECT 1 FROM "Binding" pb JOIN "Person" pp ON pp.id = pb."personId" WHERE pb."identityId" = i.id AND pp."phoneCipher" IS NOT NULL))::int AS phone
     FROM "ChannelIdentity" i LEFT JOIN w ON w.channel = i.channel
     WHERE ${cond.sql} GROUP BY i.channel ORDER BY i.channel`,
    [windows.map((w) => w[0]), windows.map((w) => new Date(opts.now.getTime() - w[1] * 3_600_000)), ...cond.params],
  );
  const p: AudiencePreview = { perChannel: {}, total: 0, outsideWindow: {}, zaloOutsideWindow: 0, znsReachable: 0, unreachable: 0, estimatedSeconds: 0 };
  for (const r of rows) {
    p.perChannel[r.channel] = r.n;
    p.total += r.n;
    if (windows.some((w) => w[0] === r.channel)) p.outsideWindow[r.channel] = r.outside;
    const zns = opts.allowZns ? r.phone : 0;
    p.znsReachable += r.phone;
    p.unreachable += r.outside - zns;
    const rate = opts.ratePerSecond[r.channel];
    if (rate) p.estimatedSeconds = Math.max(p.estimatedSeconds, Math.ceil((r.n - (r.outside - zns)) / rate));
  }
  p.zaloOutsideWindow = p.outsideWindow.zalo ?? 0;
  return p;
}

// ---- state changes ----

type Verb = 'schedule' | 'start' | 'pause' | 'resume' | 'cancel';

const FROM: Record<Verb, BroadcastStatus[]> = {
  schedule: ['draft', 'scheduled'],
  start: ['draft', 'scheduled'],
  pause: ['sending'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'sending', 'paused'],
};
/** States in which asking again changes nothing (the double click). */
const ALREADY: Record<Verb, BroadcastStatus[]> = {
  schedule: [],
  start: ['sending', 'done', 'paused'],
  pause: ['paused'],
  resume: ['sending', 'done'],
  cancel: ['cancelled'],
};
const VERB_VI: Record<Verb, string> = { schedule: 'hẹn giờ', start: 'gửi', pause: 'tạm dừng', resume: 'tiếp tục', cancel: 'hủy' };

async function transition(
  sql: SqlRunner,
  id: number,
  verb: Verb,
  ctx: BroadcastActor,
  apply: (tx: SqlRunner, b: BroadcastView) => Promise<void>,
): Promise<Transition> {
  return sql.transaction(async (tx) => {
    const [b] = await tx.query<BroadcastView>(`SELECT ${COLUMNS} FROM "Broadcast" WHERE id = $1 AND "areaPath" LIKE $2 || '%' FOR UPDATE`, [id, ctx.areaPath]);
    if (!b) throw new BroadcastNotFoundError(id);
    if (ALREADY[verb].includes(b.status)) return { broadcast: b, changed: false };
    if (!FROM[verb].includes(b.status)) throw new BroadcastStateError(`Không thể ${VERB_VI[verb]}: thông báo số ${id} đang ở trạng thái "${STATUS_VI[b.status]}".`, b.status);
    await apply(tx, b);
    await audit(tx, { action: `broadcast_${verb}`, result: 'ok', actor: ctx.actor, detail: { broadcast: id, from: b.status } });
    const [after] = await tx.query<BroadcastView>(`SELECT ${COLUMNS} FROM "Broadcast" WHERE id = $1`, [id]);
    return { broadcast: after!, changed: true };
  });
}

/** Sends at `at` (the worker's tick starts it); a draft or an already scheduled one. */
export async function scheduleBroadcast(sql: SqlRunner, id: number, at: Date, ctx: BroadcastActor & { now: Date }): Promise<Transition> {
  if (!(at instanceof Date) || Number.isNaN(at.getTime()) || at.getTime() <= ctx.now.getTime()) {
    throw new BroadcastInputError([{ field: 'scheduledAt', message: 'Giờ hẹn gửi phải ở tương lai.' }]);
  }
  return transition(sql, id, 'schedule', ctx, (tx) => tx.query(`UPDATE "Broadcast" SET status = 'scheduled', "scheduledAt" = $2, "updatedAt" = now() WHERE id = $1`, [id, at]).then(() => {}));
}

/**
 * Sending starts: the audience is counted (an empty one is refused) and the status becomes
 * `sending`; the caller then queues the fan-out (BroadcastJobs.enqueue). Asking again while it
 * sends changes nothing and returns the same state.
 */
export async function startBroadcast(sql: SqlRunner, id: number, ctx: BroadcastActor): Promise<Transition> {
  return transition(sql, id, 'start', ctx, async (tx, b) => {
    const resolved = await resolveOrThrow(tx, b.audience, b.areaPath);
    const total = await countAudience(tx, resolved);
    if (total === 0) throw new BroadcastInputError([{ field: 'audience', message: EMPTY_AUDIENCE }]);
    await tx.query(`UPDATE "Broadcast" SET status = 'sending', "startedAt" = now(), total = $2, "updatedAt" = now() WHERE id = $1`, [id, total]);
  });
}

/** Stops feeding the queues; messages already queued go back to wait (none is lost or failed). */
export async function pauseBroadcast(sql: SqlRunner, id: number, ctx: BroadcastActor): Promise<Transition> {
  return transition(sql, id, 'pause', ctx, (tx) => tx.query(`UPDATE "Broadcast" SET status = 'paused', "updatedAt" = now() WHERE id = $1`, [id]).then(() => {}));
}

/** Sends again; the caller re-queues the fan-out in case it stopped part-way (BroadcastJobs.enqueue). */
export async function resumeBroadcast(sql: SqlRunner, id: number, ctx: BroadcastActor): Promise<Transition> {
  return transition(sql, id, 'resume', ctx, (tx) => tx.query(`UPDATE "Broadcast" SET status = 'sending', "updatedAt" = now() WHERE id = $1`, [id]).then(() => {}));
}

/** Stops for good: every message not yet sent is recorded `cancelled` at once (a message being sent at that instant may still go). */
export async function cancelBroadcast(sql: SqlRunner, id: number, ctx: BroadcastActor): Promise<Transition> {
  return transition(sql, id, 'cancel', ctx, async (tx) => {
    await tx.query(`UPDATE "Broadcast" SET status = 'cancelled', "finishedAt" = now(), "updatedAt" = now() WHERE id = $1`, [id]);
    await cancelChatMessages(tx, { broadcastId: id });
  });
}

/** Scheduled broadcasts whose time has come become `sending`; returns their ids (to queue their fan-out). */
export async function startDueBroadcasts(sql: SqlRunner, now: Date): Promise<number[]> {
  const due = await sql.query<{ id: number; areaPath: string }>(`SELECT id, "areaPath" FROM "Broadcast" WHERE status = 'scheduled' AND "scheduledAt" <= $1 ORDER BY id`, [now]);
  const started: number[] = [];
  for (const b of due) {
    try {
      const t = await startBroadcast(sql, b.id, { actor: 'system:schedule', areaPath: b.areaPath });
      if (t.changed) started.push(b.id);
    } catch (e) {
      if (!(e instanceof BroadcastInputError)) throw e;
      // Nobody left to send to at the appointed time: recorded, not retried every tick.
      await sql.query(`UPDATE "Broadcast" SET status = 'cancelled', "finishedAt" = now(), total = 0, "updatedAt" = now() WHERE id = $1 AND status = 'scheduled'`, [b.id]);
      await audit(sql, { action: 'broadcast_start', result: 'empty_audience', actor: 'system:schedule', detail: { broadcast: b.id } });
    }
  }
  return started;
}

/** Broadcasts that are sending but whose fan-out has not finished (to re-queue after a crash). */
export async function unfinishedFanOuts(sql: SqlRunner): Promise<number[]> {
  const rows = await sql.query<{ id: number }>(`SELECT id FROM "Broadcast" WHERE status = 'sending' AND "fanoutDoneAt" IS NULL ORDER BY id`);
  return rows.map((r) => r.id);
}

/** Marks sending broadcasts `done` once every non-web message has an outcome; returns how many. */
export async function finishDoneBroadcasts(sql: SqlRunner): Promise<number> {
  // Web chats get theirs whenever the page is next opened, which may be never: they do not hold a broadcast open.
  const rows = await sql.query(
    `UPDATE "Broadcast" b SET status = 'done', "finishedAt" = now(), "updatedAt" = now()
     WHERE b.status = 'sending' AND b."fanoutDoneAt" IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM "BroadcastDelivery" d WHERE d."broadcastId" = b.id AND d.status = 'queued' AND d.channel <> 'web')
     RETURNING id`,
  );
  return rows.length;
}

// ---- fan-out ----

export interface FanOutPage {
  /** The cursor for the next page, or null when the audience is exhausted (the fan-out is done). */
  next: number | null;
  /** Deliveries (and outbox messages) this page created. */
  inserted: number;
  /** Set when the broadcast is not sending any more (paused, cancelled): nothing was done. */
  stopped?: BroadcastStatus;
}

/** Where a fan-out resumes: the largest chat id already given a delivery. */
export async function fanOutCursor(sql: SqlRunner, id: number): Promise<number> {
  const [r] = await sql.query<{ last: number | null }>(`SELECT max("identityId") AS last FROM "BroadcastDelivery" WHERE "broadcastId" = $1`, [id]);
  return r?.last ?? 0;
}

/**
 * One page of the audience after `afterIdentityId`, in ONE transaction: a delivery per chat not
 * yet given one (ON CONFLICT DO NOTHING) and, in the same statement, a bulk-priority
 * `broadcast` chat_message outbox row for each delivery really inserted, linked both ways.
 */
export async function fanOutPage(sql: SqlRunner, id: number, afterIdentityId: number, pageSize: number): Promise<FanOutPage> {
  return sql.transaction(async (tx) => {
    const [b] = await tx.query<{ status: BroadcastStatus; audience: Audience; areaPath: string; fanoutDoneAt: Date | null }>(
      `SELECT status, audience, "areaPath", "fanoutDoneAt" FROM "Broadcast" WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!b) throw new BroadcastNotFoundError(id);
    if (b.status !== 'sending') return { next: afterIdentityId, inserted: 0, stopped: b.status };
    if (b.fanoutDoneAt) return { next: null, inserted: 0 };
    const cond = audienceCondition(await resolveAudience(tx, b.audience, b.areaPath), 4);
    const [r] = await tx.query<{ last: number | null; inserted: number }>(
      `WITH page AS (
         SELECT i.id, i.channel FROM "ChannelIdentity" i
         WHERE i.id > $2 AND ${cond.sql} ORDER BY i.id LIMIT $3
       ), ins AS (
         INSERT INTO "BroadcastDelivery" ("broadcastId", "identityId", channel, "outboxId", status)
         SELECT $1, page.id, page.channel, nextval(pg_get_serial_sequence('"OutboxEvent"', 'id')), 'queued' FROM page ORDER BY page.id
         ON CONFLICT ("broadcastId", "identityId") DO NOTHING
         RETURNING id, "identityId", channel, "outboxId"
       ), msg AS (
         INSERT INTO "OutboxEvent" (id, kind, payload)
         SELECT ins."outboxId", 'chat_message', jsonb_build_object(
           'identityId', ins."identityId", 'channel', ins.channel, 'template', 'broadcast', 'params', '{}'::jsonb,
           'broadcastId', $1::int, 'deliveryId', ins.id)
         FROM ins ORDER BY ins."outboxId"
         RETURNING 1
       )
       SELECT (SELECT max(id) FROM page) AS last, (SELECT count(*) FROM msg)::int AS inserted`,
      [id, afterIdentityId, pageSize, ...cond.params],
    );
    if (r?.last === null || r?.last === undefined) {
      await tx.query(`UPDATE "Broadcast" SET "fanoutDoneAt" = now(), "updatedAt" = now() WHERE id = $1`, [id]);
      return { next: null, inserted: 0 };
    }
    return { next: r.last, inserted: r.inserted };
  });
}

// ---- report ----

export interface DeliveryCounts {
  /** Not sent yet (web chats: until the page is opened). */
  queued: number;
  sent: number;
  /** Sent as a ZNS template by phone (Zalo outside the window, allowZns). */
  zns: number;
  /** The platform refused, or it kept failing. */
  failed: number;
  /** The user blocked the bot. */
  blocked: number;
  /** Outside the platform's window with no ZNS allowed or no phone; or the chat is gone. */
  unreachable: number;
  cancelled: number;
  total: number;
}

export interface BroadcastProgress {
  id: number;
  status: BroadcastStatus;
  /** Recipients counted at the start. */
  planned: number | null;
  fanoutDone: boolean;
  perChannel: Record<string, DeliveryCounts>;
  all: DeliveryCounts;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const emptyCounts = (): DeliveryCounts => ({ queued: 0, sent: 0, zns: 0, failed: 0, blocked: 0, unreachable: 0, cancelled: 0, total: 0 });

export async function broadcastProgress(sql: SqlRunner, id: number, areaPath = '/'): Promise<BroadcastProgress> {
  const b = await getBroadcast(sql, id, areaPath);
  if (!b) throw new BroadcastNotFoundError(id);
  // Every sender records its outcome on the delivery (src/jobs/outbound.ts; the web chat's relay).
  const rows = await sql.query<{ channel: string; status: keyof DeliveryCounts; n: number }>(
    `SELECT channel, status, count(*)::int AS n FROM "BroadcastDelivery" WHERE "broadcastId" = $1 GROUP BY 1, 2`,
    [id],
  );
  const perChannel: Record<string, DeliveryCounts> = {};
  const all = emptyCounts();
  for (const r of rows) {
    const c = (perChannel[r.channel] ??= emptyCounts());
    const key: keyof DeliveryCounts = r.status in all && r.status !== 'total' ? r.status : 'failed';
    c[key] += r.n;
    c.total += r.n;
    all[key] += r.n;
    all.total += r.n;
  }
  return { id, status: b.status, planned: b.total, fanoutDone: b.fanoutDoneAt !== null, perChannel, all, startedAt: b.startedAt, finishedAt: b.finishedAt };
}

/** The delivery status for a sender's outcome (src/jobs/outbound.ts records it). */
export function deliveryStatusFor(result: 'sent' | 'zns' | 'unreachable' | 'cancelled', reason?: string): Exclude<keyof DeliveryCounts, 'queued' | 'total'> {
  if (result !== 'unreachable') return result;
  if (reason === 'blocked') return 'blocked';
  if (!reason || /^(outside_window|no_chat|channel_off)/.test(reason)) return 'unreachable';
  return 'failed';
}

// ---- helpers ----

async function resolveOrThrow(sql: SqlRunner, audience: Audience, areaPath: string): Promise<ResolvedAudience> {
  try {
    return await resolveAudience(sql, audience, areaPath);
  } catch (e) {
    if (e instanceof AudienceError) throw new BroadcastInputError(e.issues);
    throw e;
  }
}

async function countAudience(sql: SqlRunner, r: ResolvedAudience): Promise<number> {
  const cond = audienceCondition(r, 1);
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ChannelIdentity" i WHERE ${cond.sql}`, cond.params);
  return row?.n ?? 0;
}
