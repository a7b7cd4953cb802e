/**
 * The console's broadcasts: compose (saved as a draft after validation), preview the audience
 * per channel with the estimated time, send now or schedule, pause, resume, cancel, and watch
 * the progress. The domain is src/broadcasts/; sending goes through the fan-out job and the
 * per-channel outbound queues like every proactive message.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SqlRunner } from '../../db/sql.js';
import type { Keys } from '../../shared/secrets.js';
import type { Clock } from '../../shared/clock.js';
import type { ConsoleHelpers } from './console.js';
import {
  BroadcastInputError, BroadcastNotFoundError, BroadcastStateError, broadcastProgress, cancelBroadcast, createBroadcast, getBroadcast,
  listBroadcasts, pauseBroadcast, previewAudience, scheduleBroadcast, type BroadcastInput, type PreviewOptions,
} from '../../broadcasts/broadcast.service.js';
import { renderBroadcast } from '../../broadcasts/broadcast-render.js';
import { broadcastPage, broadcastsPage, STATUS_TEXT, type ComposeValues } from '../../console/broadcast-views.js';
import { errorPage } from '../../console/views.js';

export interface ConsoleBroadcastDeps {
  sql: SqlRunner;
  keys: Keys;
  clock: Clock;
  /** Starts and resumes sending (the fan-out job). */
  send(id: number, actor: { actor: string; areaPath: string }): Promise<unknown>;
  resume(id: number, actor: { actor: string; areaPath: string }): Promise<unknown>;
  /** The channels' queued rates and free windows, for the preview. */
  previewOptions(allowZns: boolean): PreviewOptions;
  /** FAQ ids a button may show. */
  faqIds?: readonly string[];
}

type Form = Record<string, string | undefined>;

/** The compose form's fields as the domain's input. */
function inputOf(f: Form): { input: BroadcastInput; values: ComposeValues } {
  const buttons = [0, 1, 2]
    .map((i) => ({ labelVi: (f[`button${i}Label`] ?? '').trim(), kind: f[`button${i}Kind`] === 'link' ? 'link' : 'faq', target: (f[`button${i}Target`] ?? '').trim() }))
    .filter((b) => b.labelVi || b.target);
  const values: ComposeValues = {
    titleVi: f.titleVi, textVi: f.textVi, textEn: f.textEn, citizens: f.citizens === '1', officers: f.officers === '1',
    areaCode: f.areaCode?.trim(), program: f.program, group: f.group?.trim(), stage: f.stage?.trim(), allowZns: f.allowZns === '1', buttons,
  };
  const input: BroadcastInput = {
    titleVi: f.titleVi?.trim() || null,
    textVi: f.textVi ?? '',
    textEn: f.textEn?.trim() ? f.textEn : null,
    buttons: buttons.map((b) => ({ labelVi: b.labelVi, kind: b.kind as 'faq' | 'link', target: b.target })),
    audience: {
      citizens: values.citizens!, officers: values.officers!,
      ...(values.areaCode ? { areaCode: values.areaCode } : {}), ...(values.program ? { program: values.program } : {}),
      ...(values.group ? { group: values.group } : {}), ...(values.stage ? { stage: values.stage } : {}),
    },
    allowZns: values.allowZns,
  };
  return { input, values };
}

