/**
 * Applies the SQL migrations in prisma/migrations, in name order, each in its own
 * transaction, recording them in Prisma's `_prisma_migrations` table. Works the same on
 * PostgreSQL and PGlite, offline (no Prisma schema-engine binary). Several processes may
 * migrate at once: a transaction-scoped advisory lock serialises them and each re-checks what
 * is applied under the lock.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SqlRunner } from './sql.js';
import { UserError } from '../shared/errors.js';

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '../../prisma/migrations');
const LOCK_KEY = 715_420_068; // arbitrary, fixed: "ansinh migrations"

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(sql: SqlRunner, migrations = readMigrations()): Promise<MigrateResult> {
  const applied: string[] = [];
  let alreadyApplied = 0;
  for (const m of migrations) {
    const did = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      await tx.exec(CREATE_TABLE);
      const rows = await tx.query<{ checksum: string }>(
        `SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL AND finished_at IS NOT NULL`,
        [m.name],
      );
      if (rows.length > 0) {
        if (rows[0]!.checksum !== m.checksum) {
          throw new UserError(
            `Migration ${m.name} was changed after it was applied to this database.`,
            'Restore the original file and add the change as a new migration (npm run db:diff -- <name>).',
          );
        }
        return false;
      }
      await tx.exec(m.sql);
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
         VALUES ($1, $2, now(), $3, 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      return true;
    });
    if (did) applied.push(m.name);
    else alreadyApplied++;
  }
  return { applied, alreadyApplied };
}

/** Names of migrations not yet applied (for `db status` and start-up checks). */
export async function pendingMigrations(sql: SqlRunner, migrations = readMigrations()): Promise<string[]> {
  const exists = await sql.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists[0]?.t) return migrations.map((m) => m.name);
  const rows = await sql.query<{ migration_name: string }>(
    `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const done = new Set(rows.map((r) => r.migration_name));
  return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
}
