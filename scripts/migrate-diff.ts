/**
 * Writes a new SQL migration from the difference between the schema the last migration
 * produced and prisma/schema.prisma, fully offline: Prisma's schema engine runs as
 * WebAssembly (@prisma/schema-engine-wasm) and diffs two datamodels in memory, so no shadow
 * database is needed. Each migration folder keeps a copy of the schema it produces
 * (schema.prisma) as the starting point of the next diff.
 *
 *   npm run db:diff -- <name>       write prisma/migrations/<timestamp>_<name>/migration.sql
 *   npm run db:diff -- --check      exit 1 if the schema has changes without a migration
 *
 * Apply migrations with `npx ansinh db migrate` (src/db/migrator.ts).
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
const migrationsDir = join(root, 'prisma/migrations');
const schemaPath = join(root, 'prisma/schema.prisma');

type Engine = typeof import('@prisma/schema-engine-wasm');

async function loadEngine(): Promise<Engine> {
  const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const pkgDir = join(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'), '..');
  const module = new WebAssembly.Module(readFileSync(join(pkgDir, 'schema_engine_bg.wasm')));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bg as never });
  (bg as unknown as { __wbg_set_wasm(x: unknown): void }).__wbg_set_wasm(instance.exports);
  return bg as unknown as Engine;
}

/** pglite-prisma-adapter 0.7.2 reports no schema name; the engine requires one. */
function withSchemaName(factory: PrismaPGlite): PrismaPGlite {
  return Object.assign(Object.create(factory) as PrismaPGlite, {
    connect: async () =>
      Object.assign(await factory.connect(), {
        getConnectionInfo: () => ({ schemaName: 'public', supportsRelationJoins: true }),
      }),
  });
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const name = args.find((a) => !a.startsWith('--'));
  if (!check && !name) {
    console.error('usage: npm run db:diff -- <name> | --check');
    process.exit(2);
  }
  mkdirSync(migrationsDir, { recursive: true });
  const lock = join(migrationsDir, 'migration_lock.toml');
  if (!existsSync(lock)) writeFileSync(lock, '# Do not edit by hand.\nprovider = "postgresql"\n');

  const dirs = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const last = dirs.at(-1);
  const previous = last ? readFileSync(join(migrationsDir, last, 'schema.prisma'), 'utf8') : null;
  const schema = readFileSync(schemaPath, 'utf8');

  const { SchemaEngine } = await loadEngine();
  const db = new PGlite(); // the engine wants an adapter; a datamodel diff never queries it
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(withSchemaName(new PrismaPGlite(db))),
  );
  const result = (await engine.diff({
    from: previous
      ? { tag: 'schemaDatamodel', files: [{ path: 'previous.prisma', content: previous }] }
      : { tag: 'empty' },
    to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
    script: true,
    exitCode: true,
    filters: { externalTables: [], externalEnums: [] },
  } as never)) as { exitCode: number; stdout: string };
  await db.close();
  // Tables stay unqualified so that the migrator can apply them into any schema (tests use
  // one schema each); the engine's "CREATE SCHEMA public" for a first migration is dropped.
  const sql = result.stdout.replace(/-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n*/, '').trim();
  const empty = sql === '' || sql.startsWith('-- This is an empty migration.');
  if (check) {
    if (!empty) {
      console.error('prisma/schema.prisma has changes with no migration:\n' + sql);
      process.exit(1);
    }
    console.log('migrations match the schema');
    return;
  }
  if (empty) {
    console.log('no changes: no migration written');
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(migrationsDir, `${stamp}_${name!.replace(/[^a-z0-9_]/gi, '_')}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration.sql'), sql + '\n');
  writeFileSync(join(dir, 'schema.prisma'), schema);
  console.log(`wrote ${dir}/migration.sql`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
