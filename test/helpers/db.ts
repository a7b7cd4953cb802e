/**
 * Databases for tests: always PGlite in memory (fast, isolated), and real PostgreSQL too
 * when ANSINH_TEST_DATABASE_URL is set (CI sets it), each test file in its own schema that is
 * dropped afterwards. Use `describe.each(backends)`.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrator.js';
import { loadReferenceData, type ReferenceSummary } from '../../src/setup/reference-data.js';
import { deriveKeys, type Keys } from '../../src/shared/secrets.js';

const config = loadConfig();

export type Backend = 'pglite' | 'postgres';
export const backends: Backend[] = config.test.databaseUrl ? ['pglite', 'postgres'] : ['pglite'];
export const postgresUrl = config.test.databaseUrl;
export const PROGRAMS_DIR = resolve(import.meta.dirname, '../../prisma/programs');
export const testKeys: Keys = deriveKeys('test-secret-key-0123456789abcdef0123456789');

export interface TestDatabase extends Database {
  drop(): Promise<void>;
}

export async function freshDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const db = await openDatabase({});
    await migrate(db.sql);
    return { ...db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url: postgresUrl!, schema });
  await migrate(db.sql);
  return {
    ...db,
    async drop() {
      await db.sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}

export async function withReferenceData(db: Database): Promise<ReferenceSummary> {
  return loadReferenceData(db, PROGRAMS_DIR);
}
