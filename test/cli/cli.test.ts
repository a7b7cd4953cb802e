/**
 * The `ansinh` command as a user runs it: a real process, its output and its exit code.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildCli } from '../../src/cli/main.js';
import { PROGRAMS_DIR } from '../helpers/db.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/ansinh.js');
const dataDir = mkdtempSync(join(tmpdir(), 'ansinh-cli-'));

function run(args: string[], env: Record<string, string> = {}, opts: { asNobody?: boolean; input?: string } = {}) {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ANSINH_DATA_DIR: dataDir, ...env };
  const [cmd, argv] = opts.asNobody && process.getuid?.() === 0
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  const r = spawnSync(cmd, argv as string[], { cwd: ROOT, env: base, encoding: 'utf8', timeout: 120_000, input: opts.input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const oneLine = (s: string) => s.trim().split('\n').length === 1;

describe('ansinh CLI', () => {
  it('should show the groups of NQ68-2021 with amounts and stage chains as JSON', () => {
    const r = run(['programs', 'show', 'NQ68-2021', '--json']);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p.code).toBe('NQ68-2021');
    const hkd = p.groups.find((g: { code: string }) => g.code === 'i10-household-business');
    expect(hkd.amount.value).toBe(3_000_000);
    expect(hkd.stages.map((s: { dayLimit: number | null }) => s.dayLimit)).toEqual([3, 2, 2, 2, null]);
    expect(p.groups.find((g: { code: string }) => g.code === 'la-freelancer').province).toBe('80');
  });

  it('should list programs as text and JSON', () => {
    expect(run(['programs', 'list']).out).toMatch(/NQ42-2020 .*\n.*8 nhóm/);
    expect(JSON.parse(run(['programs', 'list', '--json']).out).map((p: { code: string }) => p.code)).toEqual(['NQ42-2020', 'NQ68-2021']);
  });

  it('should print human-readable amounts in Vietnamese format', () => {
    const r = run(['programs', 'show', 'NQ42-2020']);
    expect(r.out).toContain('1.800.000 đ/người × tối đa 3 tháng');
    expect(r.out).toContain('5 ngày');
  });

  it('should show an area with its tree and successor', () => {
    const r = run(['areas', 'show', '94']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Tỉnh Sóc Trăng');
    expect(r.out).toContain('Từ 01/07/2025 thuộc: Thành phố Cần Thơ (92)');
    expect(r.out).toContain('941  Thành phố Sóc Trăng');
  });

  it('should set up the demo without a server when asked (--no-serve), then keep the data on a second run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ansinh-demo-'));
    const first = run(['demo', '--no-serve', '--scale', '0.002'], { ANSINH_DATA_DIR: dir });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/Demo data: [\d.]+ people/);
    expect(first.out).toContain('demo-people.json');
    const second = run(['demo', '--no-serve', '--scale', '0.002'], { ANSINH_DATA_DIR: dir });
    expect(second.out).toMatch(/Demo data already loaded/);

    // Move a sample person's file to paid, the ID number read from stdin (never an argument).
    const people = (JSON.parse(readFileSync(join(dir, 'demo-people.json'), 'utf8')) as { people: { idNumber: string; program: string; status: string }[] }).people;
    const p = people.find((x) => x.status === 'in_review')!;
    const set = run(['entitlement', 'set-stage', '--stage', 'paid', '--id-stdin', '--program', p.program, '--place', 'UBND xã'], { ANSINH_DATA_DIR: dir }, { input: `${p.idNumber}\n` });
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/^File \d+: \w+ → paid\./);
    expect(set.out + set.err).not.toContain(p.idNumber);
    const id = /^File (\d+)/.exec(set.out)![1]!;
    expect(run(['entitlement', 'set-stage', '--file', id, '--stage', 'paid'], { ANSINH_DATA_DIR: dir }).out).toMatch(/already at paid; nothing changed, nobody notified/);
    const bad: [string[], RegExp, string?][] = [
      [['entitlement', 'set-stage', '--file', id, '--stage', 'no_such_stage'], /^ansinh: File \d+ has no stage "no_such_stage"\. Stages of its group: .*paid, rejected\./],
      [['entitlement', 'set-stage', '--file', '999999999', '--stage', 'paid'], /^ansinh: No file with id 999999999\./],
      [['entitlement', 'set-stage', '--file', 'abc', '--stage', 'paid'], /^ansinh: "abc" is not a file id\./],
      [['entitlement', 'set-stage', '--stage', 'paid'], /^ansinh: Which file\? Give --file <id>, or --id-stdin with --program\./],
      [['entitlement', 'set-stage', '--stage', 'paid', '--id-stdin'], /^ansinh: --id-stdin needs --program\./, p.idNumber],
      [['entitlement', 'set-stage', '--stage', 'paid', '--id-stdin', '--program', p.program], /^ansinh: Standard input is not a 9- or 12-digit ID number\./, 'abc'],
    ];
    for (const [args, pattern, input] of bad) {
      const r = run(args, { ANSINH_DATA_DIR: dir }, { input });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(pattern);
    }
  });

  it('should create officer invites, list officers and run digests from the command line, with one-line errors', () => {
    expect(run(['areas', 'load']).code).toBe(0);
    const inv = run(['officer', 'invite', '--role', 'commune', '--area', '31498', '--name', 'Chị Lan']);
    expect(inv.code, inv.err).toBe(0);
    expect(inv.out).toMatch(/^Invite code: CB-[0-9A-Z]{4}-[0-9A-Z]{4}\nFor: commune officer of Phường 5 \(31498\); valid until .*; works once\./);
    expect(run(['officer', 'list']).out).toMatch(/No officers yet/);
    expect(run(['digest', 'run', '--date', '2022-01-23']).out).toBe('23/01/2022 is not a working day: no digests.\n');
    expect(run(['digest', 'run', '--date', '2022-01-24', '--dry-run']).out).toMatch(/^24\/01\/2022: 0 officers without a digest yet; would send 0 digests/);
    const bad: [string[], RegExp][] = [
      [['officer', 'invite', '--role', 'district', '--area', '31498'], /^ansinh: A district officer works at district level, but 31498 \(Phường 5\) is a commune\./],
      [['officer', 'invite', '--role', 'boss', '--area', '94'], /^ansinh: --role must be one of commune, district, province, admin \(got boss\)\./],
      [['officer', 'invite', '--role', 'commune', '--area', '99999'], /^ansinh: Unknown area code 99999\./],
      [['officer', 'invite', '--role', 'commune', '--area', '31498', '--officer', 'abc'], /^ansinh: --officer abc is not an officer id\./],
      [['officer', 'invite', '--role', 'commune', '--area', '31498', '--officer', '999'], /^ansinh: No officer with id 999\./],
      [['officer', 'invite', '--role', 'commune', '--area', '31498', '--days', '0'], /^ansinh: --days must be a whole number from 1 to 60\./],
      [['digest', 'run', '--date', '2022-02-30'], /^ansinh: --date "2022-02-30" is not a valid date\./],
    ];
    for (const [args, pattern] of bad) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(pattern);
      expect(oneLine(r.err), r.err).toBe(true);
    }
  });

  it('should do working-day arithmetic across Tết 2022', () => {
    expect(run(['calendar', 'add-days', '2022-01-27', '3']).out).toContain('= 08/02/2022');
    expect(run(['calendar', 'show', '2022']).out).toContain('01/02/2022');
  });

  it('should answer bad input with one line and exit 1', () => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['areas', 'show', '99999'], /^ansinh: Unknown area code 99999\./],
      [['programs', 'show', 'NQ99'], /^ansinh: Unknown program NQ99\. Known programs: NQ42-2020, NQ68-2021\./],
      [['seed', 'demo', '--scale', '0'], /^ansinh: Scale must be a number above 0/],
      [['seed', 'demo', '--scale', '-1'], /^ansinh: Scale must be a number above 0/],
      [['calendar', 'add-days', '2022-02-30', '1'], /^ansinh: date "2022-02-30" is not a valid date/],
      [['db', 'migrate'], /^ansinh: Cannot reach the database at postgres:\/\/ansinh:\*\*\*@127\.0\.0\.1:1\/x \(ECONNREFUSED\)/, { DATABASE_URL: 'postgres://ansinh:pw@127.0.0.1:1/x', ANSINH_SECRET_KEY: 'k'.repeat(32) }],
      [['db', 'migrate'], /^ansinh: Invalid configuration: .*DATABASE_URL.*PORT/, { DATABASE_URL: 'mysql://x', PORT: 'abc' }],
      [['demo'], /^ansinh: Redis is not answering at redis:\/\/127\.0\.0\.1:1 .*redis-server/, { REDIS_URL: 'redis://127.0.0.1:1' }],
      [['demo', '--port', 'abc'], /^ansinh: --port abc is not a port number\./],
    ];
    for (const [args, pattern, env] of cases) {
      const r = run(args, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(pattern);
      expect(oneLine(r.err), r.err).toBe(true);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('should name the file, path and reason of a malformed program file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ansinh-bad-programs-'));
    copyFileSync(join(PROGRAMS_DIR, 'NQ42-2020.yaml'), join(dir, 'NQ42-2020.yaml'));
    writeFileSync(join(dir, 'BAD.yaml'), 'code: BAD-1\nvi: x\nen: x\nlegalBasis: []\nintake: { opens: 2021-13-01 }\ngroups: []\n');
    const r = run(['programs', 'validate'], { ANSINH_PROGRAMS_DIR: dir });
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toBe(true);
    expect(r.err).toMatch(/BAD\.yaml: legalBasis: .*intake\.opens: must be a date YYYY-MM-DD.*groups: /);
  });

  it('should refuse a read-only data folder with one line', () => {
    const parent = mkdtempSync(join(tmpdir(), 'ansinh-ro-'));
    mkdirSync(join(parent, 'data'));
    chmodSync(join(parent, 'data'), 0o555);
    chmodSync(parent, 0o755);
    const r = run(['db', 'migrate'], { ANSINH_DATA_DIR: join(parent, 'data') }, { asNobody: true });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ansinh: The data folder .*data\/pglite is not writable \(EACCES\)\. .*ANSINH_DATA_DIR/);
    expect(oneLine(r.err)).toBe(true);
  });

  it('should have --help on every command', async () => {
    const seen: string[] = [];
    const walk = (c: Command, path: string[]) => {
      seen.push(path.join(' '));
      for (const sub of c.commands) walk(sub, [...path, sub.name()]);
    };
    walk(buildCli(() => { throw new Error('no context for help'); }), []);
    expect(seen.length).toBeGreaterThan(20);
    for (const path of seen) {
      let out = '';
      const cli = buildCli(() => { throw new Error('no context for help'); }, { writeOut: (s) => { out += s; }, writeErr: (s) => { out += s; } });
      const err = await cli.parseAsync([...path.split(' ').filter(Boolean), '--help'], { from: 'user' }).catch((e: unknown) => e);
      expect((err as { code?: string }).code, path).toBe('commander.helpDisplayed');
      expect(out, path).toMatch(/^Usage: ansinh/);
    }
    // And once through the real executable.
    const r = run(['seed', 'demo', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--scale <f>');
  });
});
