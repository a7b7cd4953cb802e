/**
 * Opens the database: real PostgreSQL through @prisma/adapter-pg when a URL is given, else
 * PGlite (PostgreSQL compiled to WebAssembly, in-process) in a data folder. One Prisma schema
 * and one generated client serve both.
 */
import { mkdirSync, accessSync, constants, existsSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { UserError } from '../shared/errors.js';
import type { SqlRunner } from './sql.js';

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  sql: SqlRunner;
  kind: 'postgres' | 'pglite';
  /** Schema the tables live in ("public" unless a test asked for its own). */
  schema: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite data folder; absent (with no url) means in memory, for tests. */
  pgliteDir?: string;
  /** Postgres schema to use (created if missing); tests use one each. */
  schema?: string;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts.schema ?? 'public') : openPglite(opts.pgliteDir);
}

/** Hides the password in a connection URL before it is shown anywhere. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

async function openPostgres(url: string, schema: string): Promise<Database> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    max: 10,
    options: schema === 'public' ? undefined : `-c search_path=${schema}`,
  });
  // An idle client that loses its server (a Postgres restart) must not crash the process.
  pool.on('error', () => {});
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => {});
    const code = (e as { code?: string }).code ?? (e as Error).message;
    throw new UserError(
      `Cannot reach the database at ${safeUrl(url)} (${code}).`,
      'Start PostgreSQL, fix DATABASE_URL, or unset DATABASE_URL to use the embedded database.',
    );
  }
  try {
    if (schema !== 'public') {
      // Two processes creating the same schema at once can still collide on the catalog's
      // unique key even with IF NOT EXISTS; the loser finds it there, which is what it wanted.
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((e: { code?: string }) => {
        if (e.code !== '23505') throw e;
      });
    }
  } catch (e) {
    client.release();
    await pool.end().catch(() => {});
    throw e;
  }
  client.release();
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, schema === 'public' ? undefined : { schema }),
  });
  const sql = pgRunner(pool);
  return {
    prisma,
    sql,
    kind: 'postgres',
    schema,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    ...clientRunner(pool),
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(clientRunner(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
  };
}

/** Runs on one connection (already inside a transaction when called from one). */
function clientRunner(c: pg.Pool | pg.PoolClient): SqlRunner {
  const self: SqlRunner = {
    async query<T>(text: string, params: unknown[] = []) {
      return (await c.query(text, params)).rows as T[];
    },
    async exec(text: string) {
      await c.query(text);
    },
    transaction: (fn) => fn(self),
  };
  return self;
}

async function openPglite(dir?: string): Promise<Database> {
  if (dir) ensureWritableDir(dir);
  const unlock = dir ? lockFolder(dir) : () => {};
  let db: PGlite;
  try {
    db = new PGlite(dir);
    await db.waitReady;
  } catch (e) {
    unlock();
    throw new UserError(
      `Cannot open the embedded database in ${dir} (${(e as Error).message}).`,
      'Is another ansinh process using it? Stop it, or set ANSINH_PGLITE_DIR to another folder.',
    );
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  return {
    prisma,
    sql: pgliteRunner(db),
    kind: 'pglite',
    schema: 'public',
    async close() {
      await prisma.$disconnect();
      await db.close();
      unlock();
    },
  };
}

/**
 * The embedded database belongs to one process: two processes writing one PGlite folder would
 * corrupt it. A pid file marks the owner; a stale one (its process is gone) is taken over.
 */
function lockFolder(dir: string): () => void {
  const file = join(dir, 'ansinh.pid');
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && alive(pid)) {
      throw new UserError(
        `The embedded database in ${dir} is in use by another ansinh process (pid ${pid}).`,
        'Stop it first; while the demo runs, type ansinh commands at its prompt instead; several processes need PostgreSQL (DATABASE_URL).',
      );
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
  }
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type PgliteLike = Pick<PGlite, 'query' | 'exec'> & Partial<Pick<PGlite, 'transaction'>>;

function pgliteRunner(db: PgliteLike): SqlRunner {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      const r = await db.query<T>(text, params);
      return r.rows;
    },
    async exec(text: string) {
      await db.exec(text);
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>) {
      if (!db.transaction) return fn(pgliteRunner(db));
      return db.transaction((tx) => fn(pgliteRunner(tx as unknown as PgliteLike))) as Promise<T>;
    },
  };
}

/** mkdir -p without Node's recursive mode, which can spin forever on special file systems (/proc). */
function makeDirs(dir: string) {
  const parts = resolve(dir).split(sep).filter(Boolean);
  let path: string = sep;
  for (const part of parts) {
    path = join(path, part);
    if (!existsSync(path)) mkdirSync(path);
  }
}

function ensureWritableDir(dir: string) {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
    if (existsSync(`${dir}/PG_VERSION`)) accessSync(`${dir}/PG_VERSION`, constants.R_OK);
  } catch (e) {
    throw new UserError(
      `The data folder ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`,
      'Give this user write access to it, or set ANSINH_DATA_DIR to a writable folder.',
    );
  }
}
