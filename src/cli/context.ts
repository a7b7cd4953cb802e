/**
 * What a CLI command needs, built once and lazily: config, logger, keys, database. The
 * database is migrated before use so every command works on a fresh data folder.
 */
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { migrate } from '../db/migrator.js';
import { createLogger, type Logger } from '../shared/log.js';
import { loadKeys, type Keys } from '../shared/secrets.js';

export class CliContext {
  readonly config: Readonly<Config>;
  readonly log: Logger;
  private db?: Database;
  private keysCache?: Keys;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.config = loadConfig(env);
    this.log = createLogger({ level: this.config.logLevel, destination: process.stderr as never });
  }

  get keys(): Keys {
    return (this.keysCache ??= loadKeys(this.config));
  }

  /** Opens (and migrates) the configured database. */
  async database(opts: { migrate?: boolean } = {}): Promise<Database> {
    if (!this.db) {
      const db = await openDatabase({ url: this.config.database.url, pgliteDir: this.config.database.pgliteDir });
      this.db = db;
      if (opts.migrate !== false) await migrate(db.sql);
    }
    return this.db;
  }

  /** Which database this is, for messages (never prints a password). */
  describeDatabase(): string {
    return this.config.database.url ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${this.config.database.pgliteDir}`;
  }

  async close(): Promise<void> {
    await this.db?.close();
    this.db = undefined;
  }
}
