/**
 * `ansinh` as a user runs it: a real process (bin/ansinh.js) on a data folder of its own, with a
 * minimal environment; standard input optional. `cleanup` removes the folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/ansinh.js');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

export function cliProcess(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dataDir,
    run(args: string[], input?: string): CliRun {
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ANSINH_DATA_DIR: dataDir };
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, input, encoding: 'utf8', timeout: 120_000 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
