/**
 * The admin console under /admin: sign-in, then pages limited by role and area. Every request
 * but the sign-in page and static files needs a live session (HttpOnly, SameSite=Strict
 * cookie); every state-changing request needs the session's CSRF token; every admin action is
 * audited with who, what, when and from where. Pages are rendered in src/console/views.ts;
 * the data comes from the domain modules.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { sameSecret } from '../../shared/secrets.js';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { SqlRunner } from '../../db/sql.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Keys } from '../../shared/secrets.js';
import type { Clock } from '../../shared/clock.js';
import { audit } from '../../audit/audit.service.js';
import { localDateAt, isLocalDate } from '../../calendar/local-date.js';
import { can, csrfOk, login, logout, sessionFor, type Page, type Session } from '../../console/admin-auth.js';
import { auditActions, auditLog, backlogByArea, getImport, listImports, officersIn, programsIn, ticketsIn } from '../../console/console-data.js';
import { auditPage, dashboardPage, errorPage, importPage, importsPage, loginPage, officersPage, ticketsPage, type PageCtx } from '../../console/views.js';
import { progressReport } from '../../reports/progress-report.js';
import { findProgram } from '../../programs/program-area.js';
import { reportXlsx } from '../../reports/report-files.js';
import { createImportBatch, DEFAULT_MAX_BYTES } from '../../imports/import.service.js';
import { createInvite } from '../../officers/officer.service.js';
import { UserError } from '../../shared/errors.js';

export interface ConsoleImports {
  enqueue(d: { importId: number; path: string; fileName: string; program: string; province?: string; partial?: boolean; dryRun?: boolean; actor?: string; outDir: string }): Promise<void>;
  progress(importId: number): Promise<{ phase: string; rows: number; bytesRead: number; bytes: number } | null>;
}

export interface ConsoleDeps {
  sql: SqlRunner;
  prisma: PrismaClient;
  keys: Keys;
  clock: Clock;
  /** Uploads and import error files live under it. */
  dataDir: string;
  /** Queues imports for the worker; null = uploads are refused with a message. */
  imports: ConsoleImports | null;
  /** Mounts Bull Board for admins (src/jobs/board.ts). */
  board?: (app: FastifyInstance, basePath: string) => Promise<void>;
  /** Extra console sections (broadcasts), registered inside the authenticated scope. */
  sections?: ((app: FastifyInstance, helpers: ConsoleHelpers) => Promise<void>)[];
}

export interface ConsoleHelpers {
  /** The session of a request (after the auth hook). */
  session(req: FastifyRequest): Session;
  /** Page context for views.layout. */
  pageCtx(req: FastifyRequest, current: Page, flash?: PageCtx['flash']): PageCtx;
  /** Refuses (403 page) a role that may not open `page`; returns false when refused. */
  allow(req: FastifyRequest, reply: FastifyReply, page: Page): boolean;
  /** Audits an admin action with who, what, when and from where. */
  record(req: FastifyRequest, action: string, result: string, detail?: object): Promise<void>;
  sendPage(reply: FastifyReply, body: string, status?: number): FastifyReply;
}

const COOKIE = 'ansinh_admin';
const LOGIN_CSRF = 'ansinh_login';
const STATIC_DIR = resolve(import.meta.dirname, '../../console/static');
const STATIC: Record<string, string> = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8' };

declare module 'fastify' {
  interface FastifyRequest {
    adminSession?: Session;
  }
}

/** Secure cookies need HTTPS, which browsers also grant to http://localhost. */
function secure(req: FastifyRequest): boolean {
  return req.protocol === 'https' || ['localhost', '127.0.0.1', '[::1]'].includes(req.hostname.replace(/:\d+$/, ''));
}

function formBody(body: unknown): Record<string, string> {
  return body && typeof body === 'object' ? (body as Record<string, string>) : {};
}

