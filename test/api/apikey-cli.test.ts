/**
 * `ansinh apikey create | list | revoke` as a user runs them: a real process on its own data
 * folder, its output and exit code. The key is printed once and never again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProcess } from '../helpers/cli.js';

const { run, cleanup } = cliProcess('ansinh-apikey-');
afterAll(cleanup);

const KEY = /ak_[a-z0-9]{8}_[A-Za-z0-9_-]{43}/;

describe('ansinh apikey', () => {
  beforeAll(() => {
    const r = run(['areas', 'load']);
    expect(r.code, r.err).toBe(0);
  }, 120_000);

  it('should create a key shown once, list it without the key, and revoke it', () => {
    const created = run(['apikey', 'create', '--name', 'Hệ thống tỉnh Long An', '--area', '794', '--scope', 'write']);
    expect(created.code, created.err).toBe(0);
    const key = KEY.exec(created.out)![0];
    const prefix = key.slice(0, 11);
    expect(created.out).toContain(`API key ${prefix} (write) for Thành phố Tân An (794)`);
    expect(created.out).toMatch(/NOT shown again/);

    const read = run(['apikey', 'create', '--name', 'dashboard', '--area', '80']);
    expect(read.code, read.err).toBe(0);
    expect(read.out).toMatch(/\(read\) for Tỉnh Long An \(80\)/);

    const list = run(['apikey', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(new RegExp(`${prefix}  Hệ thống tỉnh Long An +Thành phố Tân An \\(794\\) +write  created \\S+ \\S+  last used -\\n`));
    expect(list.out).not.toMatch(KEY);
    const json = JSON.parse(run(['apikey', 'list', '--json']).out) as { prefix: string; revokedAt: string | null }[];
    expect(json.map((k) => k.prefix)).toContain(prefix);
    expect(JSON.stringify(json)).not.toMatch(KEY);

    const revoked = run(['apikey', 'revoke', prefix]);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out.trim()).toBe(`Key ${prefix} (Hệ thống tỉnh Long An) revoked.`);
    expect(run(['apikey', 'list']).out).toMatch(new RegExp(`${prefix} .* REVOKED `));
    expect(run(['apikey', 'revoke', prefix]).out).toMatch(/already revoked; nothing changed/);
  }, 240_000); // eight processes, each opening the embedded database

  it('should refuse an unknown area, a bad scope and an unknown prefix in one line', () => {
    const cases: [string[], RegExp][] = [
      [['apikey', 'create', '--name', 'x', '--area', '999'], /^ansinh: Unknown area code 999\. /],
      [['apikey', 'create', '--name', 'x', '--area', 'Long An'], /^ansinh: "Long An" is not an area code\. /],
      [['apikey', 'create', '--name', 'x', '--area', '80', '--scope', 'admin'], /^ansinh: --scope must be read or write \(got admin\)\.$/],
      [['apikey', 'revoke', 'ak_zzzzzzzz'], /^ansinh: No API key with prefix ak_zzzzzzzz\. /],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err.trim()).toMatch(message);
    }
  }, 240_000);
});
