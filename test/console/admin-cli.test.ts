/**
 * `ansinh admin create` as a user runs it: the password from standard input (never an argument),
 * a line ending of either kind not kept in it, the account able to sign in, one-line refusals.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, cliProcess } from '../helpers/cli.js';
import { openDatabase } from '../../src/db/client.js';
import { login } from '../../src/console/admin-auth.js';

const { dataDir, run, cleanup } = cliProcess('ansinh-admin-cli-');
afterAll(cleanup);

describe('ansinh admin create', () => {
  beforeAll(() => {
    const r = run(['areas', 'load']);
    expect(r.code, r.err).toBe(0);
  }, 120_000);

  it('should create an account from a password on standard input, without its line ending, that can sign in', async () => {
    const r = run(['admin', 'create', '--username', 'quantri', '--area', '80', '--name', 'Quản trị Long An'], 'mat-khau-quan-tri-2026\r\n');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Created admin account "quantri" for Tỉnh Long An (80). Sign in at /admin.');
    const db = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
    try {
      expect((await login(db.sql, 'quantri', 'mat-khau-quan-tri-2026', { now: new Date() })).ok).toBe(true);
      const [audit] = await db.sql.query<{ actor: string }>(`SELECT actor FROM "AuditEvent" WHERE action = 'admin_user_create'`);
      expect(audit).toEqual({ actor: 'cli' });
    } finally {
      await db.close();
    }
  }, 120_000);

  it('should read a password pasted at the terminal prompt in one piece', async () => {
    if (!existsSync('/usr/bin/script')) return; // util-linux's script gives the CLI a terminal
    const sh = `(sleep 2; printf 'mat-khau-dan-tu-ban-phim\\r') | script -qec "node ${BIN} admin create --username nhapvao --area 80" /dev/null`;
    const r = spawnSync('sh', ['-c', sh], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', ANSINH_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toContain('Mật khẩu (ít nhất 10 ký tự): ');
    expect(r.stdout).toContain('Created admin account "nhapvao"');
    const db = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
    try {
      expect((await login(db.sql, 'nhapvao', 'mat-khau-dan-tu-ban-phim', { now: new Date() })).ok).toBe(true);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('should refuse an empty password and a short one, in one line each', () => {
    const empty = run(['admin', 'create', '--username', 'khongco', '--area', '80'], '\n');
    expect(empty.code).toBe(1);
    expect(empty.err).toBe('ansinh: No password given. Type it at the prompt, or pipe it: echo "…" | npx ansinh admin create …\n');
    const short = run(['admin', 'create', '--username', 'ngankn', '--area', '80'], 'ngan\n');
    expect(short.code).toBe(1);
    expect(short.err).toBe('ansinh: Mật khẩu cần ít nhất 10 ký tự.\n');
  }, 120_000);
});
