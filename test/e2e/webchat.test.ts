/**
 * The web chat as a citizen uses it, in Chromium (playwright-core with Debian's chromium), on a
 * phone-sized screen. Screenshots go to test-results/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SHOTS } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createAdapters } from '../../bots/registry.js';
import { seededRuntime, type TestRuntime } from '../helpers/runtime.js';


let rt: TestRuntime;
let app: FastifyInstance;
let url: string;
let browser: Browser;

beforeAll(async () => {
  rt = await seededRuntime();
  app = await buildApp({ engine: rt.engine, prisma: rt.db.prisma, sql: rt.db.sql, adapters: createAdapters(), log: rt.log, relayIntervalMs: 200 });
  url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('127.0.0.1', 'localhost');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await rt?.teardown();
});

async function openChat(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN' });
  const page = await context.newPage();
  await page.goto(`${url}/chat`);
  await page.locator('.msg.bot').first().waitFor();
  return page;
}

async function send(page: Page, text: string): Promise<string> {
  const before = await page.locator('.msg.bot').count();
  await page.fill('#text', text);
  await page.click('#send');
  await page.waitForFunction((n) => document.querySelectorAll('.msg.bot').length > n, before);
  return (await page.locator('.msg.bot').last().textContent()) ?? '';
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
const masked = (name: string) => name.split(' ')[0]!.toLocaleUpperCase('vi-VN');

describe('web chat in Chromium', () => {
  it('"tra cuu" → ID → date of birth → status', async () => {
    const p = rt.samples.find((s) => s.group === 'la-freelancer' && s.status === 'in_review')!;
    const page = await openChat();
    expect(await page.locator('.buttons button').first().textContent()).toBe('Tra cứu hồ sơ');
    expect(await send(page, 'tra cuu')).toMatch(/nhập số CCCD/);
    expect(await send(page, p.idNumber)).toContain(`***${p.idNumber.slice(-4)}`);
    const status = await send(page, p.dateOfBirth);
    expect(status).toContain(masked(p.name));
    expect(status).toMatch(/Hạn xử lý theo quy định: \d\d\/\d\d\/\d{4}/);
    await shot(page, '1-lookup-step-by-step');
    await page.context().close();
  });

  it('everything in one message without diacritics', async () => {
    const p = rt.samples.find((s) => s.status === 'paid')!;
    const page = await openChat();
    const status = await send(page, `kiem tra tien ho tro so cccd ${p.idNumber} ngay sinh ${p.dateOfBirth}`);
    expect(status).toMatch(/Đã chi trả ngày/);
    await shot(page, '2-lookup-one-message');
    await page.context().close();
  });

  it('a wrong date gets the uniform reply, and the sixth failure locks the chat', async () => {
    const p = rt.samples.find((s) => s.status === 'rejected')!;
    const page = await openChat();
    const year = p.dateOfBirth.slice(-4);
    const unknown = await send(page, `094190000123 01/01/1990`);
    const replies: string[] = [];
    for (let i = 1; i <= 5; i++) replies.push(await send(page, `${p.idNumber} 0${i}/02/${year}`));
    expect(replies[0]).toBe(unknown); // wrong date = unknown person
    expect(replies[4]).toMatch(/tạm khóa đến/); // the sixth failure of this chat
    await shot(page, '3-lockout');
    await page.context().close();
  });

  it('answers the lottery-seller question', async () => {
    const page = await openChat();
    expect(await send(page, 'ban ve so co duoc ho tro khong')).toMatch(/vé số lưu động.*900\.000 đ/s);
    await shot(page, '4-faq-lottery');
    await page.context().close();
  });

  it('shows HTML as text, never as markup', async () => {
    const page = await openChat();
    await send(page, '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>');
    expect(await page.locator('.msg.me').last().textContent()).toContain('<img src=x');
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { hacked?: number }).hacked)).toBeUndefined();
    await page.context().close();
  });

  it('pushes a notice to a chat bound earlier when another chat binds the same person', async () => {
    const p = rt.samples.filter((s) => s.status === 'paid' && !/^\d{4}$/.test(s.dateOfBirth)).at(-1)!;
    const first = await openChat();
    await send(first, `${p.idNumber} ${p.dateOfBirth}`);
    const second = await openChat();
    await send(second, `${p.idNumber} ${p.dateOfBirth}`);
    await first.locator('.msg.push').first().waitFor({ timeout: 10_000 });
    expect(await first.locator('.msg.push').first().textContent()).toMatch(/liên kết với một cuộc trò chuyện khác/);
    await shot(first, '5-binding-notice');
    await first.context().close();
    await second.context().close();
  });

  it('opens its push stream again after the server refused it with 503 (database down)', async () => {
    const p = rt.samples.filter((s) => s.status === 'paid' && !/^\d{4}$/.test(s.dateOfBirth)).at(-2)!;
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN' });
    let streams = 0;
    await context.route('**/api/chat/events', (route) =>
      ++streams === 1 ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"busy"}' }) : route.continue(),
    );
    const first = await context.newPage();
    await first.goto(`${url}/chat`);
    await send(first, `${p.idNumber} ${p.dateOfBirth}`);
    await expect.poll(() => streams, { timeout: 15_000 }).toBe(2);
    const second = await openChat();
    await send(second, `${p.idNumber} ${p.dateOfBirth}`);
    await first.locator('.msg.push').first().waitFor({ timeout: 10_000 });
    expect(await first.locator('.msg.push').first().textContent()).toMatch(/liên kết với một cuộc trò chuyện khác/);
    await context.close();
    await second.context().close();
  });
});
