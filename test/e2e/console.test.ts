/**
 * The admin console as a provincial admin uses it, in Chromium (playwright-core with Debian's
 * chromium): sign in, see the dashboard match the report, upload the demo's sample list and
 * watch the import finish, a phone-sized screen. Screenshots go to test-results/screenshots/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createAdapters } from '../../bots/registry.js';
import { createAdminUser } from '../../src/console/admin-auth.js';
import { ImportJobs } from '../../src/jobs/import-queue.js';
import { importListFile } from '../../src/imports/import.service.js';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.js';
import { progressReport } from '../../src/reports/progress-report.js';
import { writeSampleList } from '../../src/seed/sample-list.js';
import { formatCount } from '../../src/shared/format.js';
import { seededRuntime, type TestRuntime, AS_OF } from '../helpers/runtime.js';

const PASSWORD = 'mat-khau-quan-tri-2026';

let rt: TestRuntime;
let app: FastifyInstance;
let jobs: ImportJobs;
let url: string;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  rt = await seededRuntime();
  dataDir = mkdtempSync(join(tmpdir(), 'ansinh-e2e-console-'));
  await createAdminUser(rt.db.sql, { username: 'admin', name: 'Quản trị Long An', password: PASSWORD, role: 'admin', areaCode: '80' });
  jobs = new ImportJobs({ redisUrl: rt.config.redisUrl, prefix: rt.prefix, log: rt.log });
  const calendar = await loadWorkingCalendar(rt.db.prisma);
  jobs.start((d, progress) => importListFile({ sql: rt.db.sql, keys: rt.keys, calendar, clock: rt.clock, log: rt.log }, d.path, { ...d, via: 'console', onProgress: progress }));
  app = await buildApp({
    engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: createAdapters(rt.config, { sql: rt.db.sql, keys: rt.keys }), log: rt.log,
    console: { keys: rt.keys, clock: rt.clock, dataDir, imports: jobs },
  });
  url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('127.0.0.1', 'localhost');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await jobs?.close();
  await rt?.teardown();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

async function signIn(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'vi-VN' });
  const page = await context.newPage();
  await page.goto(`${url}/admin`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${url}/admin`), page.click('button:has-text("Đăng nhập")')]);
  return page;
}

describe('admin console in Chromium', () => {
  it('signs in and shows the dashboard with the report\'s numbers', async () => {
    const page = await signIn();
    await page.selectOption('select[name=program]', 'NQ68-2021');
    await page.waitForURL(/program=NQ68-2021/);
    const report = await progressReport(rt.db.sql, { program: 'NQ68-2021', area: '80', asOf: AS_OF });
    expect(await page.textContent('[data-total="approved"]')).toBe(formatCount(report.total.approved));
    expect(await page.textContent('[data-total="paid"]')).toBe(formatCount(report.total.paid));
    expect(await page.locator('table.report tbody tr').count()).toBe(report.rows.length);
    expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(0);
    await shot(page, 'console-dashboard');
    await page.context().close();
  });

  it('uploads the sample list, watches the import finish and sees the new files counted', async () => {
    const page = await signIn();
    const before = await progressReport(rt.db.sql, { program: 'NQ68-2021', area: '80', asOf: AS_OF });
    const sample = (await writeSampleList(dataDir, ['27685', '27691', '27692', '27694'], { sql: rt.db.sql, idKey: rt.keys.id }))!;
    await page.click('a:has-text("Nhập danh sách")');
    await page.selectOption('select[name=program]', 'NQ68-2021');
    await page.setInputFiles('input[name=file]', sample);
    await Promise.all([page.waitForURL(/\/admin\/imports\/\d+$/), page.click('button:has-text("Tải lên và nhập")')]);
    await page.waitForSelector('text=Đã nhập', { timeout: 30_000 });
    expect(await page.textContent('main')).toContain('hợp lệ 40 · có lỗi 0');
    await shot(page, 'console-import-done');
    const after = await progressReport(rt.db.sql, { program: 'NQ68-2021', area: '80', asOf: AS_OF });
    expect(after.total.people).toBe(before.total.people + 40);
    await page.click('a:has-text("Tổng quan")');
    await page.selectOption('select[name=program]', 'NQ68-2021');
    await page.waitForURL(/program=NQ68-2021/);
    expect(await page.textContent('[data-total="paid"]')).toBe(formatCount(after.total.paid));
    await page.context().close();
  }, 60_000);

  it('works on a phone-sized screen', async () => {
    const page = await signIn({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(page, 'console-phone');
    await page.context().close();
  });
});
