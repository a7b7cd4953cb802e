/**
 * `ansinh chat --jsonl`: the same engine and database as the server, driven by JSON lines.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/ansinh.js');

describe('ansinh chat --jsonl', () => {
  it('should answer JSON lines with one JSON line per reply, keeping each chat apart', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ansinh-jsonl-'));
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ANSINH_DATA_DIR: dataDir, ANSINH_REDIS_PREFIX: `test:${randomUUID()}:` };
    const seed = spawnSync(process.execPath, [BIN, 'seed', 'demo', '--scale', '0.002', '--as-of', '2022-01-24'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(seed.status, seed.stderr).toBe(0);
    const people = JSON.parse(readFileSync(join(dataDir, 'demo-people.json'), 'utf8')).people as { idNumber: string; dateOfBirth: string; status: string }[];
    const p = people.find((x) => x.status === 'paid' && !/^\d{4}$/.test(x.dateOfBirth))!;
    const input = [
      { chat: 'c1', text: 'tra cuu' },
      { chat: 'c2', action: 'menu' },
      { chat: 'c1', text: p.idNumber },
      { chat: 'c1', text: p.dateOfBirth },
      { chat: 'c2', text: 'ban ve so co duoc ho tro khong' },
    ].map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n';
    const r = spawnSync(process.execPath, [BIN, 'chat', '--jsonl'], { cwd: ROOT, env, input, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { chat?: string; text?: string; buttons?: { label: string; action: string }[]; error?: string });
    expect(out[0]).toMatchObject({ chat: 'c1', text: expect.stringMatching(/nhập số CCCD/), buttons: [] });
    expect(out[1]!.chat).toBe('c2');
    expect(out[1]!.buttons!.map((b) => b.action)).toContain('lookup');
    expect(out[2]!.text).toContain(`***${p.idNumber.slice(-4)}`);
    expect(out[3]!.text).toMatch(/Đã chi trả ngày/);
    expect(out[4]!.text).toMatch(/vé số lưu động/);
    expect(out[5]!.error).toMatch(/Each line must be JSON/);
  }, 180_000);
});
