/**
 * A broadcast from the console to a few hundred opted-in citizens on the fake Telegram and Zalo,
 * plus a web chat open in the browser, in Chromium: compose, preview, send (twice: a double
 * click), watch the progress finish; every recipient gets exactly one message; the web chat
 * shows it; its verification code is confirmed by the bot. Screenshots in test-results/screenshots/.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminUser } from '../../src/console/admin-auth.js';
import { consoleBroadcasts } from '../../src/http/routes/console-broadcasts.js';
import { broadcastPreviewOptions, resumeAndSend, sendBroadcast } from '../../src/jobs/broadcast-jobs.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';
import { startPlatforms, type Platforms } from '../helpers/platforms.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'mat-khau-quan-tri-2026';
const TELEGRAM = 200;
const ZALO = 100;

let rt: TestRuntime;
let p: Platforms;
let browser: Browser;
let url: string;

beforeAll(async () => {
  rt = await seededRuntime();
  await createAdminUser(rt.db.sql, { username: 'admin', name: 'Quản trị Long An', password: PASSWORD, role: 'admin', areaCode: '80' });
  const jobs = { enqueue: (id: number) => p.worker.broadcasts.enqueue(id) };
  p = await startPlatforms(rt, { broadcastCron: '* * * * * *' }, {
    console: {
      keys: rt.keys, clock: rt.clock, dataDir: mkdtempSync(join(tmpdir(), 'ansinh-e2e-bc-')), imports: null,
      sections: [consoleBroadcasts({
        sql: rt.db.sql, keys: rt.keys, clock: rt.clock,
        send: (id, actor) => sendBroadcast(rt.db.sql, jobs, id, actor),
        resume: (id, actor) => resumeAndSend(rt.db.sql, jobs, id, actor),
        previewOptions: (allowZns) => broadcastPreviewOptions(p.adapters, rt.clock.now(), allowZns),
      })],
    },
  });
  url = p.base.replace('127.0.0.1', 'localhost');
  // Opted-in citizens of Long An on Telegram and Zalo, each bound to a person there; Zalo users wrote
  // within the last 7 days (inside the free window).
  await rt.db.sql.query(
    `WITH people AS (SELECT p.id, row_number() OVER (ORDER BY p.id) AS n FROM "Person" p JOIN "Area" a ON a.id = p."communeId"
                     JOIN "Area" pr ON a.path LIKE pr.path || '%' AND pr.code = '80' AND pr.scheme = '2008' LIMIT $1::int + $2::int),
     ids AS (INSERT INTO "ChannelIdentity" (channel, "externalId", notify, "lastInboundAt", "updatedAt")
             SELECT CASE WHEN n <= $1::int THEN 'telegram' ELSE 'zalo' END, CASE WHEN n <= $1::int THEN (8000000 + n)::text ELSE (900000000000000000 + n)::text END, true, $3::timestamptz, now()
             FROM people ORDER BY n RETURNING id, "externalId")
     INSERT INTO "Binding" ("identityId", "personId")
     SELECT ids.id, people.id FROM ids JOIN people ON (CASE WHEN people.n <= $1::int::int THEN (8000000 + people.n)::text ELSE (900000000000000000 + people.n)::text END) = ids."externalId"`,
    [TELEGRAM, ZALO, new Date(rt.clock.now().getTime() - 86_400_000)],
  );
  // The fake Zalo keeps its own record of who wrote to the OA lately (its 7-day window).
  for (let i = 1; i <= ZALO; i++) p.zl.interactions.set(String(900000000000000000n + BigInt(TELEGRAM + i)), Date.now() - 86_400_000);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await p?.stop();
  await rt?.teardown();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

/** A citizen in the web chat looks themselves up and asks for notifications. */
async function optInOnTheWeb(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN' })).newPage();
  await page.goto(`${url}/chat`);
  await page.locator('.msg.bot').first().waitFor();
  const person = rt.samples.find((s) => s.program === 'NQ68-2021' && /^\d\d\/\d\d\/\d{4}$/.test(s.dateOfBirth))!;
  for (const text of [`${person.idNumber} ${person.dateOfBirth}`, 'nhận thông báo']) {
    const n = await page.locator('.msg.bot').count();
    await page.fill('#text', text);
    await page.click('#send');
    await page.waitForFunction((k) => document.querySelectorAll('.msg.bot').length > k, n);
  }
  expect(await page.locator('.msg.bot').last().textContent()).toMatch(/Đã bật thông báo/);
  return page;
}

