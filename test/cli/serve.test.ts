/**
 * `ansinh serve` as an operator runs it: it prints its URL, serves the web chat and /healthz,
 * answers Telegram by long polling when configured so, and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram.js';
import { textUpdate } from '../fixtures/telegram/updates.js';

const ROOT = resolve(import.meta.dirname, '../..');
const fake = new FakeTelegram();
afterAll(() => fake.stop());

describe('ansinh serve', () => {
  it('should serve the chat, answer Telegram by polling, and stop on SIGTERM', async () => {
    const apiRoot = await fake.start();
    const child = spawn(process.execPath, [join(ROOT, 'bin/ansinh.js'), 'serve', '--port', '0'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp',
        ANSINH_DATA_DIR: mkdtempSync(join(tmpdir(), 'ansinh-serve-')), ANSINH_REDIS_PREFIX: `test:${randomUUID()}:`, LOG_LEVEL: 'warn',
        TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: apiRoot,
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const until = async (cond: () => boolean, what: string) => {
      for (const t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting for ${what}; output:\n${out}`);
      }
    };
    try {
      await until(() => /listening: web chat at (http:\/\/\S+)\/chat/.test(out), 'the URL');
      const base = /listening: web chat at (http:\/\/\S+)\/chat/.exec(out)![1]!;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
      const page = await fetch(`${base}/chat`);
      expect(await page.text()).toContain('Tra cứu hỗ trợ an sinh xã hội');
      expect(page.headers.get('set-cookie')).toMatch(/ansinh_chat=.*HttpOnly; SameSite=Strict/);
      fake.pushUpdate(textUpdate(7_700_001, 'ban ve so co duoc ho tro khong'));
      await until(() => fake.sentTo(7_700_001).length > 0, 'the Telegram reply');
      expect(fake.sentTo(7_700_001)[0]!.text).toMatch(/vé số lưu động/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
