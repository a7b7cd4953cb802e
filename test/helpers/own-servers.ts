/**
 * Throwaway Redis and PostgreSQL servers for fault tests, which stop and start them: the shared
 * servers other test files use are never touched. Each server gets a free random port
 * (20000-30000), lives in a temporary folder, and is killed when the test process exits even if
 * the test forgot (an `exit` hook), so nothing is left running.
 *
 * PostgreSQL: `initdb` refuses to run as root, so as root the cluster is made and run as the
 * `postgres` user (runuser); otherwise as the current user. Trust authentication, fsync off.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP port nobody listens on now (random in 20000-30000, checked by binding it). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((r) => {
      const s = createServer();
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found in 20000-30000');
}

const exitHooks = new Set<() => void>();
process.once('exit', () => {
  for (const h of exitHooks) h();
});

/** A redis-server of our own, without persistence: killing it loses everything, like a crash. */
export class OwnRedis {
  private proc: ChildProcess | null = null;
  private readonly hook = () => this.proc?.kill('SIGKILL');

  private constructor(readonly port: number) {
    exitHooks.add(this.hook);
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    for (let attempt = 0; ; attempt++) {
      const r = new OwnRedis(await freePort());
      try {
        await r.up();
        return r;
      } catch (e) {
        exitHooks.delete(r.hook);
        if (attempt >= 3) throw e;
      }
    }
  }

  /** Starts the server (again) on its port; resolves when it accepts connections. */
  async up(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let out = '';
    proc.stdout!.on('data', (d) => (out += String(d)));
    proc.stderr!.on('data', (d) => (out += String(d)));
    for (const t0 = Date.now(); !(await answersPing(this.port)); await new Promise((r) => setTimeout(r, 20))) {
      if (proc.exitCode !== null) throw new Error(`redis-server on ${this.port} exited: ${out.slice(-500)}`);
      if (Date.now() - t0 > 10_000) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server on ${this.port} did not start: ${out.slice(-500)}`);
      }
    }
  }

  /** True while the server process runs. */
  get alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Kills the server the hard way (SIGKILL: a crash), and waits until it is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  async destroy(): Promise<void> {
    await this.kill();
    exitHooks.delete(this.hook);
  }
}

/** True when a Redis server answers PING on the port (one short TCP exchange). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(String(d).startsWith('+PONG')));
  });
}

/** The folder with initdb and pg_ctl: PG_BIN, or the newest /usr/lib/postgresql/<v>/bin. */
export function postgresBin(): string | null {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0]!, 'bin') : null;
}

/** A PostgreSQL cluster of our own in a temporary folder, on a random port. */
export class OwnPostgres {
  private readonly hook = () => this.ctl(['stop', '-m', 'immediate', '-w', '-t', '10'], false);

  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly dir: string,
    private readonly asPostgres: boolean,
  ) {
    exitHooks.add(this.hook);
  }

  /** postgres:// URL of the cluster's `postgres` database. */
  get url() {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<OwnPostgres> {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL binaries not found (set PG_BIN)');
    const dir = mkdtempSync(join(tmpdir(), 'ansinh-pg-'));
    const asPostgres = process.getuid?.() === 0;
    if (asPostgres) {
      const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
    }
    const pg = new OwnPostgres(await freePort(), bin, dir, asPostgres);
    const init = pg.run('initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    if (init.status !== 0) {
      await pg.destroy();
      throw new Error(`initdb failed: ${init.stderr}${init.stdout}`);
    }
    await pg.start();
    return pg;
  }

  private get data() {
    return join(this.dir, 'data');
  }

  private run(tool: string, args: string[]) {
    const exe = join(this.bin, tool);
    const [cmd, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
    return spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  }

  private ctl(args: string[], check = true) {
    if (!existsSync(this.data)) return;
    const r = this.run('pg_ctl', ['-D', this.data, ...args]);
    if (check && r.status !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${r.stderr}${r.stdout}`);
  }

  /** Starts the server; resolves once it accepts connections (pg_ctl -w). */
  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=50`;
    this.ctl(['start', '-w', '-t', '30', '-l', join(this.dir, 'log'), '-o', opts]);
  }

  /** `pg_ctl stop -m fast`: connections are ended, the server shuts down cleanly. */
  async stop(): Promise<void> {
    this.ctl(['stop', '-m', 'fast', '-w', '-t', '30']);
  }

  async destroy(): Promise<void> {
    this.hook();
    exitHooks.delete(this.hook);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
