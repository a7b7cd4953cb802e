/**
 * `ansinh serve` as an operator runs it: it prints its URL, serves the web chat and /healthz,
 * answers Telegram by long polling when configured so, and stops cleanly on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram.js';
import { textUpdate } from '../fixtures/telegram/updates.js';

const ROOT = resolve(import.meta.dirname, '../..');
const fake = new FakeTelegram();
let fakeRoot = '';
beforeAll(async () => {
  fakeRoot = await fake.start();
});

/** Waits for a child process to reach a point; on time-out, shows what it printed. */
async function until(cond: () => boolean | Promise<boolean>, what: string, out: () => string) {
  for (const t0 = Date.now(); !(await cond()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting for ${what}; output:\n${out()}`);
  }
}
afterAll(() => fake.stop());

describe('ansinh serve', () => {
  it('should serve the chat, answer Telegram by polling, and stop on SIGTERM', async () => {
    const apiRoot = fakeRoot;
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
    try {
      await until(() => /listening: web chat at (http:\/\/\S+)\/chat/.test(out), 'the URL', () => out);
      const base = /listening: web chat at (http:\/\/\S+)\/chat/.exec(out)![1]!;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
      const page = await fetch(`${base}/chat`);
      expect(await page.text()).toContain('Tra cứu hỗ trợ an sinh xã hội');
      expect(page.headers.get('set-cookie')).toMatch(/ansinh_chat=.*HttpOnly; SameSite=Strict/);
      fake.pushUpdate(textUpdate(7_700_001, 'ban ve so co duoc ho tro khong'));
      await until(() => fake.sentTo(7_700_001).length > 0, 'the Telegram reply', () => out);
      expect(fake.sentTo(7_700_001)[0]!.text).toMatch(/vé số lưu động/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);

  it('should run `start` (server and worker in one process) and `worker` alone, and stop both on SIGTERM', async () => {
    const run = async (args: string[], ready: RegExp) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/ansinh.js'), ...args], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn',
          ANSINH_DATA_DIR: mkdtempSync(join(tmpdir(), 'ansinh-start-')), ANSINH_REDIS_PREFIX: `test:${randomUUID()}:`,
          TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: fakeRoot,
        },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stderr.on('data', (d) => (out += String(d)));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await until(() => ready.test(out), `"${args[0]}" to start`, () => out);
      return { out: () => out, stop: () => (child.kill('SIGTERM'), exited) };
    };
    const start = await run(['start', '--port', '0'], /listening: web chat at (http:\/\/\S+)\/chat; sending queued messages/);
    const base = /listening: web chat at (http:\/\/\S+)\/chat/.exec(start.out())![1]!;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    expect(await start.stop()).toBe(0);
    const worker = await run(['worker'], /ansinh worker: queues telegram \(Ctrl\+C to stop\)/);
    expect(await worker.stop()).toBe(0);
  }, 180_000);

  it('should run the demo on simulated platforms: a Telegram user looks up and opts in; a stage change made while no demo runs reaches them on the next run; a second process is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ansinh-sim-'));
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ANSINH_DATA_DIR: dataDir, ANSINH_REDIS_PREFIX: `test:${randomUUID()}:`, LOG_LEVEL: 'warn' };
    const demo = async () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/ansinh.js'), 'demo', '--simulate', '--scale', '0.002', '--port', '0'], { cwd: ROOT, env });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stderr.on('data', (d) => (out += String(d)));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await until(() => /Ctrl\+C stops/.test(out), 'the demo to start', () => out);
      const tg = /Telegram user 42 writes:\s+curl -s (http:\/\/\S+)\/__sim\/say/.exec(out)![1]!;
      const messages = async () => (await (await fetch(`${tg}/__sim/messages?chat=42`)).json()) as { text: string }[];
      const stop = async () => {
        child.kill('SIGTERM');
        return exited;
      };
      /** Types a line at the demo's ansinh> prompt. */
      const type = (line: string) => child.stdin.write(`${line}\n`);
      return { out: () => out, tg, messages, stop, type };
    };

    const first = await demo();
    const [, idNumber, dob, fileId] = /^\s+(\d{12})\s+(\d\d\/\d\d\/\d{4})\s+\S+ · in_review · file (\d+)/m.exec(first.out())!;
    try {
      for (const text of ['tra cứu', idNumber!, dob!, 'nhận thông báo']) {
        const n = (await first.messages()).length;
        expect((await fetch(`${first.tg}/__sim/say`, { method: 'POST', body: JSON.stringify({ chat: '42', text }) })).status).toBe(200);
        await until(async () => (await first.messages()).length > n, `a reply to "${text}"`, first.out);
      }
      expect((await first.messages()).at(-1)!.text).toMatch(/Đã bật thông báo/);
      // The officer view: the printed invite code turns another chat into the commune officer's.
      const code = /Officer view: send (CB-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(first.out())![1]!;
      const officerMsgs = async () => (await (await fetch(`${first.tg}/__sim/messages?chat=77`)).json()) as { text: string }[];
      await fetch(`${first.tg}/__sim/say`, { method: 'POST', body: JSON.stringify({ chat: '77', text: `/start ${code}` }) });
      await until(async () => (await officerMsgs()).length > 0, 'the officer welcome', first.out);
      expect((await officerMsgs())[0]!.text).toMatch(/^Chào Cán bộ xã \(demo\)! Anh\/chị đã được đăng ký là cán bộ /);
      // Commands at the demo's prompt run in the demo's process, on its database.
      first.type('officer list');
      await until(() => /#\d+\s+Cán bộ xã \(demo\)\s+commune .*bản tin 07:30\s+telegram/.test(first.out()), 'the officer list at the prompt', first.out);
      first.type('digest run --dry-run --date 2026-11-23');
      await until(() => /--- officer #\d+\n/.test(first.out()) && /23\/11\/2026: 1 officers without a digest yet; would send 1 digests/.test(first.out()), 'the digest at the prompt', first.out);
      first.type('serve');
      await until(() => /ansinh: "serve" cannot run inside the demo; stop the demo first\./.test(first.out()), 'the refusal', first.out);
      // Another process may not open the demo's embedded database.
      const refused = spawnSync(process.execPath, [join(ROOT, 'bin/ansinh.js'), 'entitlement', 'set-stage', '--file', fileId!, '--stage', 'paid'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^ansinh: The embedded database in .* is in use by another ansinh process \(pid \d+\)\./);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const set = spawnSync(process.execPath, [join(ROOT, 'bin/ansinh.js'), 'entitlement', 'set-stage', '--file', fileId!, '--stage', 'paid', '--place', 'UBND xã'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(set.status, set.stderr).toBe(0);
    // The change waited in the outbox; the next run's worker delivers it to chat 42, once.
    const second = await demo();
    try {
      await until(async () => (await second.messages()).some((m) => m.text.startsWith('Cập nhật hồ sơ hỗ trợ')), 'the notice', second.out);
      await new Promise((r) => setTimeout(r, 1000));
      const notices = (await second.messages()).filter((m) => m.text.startsWith('Cập nhật hồ sơ hỗ trợ'));
      expect(notices).toHaveLength(1);
      expect(notices[0]!.text).toContain(`***${idNumber!.slice(-4)}`);
      expect(notices[0]!.text).toContain('Đã chi trả ngày');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 180_000);
});
