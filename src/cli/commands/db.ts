import type { Command } from 'commander';
import type { ContextFactory } from '../main.js';
import { migrate, pendingMigrations } from '../../db/migrator.js';

export function registerDb(program: Command, ctx: ContextFactory) {
  const db = program.command('db').description('Database: migrations and status');
  db.command('migrate')
    .description('Apply pending SQL migrations from prisma/migrations (PostgreSQL or embedded PGlite; offline)')
    .action(async () => {
      const c = ctx();
      const database = await c.database({ migrate: false });
      const r = await migrate(database.sql);
      console.log(`${c.describeDatabase()}: ${r.applied.length} migration(s) applied${r.applied.length ? ` (${r.applied.join(', ')})` : ''}, ${r.alreadyApplied} already up to date.`);
    });
  db.command('status')
    .description('List migrations not yet applied')
    .action(async () => {
      const c = ctx();
      const database = await c.database({ migrate: false });
      const pending = await pendingMigrations(database.sql);
      console.log(pending.length ? `${pending.length} pending: ${pending.join(', ')}` : `${c.describeDatabase()}: up to date.`);
    });
}