export async function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps) {
  const { sql } = deps;
  await app.register(cookie);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  await app.register(multipart, { limits: { fileSize: DEFAULT_MAX_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 } });

  const sendPage = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const wantsJson = (req: FastifyRequest) => req.url.startsWith('/admin/api/');

  const staticFiles = Object.fromEntries(Object.keys(STATIC).map((f) => [f, readFileSync(join(STATIC_DIR, f))]));
  app.get('/admin/static/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    if (!STATIC[file]) return reply.status(404).send({ error: 'Không tìm thấy.' });
    return reply.type(STATIC[file]).header('cache-control', 'public, max-age=300').send(staticFiles[file]);
  });

  // Sign-in: a double-submit token (cookie + field) stands in for the session's CSRF token.
  app.get('/admin/login', async (req, reply) => {
    const token = randomBytes(18).toString('base64url');
    const q = req.query as { next?: string; expired?: string };
    reply.setCookie(LOGIN_CSRF, token, { path: '/admin', httpOnly: true, sameSite: 'strict', secure: secure(req) });
    return sendPage(reply, loginPage({ csrf: token, next: q.next, error: q.expired ? 'Phiên đăng nhập đã hết hạn, anh/chị vui lòng đăng nhập lại.' : undefined }));
  });
  app.post('/admin/login', async (req, reply) => {
    const f = formBody(req.body);
    const cookieToken = req.cookies[LOGIN_CSRF];
    const ok = cookieToken !== undefined && sameSecret(f._csrf, cookieToken);
    const fresh = randomBytes(18).toString('base64url');
    reply.setCookie(LOGIN_CSRF, fresh, { path: '/admin', httpOnly: true, sameSite: 'strict', secure: secure(req) });
    if (!ok) return sendPage(reply, loginPage({ csrf: fresh, error: 'Phiên đăng nhập không hợp lệ, anh/chị vui lòng thử lại.' }), 403);
    const username = String(f.username ?? '').slice(0, 60);
    const r = await login(sql, username, String(f.password ?? '').slice(0, 200), { now: deps.clock.now(), ip: req.ip, userAgent: req.headers['user-agent'] });
    await audit(sql, { action: 'console_login', result: r.ok ? 'ok' : r.reason, actor: username || '(trống)', detail: { ip: req.ip } });
    if (!r.ok) {
      const error = r.reason === 'locked'
        ? `Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Anh/chị thử lại sau ${Math.max(1, Math.ceil(((r.lockedUntil?.getTime() ?? 0) - deps.clock.now().getTime()) / 60_000))} phút.`
        : 'Tên đăng nhập hoặc mật khẩu không đúng.';
      return sendPage(reply, loginPage({ csrf: fresh, error, username, next: f.next }), r.reason === 'locked' ? 429 : 401);
    }
    reply.setCookie(COOKIE, r.token, { path: '/admin', httpOnly: true, sameSite: 'strict', secure: secure(req), maxAge: 12 * 3600 });
    const next = typeof f.next === 'string' && /^\/admin(\/[\w\-/.?=&%]*)?$/.test(f.next) && !f.next.startsWith('/admin/login') ? f.next : '/admin';
    return reply.redirect(next, 303);
  });

  // Everything below needs a session.
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      const session = await sessionFor(sql, req.cookies[COOKIE], deps.clock.now());
      if (!session) {
        if (wantsJson(req)) return reply.status(401).send({ error: 'Phiên đăng nhập đã hết hạn.' });
        const had = !!req.cookies[COOKIE];
        const next = req.method === 'GET' ? `&next=${encodeURIComponent(req.url)}` : '';
        return reply.redirect(`/admin/login?${had ? 'expired=1' : ''}${next}`, 303);
      }
      req.adminSession = session;
    });
    // CSRF on every state-changing request (multipart uploads check their first field instead).
    scope.addHook('preHandler', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.isMultipart()) return;
      const token = (req.headers['x-csrf-token'] as string | undefined) ?? formBody(req.body)._csrf;
      if (!csrfOk(req.adminSession!, token)) {
        await audit(sql, { action: 'console_csrf', result: 'refused', actor: req.adminSession!.user.username, detail: { ip: req.ip, path: req.routeOptions.url } });
        return sendPage(reply, errorPage(null, 403, 'Yêu cầu không hợp lệ (mã bảo vệ biểu mẫu sai hoặc đã cũ). Anh/chị hãy tải lại trang và thử lại.'), 403);
      }
    });

    const helpers: ConsoleHelpers = {
      session: (req) => req.adminSession!,
      pageCtx: (req, current, flash) => ({ user: req.adminSession!.user, csrf: req.adminSession!.csrf, current, flash }),
      allow: (req, reply, page) => {
        if (can(req.adminSession!.user, page)) return true;
        if (wantsJson(req)) void reply.status(403).send({ error: 'Không có quyền.' });
        else void sendPage(reply, errorPage(helpers.pageCtx(req, 'dashboard'), 403, 'Tài khoản của anh/chị không được mở trang này.'), 403);
        return false;
      },
      record: (req, action, result, detail) => audit(sql, { action, result, actor: req.adminSession!.user.username, detail: { ...detail, ip: req.ip } }),
      sendPage,
    };
    const today = () => localDateAt(deps.clock.now());

    scope.post('/admin/logout', async (req, reply) => {
      await logout(sql, req.adminSession!.id);
      await helpers.record(req, 'console_logout', 'ok');
      reply.clearCookie(COOKIE, { path: '/admin' });
      return reply.redirect('/admin/login', 303);
    });

    scope.get('/admin', async (req, reply) => {
      const user = req.adminSession!.user;
      const programs = (await programsIn(sql, user.area.path)).filter((p) => p.files > 0);
      const wanted = (req.query as { program?: string }).program;
      const program = programs.find((p) => p.code === wanted)?.code ?? programs[0]?.code ?? null;
      let report = null;
      let backlog: Awaited<ReturnType<typeof backlogByArea>> = [];
      let error: string | undefined;
      if (program) {
        try {
          report = await progressReport(sql, { program, area: user.area.code, within: user.area.path, asOf: today() });
          backlog = await backlogByArea(sql, program, user.area, today());
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          error = e.message;
        }
      }
      return sendPage(reply, dashboardPage(helpers.pageCtx(req, 'dashboard'), { programs, program, report, backlog, today: today(), error }));
    });

    scope.get('/admin/report.xlsx', async (req, reply) => {
      const user = req.adminSession!.user;
      const program = String((req.query as { program?: string }).program ?? '');
      try {
        const report = await progressReport(sql, { program, area: user.area.code, within: user.area.path, asOf: today() });
        await helpers.record(req, 'console_report', 'ok', { program, area: user.area.code });
        return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="bao-cao-${program}-${user.area.code}-${today()}.xlsx"`)
          .send(await reportXlsx(report, { programName: (await findProgram(sql, report.program)).name }));
      } catch (e) {
        if (e instanceof UserError) return sendPage(reply, errorPage(helpers.pageCtx(req, 'dashboard'), 404, e.message), 404);
        throw e;
      }
    });

    // Imports: upload → ImportBatch + job → live progress → summary and error files.
    scope.get('/admin/imports', async (req, reply) => {
      if (!helpers.allow(req, reply, 'imports')) return reply;
      const programs = await sql.query<{ code: string; name: string }>(`SELECT code, name FROM "Program" ORDER BY code`);
      return sendPage(reply, importsPage(helpers.pageCtx(req, 'imports'), { programs, imports: await listImports(sql, req.adminSession!.user) }));
    });
    scope.post('/admin/imports', async (req, reply) => {
      if (!helpers.allow(req, reply, 'imports')) return reply;
      const session = req.adminSession!;
      const fail = async (status: number, text: string) => {
        const programs = await sql.query<{ code: string; name: string }>(`SELECT code, name FROM "Program" ORDER BY code`);
        return sendPage(reply, importsPage(helpers.pageCtx(req, 'imports', { kind: 'error', text }), { programs, imports: await listImports(sql, session.user) }), status);
      };
      if (!req.isMultipart()) return fail(400, 'Hãy chọn tệp để tải lên.');
      if (!deps.imports) return fail(503, 'Máy chủ này không chạy bộ xử lý nhập (worker). Hãy chạy "npx ansinh start" hoặc "npx ansinh worker".');
      const fields: Record<string, string> = {};
      let saved: { path: string; name: string } | null = null;
      const dir = join(deps.dataDir, 'uploads');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          if (part.fieldname === '_csrf' && !csrfOk(session, fields._csrf)) return fail(403, 'Mã bảo vệ biểu mẫu sai hoặc đã cũ; hãy tải lại trang.');
          continue;
        }
        if (!csrfOk(session, fields._csrf)) {
          part.file.resume();
          return fail(403, 'Mã bảo vệ biểu mẫu sai hoặc đã cũ; hãy tải lại trang.');
        }
        const path = join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}.upload`);
        await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
        if (part.file.truncated) return fail(413, `Tệp quá lớn; giới hạn là ${DEFAULT_MAX_BYTES / 1024 / 1024} MB. Hãy chia danh sách thành nhiều tệp.`);
        saved = { path, name: (part.filename || 'danh-sach').replace(/[^\p{L}\p{N}._ -]/gu, '_').slice(0, 120) };
      }
      if (!saved || statSync(saved.path).size === 0) return fail(400, 'Chưa chọn tệp, hoặc tệp rỗng.');
      const program = fields.program ?? '';
      const known = await sql.query(`SELECT 1 FROM "Program" WHERE code = $1`, [program]);
      if (!known.length) return fail(400, 'Hãy chọn chương trình.');
      const user = session.user;
      const importId = await createImportBatch(sql, { program, fileName: saved.name, partial: fields.partial === '1', dryRun: fields.dryRun === '1', actor: user.username, areaPath: user.area.path });
      await deps.imports.enqueue({
        importId, path: saved.path, fileName: saved.name, program, province: user.area.level === 'province' ? user.area.code : undefined,
        partial: fields.partial === '1', dryRun: fields.dryRun === '1', actor: `console:${user.username}`, outDir: join(deps.dataDir, 'imports'),
      });
      await helpers.record(req, 'console_import', 'queued', { importId, program, file: saved.name, partial: fields.partial === '1', dryRun: fields.dryRun === '1' });
      return reply.redirect(`/admin/imports/${importId}`, 303);
    });
    const importOf = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!helpers.allow(req, reply, 'imports')) return null;
      const id = Number((req.params as { id: string }).id);
      const i = Number.isInteger(id) && id > 0 ? await getImport(sql, id, req.adminSession!.user) : null;
      if (!i) {
        if (wantsJson(req)) void reply.status(404).send({ error: 'Không tìm thấy.' });
        else void sendPage(reply, errorPage(helpers.pageCtx(req, 'imports'), 404, 'Không có lần nhập này.'), 404);
      }
      return i;
    };
    scope.get('/admin/imports/:id', async (req, reply) => {
      const i = await importOf(req, reply);
      return i ? sendPage(reply, importPage(helpers.pageCtx(req, 'imports'), i)) : reply;
    });
    scope.get('/admin/api/imports/:id', async (req, reply) => {
      const i = await importOf(req, reply);
      if (!i) return reply;
      const p = deps.imports && !['committed', 'rejected', 'checked', 'failed'].includes(i.status) ? await deps.imports.progress(i.id) : null;
      const done = ['committed', 'rejected', 'checked', 'failed'].includes(i.status);
      const statusText = { queued: 'Đang chờ', running: p?.phase === 'writing' ? 'Đang ghi' : p?.phase === 'checking' ? 'Đang kiểm tra' : 'Đang đọc', committed: 'Đã nhập', rejected: 'Có lỗi, không nhập', checked: 'Đã kiểm tra', failed: 'Không đọc được tệp' }[i.status] ?? i.status;
      return { id: i.id, status: i.status, statusText, done, rows: p?.rows ?? i.rowsRead, percent: done ? 100 : p && p.bytes ? Math.round((100 * p.bytesRead) / p.bytes) : null };
    });
    scope.get('/admin/imports/:id/errors.:ext', async (req, reply) => {
      const i = await importOf(req, reply);
      if (!i) return reply;
      const ext = (req.params as { ext: string }).ext;
      const file = i.errorDir && (ext === 'csv' || ext === 'xlsx') ? join(i.errorDir, `errors.${ext}`) : null;
      if (!file || !existsSync(file)) return sendPage(reply, errorPage(helpers.pageCtx(req, 'imports'), 404, 'Lần nhập này không có tệp lỗi.'), 404);
      await helpers.record(req, 'console_import_errors', 'ok', { importId: i.id, ext });
      return reply.type(ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="loi-nhap-${i.id}.${ext}"`).send(createReadStream(file));
    });

    // Officers: invite codes and the list, within the user's area.
    const roleOptions = (req: FastifyRequest) => {
      const all = [{ value: 'commune', label: 'Cán bộ xã' }, { value: 'district', label: 'Cán bộ huyện' }, { value: 'province', label: 'Cán bộ tỉnh' }];
      const level = req.adminSession!.user.area.level;
      return all.filter((r) => level === 'province' || (level === 'district' && r.value !== 'province'));
    };
    scope.get('/admin/officers', async (req, reply) => {
      if (!helpers.allow(req, reply, 'officers')) return reply;
      return sendPage(reply, officersPage(helpers.pageCtx(req, 'officers'), { officers: await officersIn(sql, req.adminSession!.user.area.path), roles: roleOptions(req) }));
    });
    scope.post('/admin/officers/invite', async (req, reply) => {
      if (!helpers.allow(req, reply, 'officers')) return reply;
      const f = formBody(req.body);
      const user = req.adminSession!.user;
      const render = async (status: number, flash: PageCtx['flash'], invite?: Parameters<typeof officersPage>[1]['invite']) =>
        sendPage(reply, officersPage(helpers.pageCtx(req, 'officers', flash), { officers: await officersIn(sql, user.area.path), roles: roleOptions(req), invite }), status);
      const role = String(f.role ?? '');
      if (!roleOptions(req).some((r) => r.value === role)) return render(400, { kind: 'error', text: 'Vai trò không hợp lệ.' });
      const [area] = await sql.query<{ code: string; name: string; level: string; path: string }>(`SELECT code, name, level, path FROM "Area" WHERE code = $1 AND scheme = '2008'`, [String(f.area ?? '').trim()]);
      if (!area || !area.path.startsWith(user.area.path)) return render(400, { kind: 'error', text: `Không có đơn vị mã "${String(f.area ?? '').slice(0, 10)}" trong phạm vi của anh/chị.` });
      if (area.level !== role) return render(400, { kind: 'error', text: `Cán bộ ${role === 'commune' ? 'xã' : role === 'district' ? 'huyện' : 'tỉnh'} cần mã đơn vị cấp ${role === 'commune' ? 'xã (5 số)' : role === 'district' ? 'huyện (3 số)' : 'tỉnh (2 số)'}; ${area.name} là cấp khác.` });
      const inv = await createInvite(sql, deps.keys, { role, areaCode: area.code, name: String(f.name ?? '').trim().slice(0, 80) || undefined, createdBy: `console:${user.username}`, now: deps.clock.now() });
      await helpers.record(req, 'console_officer_invite', 'ok', { role, area: area.code });
      return render(200, null, { code: inv.code, expiresAt: inv.expiresAt, area: `${area.name} (${area.code})`, role });
    });

    scope.get('/admin/tickets', async (req, reply) => {
      if (!helpers.allow(req, reply, 'tickets')) return reply;
      const user = req.adminSession!.user;
      return sendPage(reply, ticketsPage(helpers.pageCtx(req, 'tickets'), await ticketsIn(sql, user.area.path, user.area.level === 'province')));
    });

    scope.get('/admin/audit', async (req, reply) => {
      if (!helpers.allow(req, reply, 'audit')) return reply;
      const q = req.query as { action?: string; from?: string; to?: string; before?: string };
      const filter = { action: q.action?.slice(0, 60) || undefined, from: q.from && isLocalDate(q.from) ? q.from : undefined, to: q.to && isLocalDate(q.to) ? q.to : undefined };
      const before = q.before && /^\d{1,19}$/.test(q.before) ? q.before : undefined;
      const rows = await auditLog(sql, { ...filter, before, limit: 100 });
      const params = new URLSearchParams(Object.entries({ ...filter, before: rows.at(-1)?.id }).filter(([, v]) => v) as [string, string][]);
      return sendPage(reply, auditPage(helpers.pageCtx(req, 'audit'), { rows, actions: await auditActions(sql), filter, next: rows.length === 100 ? params.toString() : null }));
    });

    if (deps.board) {
      await scope.register(async (board) => {
        board.addHook('onRequest', async (req, reply) => {
          if (!req.adminSession || !can(req.adminSession.user, 'queues')) return sendPage(reply, errorPage(null, 403, 'Chỉ quản trị viên được xem hàng đợi.'), 403);
          // Bull Board's own page needs inline styles and scripts.
          reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
        });
        await deps.board!(board, '/admin/queues');
      });
    }
    for (const section of deps.sections ?? []) await section(scope, helpers);
  });
}