export function consoleBroadcasts(deps: ConsoleBroadcastDeps) {
  const { sql } = deps;
  return async (app: FastifyInstance, h: ConsoleHelpers) => {
    const actor = (req: FastifyRequest) => ({ actor: `console:${h.session(req).user.username}`, areaPath: h.session(req).user.area.path });
    const programs = () => sql.query<{ code: string }>(`SELECT code FROM "Program" ORDER BY code`);

    app.get('/admin/broadcasts', async (req, reply) => {
      if (!h.allow(req, reply, 'broadcasts')) return reply;
      return h.sendPage(reply, broadcastsPage(h.pageCtx(req, 'broadcasts'), { list: await listBroadcasts(sql, h.session(req).user.area.path), programs: await programs() }));
    });

    app.post('/admin/broadcasts', async (req, reply) => {
      if (!h.allow(req, reply, 'broadcasts')) return reply;
      const { input, values } = inputOf((req.body ?? {}) as Form);
      try {
        const b = await createBroadcast(sql, input, { ...actor(req), keys: deps.keys, faqIds: deps.faqIds });
        await h.record(req, 'console_broadcast_create', 'ok', { broadcast: b.id });
        return reply.redirect(`/admin/broadcasts/${b.id}`, 303);
      } catch (e) {
        if (!(e instanceof BroadcastInputError)) throw e;
        await h.record(req, 'console_broadcast_create', 'refused', { fields: e.issues.map((i) => i.field) });
        return h.sendPage(reply, broadcastsPage(h.pageCtx(req, 'broadcasts'), { list: await listBroadcasts(sql, h.session(req).user.area.path), programs: await programs(), values, issues: e.issues }), 400);
      }
    });

    const load = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!h.allow(req, reply, 'broadcasts')) return null;
      const id = Number((req.params as { id: string }).id);
      const b = Number.isInteger(id) && id > 0 ? await getBroadcast(sql, id, h.session(req).user.area.path) : null;
      if (!b) {
        if (req.url.startsWith('/admin/api/')) void reply.status(404).send({ error: 'Không tìm thấy.' });
        else void h.sendPage(reply, errorPage(h.pageCtx(req, 'broadcasts'), 404, 'Không có thông báo này trong phạm vi của anh/chị.'), 404);
      }
      return b;
    };

    const show = async (req: FastifyRequest, reply: FastifyReply, flash?: { kind: 'ok' | 'error'; text: string }, status = 200) => {
      const b = await load(req, reply);
      if (!b) return reply;
      const preview = b.status === 'draft' || b.status === 'scheduled'
        ? await previewAudience(sql, b.audience, b.areaPath, deps.previewOptions(b.allowZns)).catch(() => null)
        : null;
      const progress = await broadcastProgress(sql, b.id, b.areaPath);
      const rendered = renderBroadcast({ ...b, verifyCode: b.verifyCode }, 'vi').text;
      return h.sendPage(reply, broadcastPage(h.pageCtx(req, 'broadcasts', flash), { b, preview, progress, rendered }), status);
    };

    app.get('/admin/broadcasts/:id', async (req, reply) => show(req, reply));

    app.get('/admin/api/broadcasts/:id', async (req, reply) => {
      const b = await load(req, reply);
      if (!b) return reply;
      const p = await broadcastProgress(sql, b.id, b.areaPath);
      const planned = p.planned ?? p.all.total;
      return {
        id: b.id, status: b.status, statusText: STATUS_TEXT[b.status] ?? b.status, done: b.status === 'done' || b.status === 'cancelled',
        percent: planned ? Math.round((100 * (p.all.total - p.all.queued)) / planned) : null, counts: p.all, perChannel: p.perChannel,
      };
    });

    const ACTIONS: Record<string, { run: (req: FastifyRequest, id: number) => Promise<unknown>; ok: string }> = {
      send: { run: (req, id) => deps.send(id, actor(req)), ok: 'Đã bắt đầu gửi.' },
      pause: { run: (req, id) => pauseBroadcast(sql, id, actor(req)), ok: 'Đã tạm dừng.' },
      resume: { run: (req, id) => deps.resume(id, actor(req)), ok: 'Đã tiếp tục gửi.' },
      cancel: { run: (req, id) => cancelBroadcast(sql, id, actor(req)), ok: 'Đã hủy; các tin chưa gửi sẽ không được gửi.' },
      schedule: {
        run: (req, id) => {
          const at = String(((req.body ?? {}) as Form).at ?? '');
          // datetime-local has no zone: it is Vietnam time.
          const when = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(at) ? new Date(`${at}:00+07:00`) : new Date(NaN);
          return scheduleBroadcast(sql, id, when, { ...actor(req), now: deps.clock.now() });
        },
        ok: 'Đã hẹn giờ gửi.',
      },
    };
    app.post('/admin/broadcasts/:id/:action', async (req, reply) => {
      const action = ACTIONS[(req.params as { action: string }).action];
      if (!action) return h.sendPage(reply, errorPage(h.pageCtx(req, 'broadcasts'), 404, 'Không có thao tác này.'), 404);
      const b = await load(req, reply);
      if (!b) return reply;
      const name = (req.params as { action: string }).action;
      try {
        await action.run(req, b.id);
        await h.record(req, `console_broadcast_${name}`, 'ok', { broadcast: b.id });
        return reply.redirect(`/admin/broadcasts/${b.id}`, 303);
      } catch (e) {
        if (e instanceof BroadcastInputError || e instanceof BroadcastStateError || e instanceof BroadcastNotFoundError) {
          await h.record(req, `console_broadcast_${name}`, 'refused', { broadcast: b.id });
          return show(req, reply, { kind: 'error', text: e.message }, 409);
        }
        throw e;
      }
    });
  };
}
