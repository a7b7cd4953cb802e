/**
 * The admin console through HTTP (app.inject): sign-in, lockout, sessions, CSRF, roles and
 * area scope on pages and APIs, the dashboard against the report, an import from upload to
 * summary through the real job queue, officer invites, the audit log.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRuntime, type TestRuntime, AS_OF } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';
import { buildApp } from '../../src/http/app.js';
import { createAdapters } from '../../bots/registry.js';
import { createAdminUser, LOCK_AFTER } from '../../src/console/admin-auth.js';
import { ImportJobs } from '../../src/jobs/import-queue.js';
import { queueBoard } from '../../src/jobs/board.js';
import { importListFile } from '../../src/imports/import.service.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { progressReport } from '../../src/reports/progress-report.js';
import { formatCount } from '../../src/shared/format.js';
import { officersIn } from '../../src/console/console-data.js';
import { Excel } from '../../src/shared/exceljs.js';
import { XLSX_LAYOUT } from '../../src/reports/report-files.js';
import { cccd, writeCsv } from '../imports/files.js';

const PASSWORD = 'mat-khau-rat-dai-2026';

/** A browser: keeps cookies, reads the CSRF token from the last page. */
class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly app: FastifyInstance) {}
  private remember(r: LightMyRequestResponse) {
    for (const c of r.cookies) c.value ? this.cookies.set(c.name, c.value) : this.cookies.delete(c.name);
    const m = /name="_csrf" value="([^"]+)"/.exec(r.body);
    if (m) this.csrf = m[1]!;
    return r;
  }
  private get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(url: string) {
    return this.remember(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookie } }));
  }
  async post(url: string, form: Record<string, string>, opts: { csrf?: string | null } = {}) {
    const body = new URLSearchParams({ ...(opts.csrf === null ? {} : { _csrf: opts.csrf ?? this.csrf }), ...form }).toString();
    return this.remember(await this.app.inject({ method: 'POST', url, payload: body, headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' } }));
  }
  async upload(url: string, fields: Record<string, string>, file: { name: string; content: Buffer }) {
    const boundary = '----ansinh' + Math.random().toString(16).slice(2);
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries({ _csrf: this.csrf, ...fields })) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), file.content, Buffer.from(`\r\n--${boundary}--\r\n`));
    return this.remember(await this.app.inject({ method: 'POST', url, payload: Buffer.concat(parts), headers: { cookie: this.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` } }));
  }
  async login(username: string, password = PASSWORD) {
    await this.get('/admin/login');
    return this.post('/admin/login', { username, password });
  }
}

describe('admin console', () => {
  let rt: TestRuntime;
  let app: FastifyInstance;
  let jobs: ImportJobs;
  let dataDir: string;

  beforeAll(async () => {
    rt = await seededRuntime();
    dataDir = mkdtempSync(join(tmpdir(), 'ansinh-console-'));
    await createAdminUser(rt.db.sql, { username: 'tinh', name: 'Nguyễn Văn Tỉnh', password: PASSWORD, role: 'province', areaCode: '80' });
    await createAdminUser(rt.db.sql, { username: 'canboxa', name: 'Lê Thị Xã', password: PASSWORD, role: 'commune', areaCode: '27694' });
    await createAdminUser(rt.db.sql, { username: 'khoa', name: 'Khóa Thử', password: PASSWORD, role: 'admin', areaCode: '94' });
    jobs = new ImportJobs({ redisUrl: rt.config.redisUrl, prefix: rt.prefix, log: rt.log });
    const calendar = await loadWorkingCalendar(rt.db.prisma);
    jobs.start((d, progress) => importListFile({ sql: rt.db.sql, keys: rt.keys, calendar, clock: rt.clock, log: rt.log }, d.path, { ...d, via: 'console', onProgress: progress }));
    app = await buildApp({
      engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: createAdapters(rt.config, { sql: rt.db.sql, keys: rt.keys }), log: rt.log,
      console: { keys: rt.keys, clock: rt.clock, dataDir, imports: jobs, board: queueBoard({ redisUrl: rt.config.redisUrl, prefix: rt.prefix, channels: ['telegram'] }) },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await jobs?.close();
    await rt?.teardown();
  });

  it('should send a visitor without a session to the sign-in page, and refuse the API', async () => {
    const b = new Browser(app);
    const r = await b.get('/admin/imports');
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/admin/login?&next=%2Fadmin%2Fimports');
    expect((await b.get('/admin/api/imports/1')).statusCode).toBe(401);
    const page = await b.get('/admin/login');
    expect(page.body).toContain('Đăng nhập');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('should sign in with a session cookie that scripts cannot read and other sites cannot send', async () => {
    const b = new Browser(app);
    const r = await b.login('tinh');
    expect(r.statusCode).toBe(303);
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/ansinh_admin=[\w-]{40,}; Max-Age=43200; Path=\/admin; HttpOnly; Secure; SameSite=Strict/);
    const home = await b.get('/admin');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Nguyễn Văn Tỉnh · Cấp tỉnh · Tỉnh Long An');
  });

  it('should lock an account after repeated wrong passwords, say so without telling which part was wrong, and let it in after the lock', async () => {
    const b = new Browser(app);
    const unknown = await b.login('khong-co-ai', 'sai-mat-khau-123');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toContain('Tên đăng nhập hoặc mật khẩu không đúng.');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await b.login('khoa', `sai-${i}-mat-khau`)).statusCode);
    expect(statuses.slice(0, LOCK_AFTER - 1)).toEqual(Array(LOCK_AFTER - 1).fill(401));
    expect(statuses.slice(LOCK_AFTER - 1)).toEqual(Array(10 - LOCK_AFTER + 1).fill(429));
    const locked = await b.login('khoa');
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toMatch(/Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần\. Anh\/chị thử lại sau \d+ phút\./);
    rt.clock.advance(16 * 60_000);
    expect((await b.login('khoa')).statusCode).toBe(303);
    const logins = await rt.db.sql.query<{ result: string; n: number }>(`SELECT result, count(*)::int AS n FROM "AuditEvent" WHERE action = 'console_login' AND actor = 'khoa' GROUP BY result ORDER BY result`);
    expect(logins).toEqual([{ result: 'bad', n: 4 }, { result: 'locked', n: 7 }, { result: 'ok', n: 1 }]);
  });

  it('should refuse a forged or missing CSRF token and a login form without its token', async () => {
    const b = new Browser(app);
    await b.login('tinh');
    const forged = await b.post('/admin/officers/invite', { role: 'commune', area: '27694' }, { csrf: 'forged-token' });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('mã bảo vệ biểu mẫu sai');
    expect((await b.post('/admin/officers/invite', { role: 'commune', area: '27694' }, { csrf: null })).statusCode).toBe(403);
    const other = new Browser(app);
    const r = await other.post('/admin/login', { username: 'tinh', password: PASSWORD }, { csrf: 'x' });
    expect(r.statusCode).toBe(403);
    // A forged login token as long as the real one but in other letters (more bytes): refused, not a 500.
    await other.get('/admin/login');
    const lookalike = 'ệ'.repeat(other.cookies.get('ansinh_login')!.length);
    expect((await other.post('/admin/login', { username: 'khong-ai', password: PASSWORD }, { csrf: lookalike })).statusCode).toBe(403);
    expect(await rt.db.sql.query(`SELECT 1 FROM "AuditEvent" WHERE action = 'console_csrf' AND actor = 'tinh'`)).toHaveLength(2);
  });

  it('should end a session after 30 idle minutes', async () => {
    const b = new Browser(app);
    await b.login('tinh');
    expect((await b.get('/admin')).statusCode).toBe(200);
    rt.clock.advance(31 * 60_000);
    const r = await b.get('/admin');
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toMatch(/^\/admin\/login\?expired=1/);
    expect((await b.get('/admin/login?expired=1')).body).toContain('Phiên đăng nhập đã hết hạn');
  });

  it('should show the dashboard figures of the report for the user\'s area, and keep a commune viewer in their commune', async () => {
    const b = new Browser(app);
    await b.login('tinh');
    const page = (await b.get('/admin?program=NQ68-2021')).body;
    const report = await progressReport(rt.db.sql, { program: 'NQ68-2021', area: '80', asOf: AS_OF });
    expect(page).toContain(`data-total="approved">${formatCount(report.total.approved)}<`);
    expect(page).toContain(`data-total="paid">${formatCount(report.total.paid)}<`);
    expect(page).toContain('<svg class="chart"');
    expect(page).toContain('Hồ sơ tồn đọng theo đơn vị');

    const x = new Browser(app);
    await x.login('canboxa');
    const own = (await x.get('/admin?program=NQ68-2021')).body;
    const mine = await progressReport(rt.db.sql, { program: 'NQ68-2021', area: '27694', asOf: AS_OF });
    expect(own).toContain(`data-total="paid">${formatCount(mine.total.paid)}<`);
    expect(own).not.toContain('Nhập danh sách</a>');
    expect((await x.get('/admin/imports')).statusCode).toBe(403);
    expect((await x.get('/admin/officers')).statusCode).toBe(403);
    expect((await x.get('/admin/audit')).statusCode).toBe(403);
    expect((await x.get('/admin/api/imports/1')).statusCode).toBe(403);
    expect((await x.get('/admin/queues')).statusCode).toBe(403);
    const admin = new Browser(app);
    await admin.login('khoa');
    const board = await admin.get('/admin/queues');
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('ansinh');
    const xlsx = await x.get('/admin/report.xlsx?program=NQ68-2021');
    expect(xlsx.statusCode).toBe(200);
    // Titled with the program's name, as the command line's report is.
    const wb = new Excel.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as never);
    const [program] = await rt.db.sql.query<{ name: string }>(`SELECT name FROM "Program" WHERE code = 'NQ68-2021'`);
    expect(String(wb.worksheets[0]!.getCell(XLSX_LAYOUT.titleRow, 1).value)).toContain(program!.name.toLocaleUpperCase('vi-VN'));
    expect(xlsx.headers['content-disposition']).toContain('27694');
  });

  it('should import an uploaded list through the job queue, show progress and the summary, and offer the error files', async () => {
    const b = new Browser(app);
    await b.login('tinh');
    await b.get('/admin/imports');
    const good = { name: 'Đỗ Văn Nhập', dob: '01/02/1983', id: cccd('80', 1983, 'M', 901), commune: '27694', group: 'i5-work-stoppage' };
    const bad = { ...good, name: 'Đỗ Sai', gender: 'Nữ', id: cccd('80', 1983, 'M', 902) };
    const path = writeCsv(dataDir, 'tai-len.csv', [good, bad]);
    const r = await b.upload('/admin/imports', { program: 'NQ68-2021', partial: '1' }, { name: 'tai-len.csv', content: readFileSync(path) });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(303);
    const url = r.headers.location as string;
    const id = Number(url.split('/').pop());
    await waitFor(async () => (await b.get(`/admin/api/imports/${id}`)).json().done === true, 30_000);
    const status = (await b.get(`/admin/api/imports/${id}`)).json();
    expect(status).toMatchObject({ status: 'committed', statusText: 'Đã nhập', percent: 100, rows: 2 });
    const page = (await b.get(url)).body;
    expect(page).toContain('hợp lệ 1 · có lỗi 1');
    expect(page).toContain('khác cột Giới tính (Nữ)');
    const errors = await b.get(`/admin/imports/${id}/errors.csv`);
    expect(errors.statusCode).toBe(200);
    // Another province's account (an admin of Sóc Trăng) neither lists nor opens it.
    const other = new Browser(app);
    await other.login('khoa');
    expect((await other.get('/admin/imports')).body).not.toContain(`/admin/imports/${id}"`);
    expect((await b.get('/admin/imports')).body).toContain(`/admin/imports/${id}"`);
    for (const u of [url, `/admin/api/imports/${id}`, `/admin/imports/${id}/errors.csv`]) expect((await other.get(u)).statusCode, u).toBe(404);
    expect(errors.body).toContain('Giới tính');
    const audit = await rt.db.sql.query<{ detail: { importId: number } }>(`SELECT detail FROM "AuditEvent" WHERE action = 'console_import' AND actor = 'tinh'`);
    expect(audit.map((a) => a.detail.importId)).toContain(id);
    // An upload without the form token is refused before the file is read.
    b.csrf = 'forged';
    expect((await b.upload('/admin/imports', { program: 'NQ68-2021' }, { name: 'x.csv', content: readFileSync(path) })).statusCode).toBe(403);
  }, 60_000);

  it('should create officer invite codes only inside the user\'s area, and list officers', async () => {
    const b = new Browser(app);
    await b.login('tinh');
    await b.get('/admin/officers');
    const ok = await b.post('/admin/officers/invite', { role: 'commune', area: '27694', name: 'Cán bộ Phường 1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/Mã mời <b class="code">CB-[0-9A-Z]{4}-[0-9A-Z]{4}<\/b>/);
    const outside = await b.post('/admin/officers/invite', { role: 'commune', area: '31498' }); // a Sóc Trăng commune
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain('trong phạm vi của anh/chị');
    const wrongLevel = await b.post('/admin/officers/invite', { role: 'district', area: '27694' });
    expect(wrongLevel.body).toContain('Cán bộ huyện cần mã đơn vị cấp huyện');

    // An officer with one blocked chat of two and three digests: blocked 1, not once per digest.
    const [area] = await rt.db.sql.query<{ id: number; path: string }>(`SELECT id, path FROM "Area" WHERE code = '27694' AND scheme = '2008'`);
    const [o] = await rt.db.sql.query<{ id: number }>(`INSERT INTO "Officer" (name, role, "areaId", "updatedAt") VALUES ('Cán bộ đếm kênh', 'commune', $1, now()) RETURNING id`, [area!.id]);
    await rt.db.sql.query(`INSERT INTO "ChannelIdentity" (channel, "externalId", "officerId", blocked, "updatedAt") VALUES ('telegram', 'count-1', $1, true, now()), ('zalo', 'count-2', $1, false, now())`, [o!.id]);
    await rt.db.sql.query(`INSERT INTO "Digest" ("officerId", date, summary) SELECT $1, d::date, '{}' FROM generate_series('2026-11-18'::date, '2026-11-20'::date, '1 day') d`, [o!.id]);
    const row = (await officersIn(rt.db.sql, area!.path)).find((r) => r.id === o!.id)!;
    expect(row).toMatchObject({ channels: 'telegram, zalo', blocked: 1, lastDigest: '20/11/2026' });
    expect((await b.get('/admin/officers')).body).toContain('Cán bộ đếm kênh');
  });

  it('should list admin actions in the audit log (admins only: it spans every area) without clear ID numbers, and escape what it shows', async () => {
    const province = new Browser(app);
    await province.login('tinh');
    expect((await province.get('/admin/audit')).statusCode).toBe(403);
    const b = new Browser(app);
    await b.login('khoa');
    await b.login('<script>alert(1)</script>', 'x');
    await b.login('khoa');
    const page = (await b.get('/admin/audit?action=console_login')).body;
    expect(page).toContain('console_login');
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const s of rt.samples) expect(page).not.toContain(s.idNumber);
  });
});