describe('a broadcast from the console, in Chromium', () => {
  it('reaches every opted-in recipient exactly once, shows live progress, and the web chat receives it', async () => {
    const chat = await optInOnTheWeb();
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' })).newPage();
    await admin.goto(`${url}/admin/login`);
    await admin.fill('input[name=username]', 'admin');
    await admin.fill('input[name=password]', PASSWORD);
    await Promise.all([admin.waitForURL(`${url}/admin`), admin.click('button:has-text("Đăng nhập")')]);
    await admin.click('a:has-text("Thông báo chung")');

    // Empty text is refused with a reason, and nothing is saved.
    await admin.click('button:has-text("Lưu và xem trước")');
    expect(await admin.locator('textarea[name=textVi]:invalid').count()).toBe(1); // the browser's own check first
    await admin.fill('textarea[name=textVi]', '<b>Thông báo</b>: UBND tỉnh chi trả đợt 2 từ ngày 01/12/2026 tại UBND xã. Quý vị mang theo CCCD.');
    await admin.fill('input[name=titleVi]', 'Chi trả đợt 2');
    await admin.selectOption('select[name=program]', 'NQ68-2021');
    await Promise.all([admin.waitForURL(/\/admin\/broadcasts\/\d+$/), admin.click('button:has-text("Lưu và xem trước")')]);
    const total = TELEGRAM + ZALO + 1;
    expect(await admin.textContent('[data-preview-total]')).toBe(total.toLocaleString('vi-VN'));
    const code = (await admin.textContent('b.mono'))!;
    await shot(admin, 'console-broadcast-preview');

    // A double click on "send" starts it once.
    await admin.dblclick('button:has-text("Gửi ngay")');
    await admin.waitForSelector('[data-field="status"]:has-text("Đã gửi xong")', { timeout: 120_000 });
    await shot(admin, 'console-broadcast-done');
    expect(await admin.textContent('[data-count="sent"]')).toBe(total.toLocaleString('vi-VN'));

    const tgTexts = Array.from({ length: TELEGRAM }, (_, i) => p.tg.sentTo(8000001 + i).filter((m) => m.text.includes(code)));
    expect(tgTexts.every((m) => m.length === 1)).toBe(true);
    expect(tgTexts[0]![0]!.text).toContain('<b>Thông báo</b>'); // sent as plain text, never as markup
    const zlTexts = Array.from({ length: ZALO }, (_, i) => p.zl.sentTo(String(900000000000000000n + BigInt(TELEGRAM + i + 1))).filter((m) => m.text.includes(code)));
    expect(zlTexts.every((m) => m.length === 1)).toBe(true);
    await waitFor(async () => ((await chat.locator('.msg.bot').allTextContents()).some((t) => t.includes(code))), 15_000, 'the broadcast in the web chat');
    await shot(chat, 'webchat-broadcast');

    // The bot confirms the code is genuine when a citizen forwards it.
    const n = await chat.locator('.msg.bot').count();
    await chat.fill('#text', `Có phải tin này của ansinh không? Mã ${code}`);
    await chat.click('#send');
    await chat.waitForFunction((k) => document.querySelectorAll('.msg.bot').length > k, n);
    expect(await chat.locator('.msg.bot').last().textContent()).toMatch(/là thật|genuine/i);
  }, 240_000);
});
