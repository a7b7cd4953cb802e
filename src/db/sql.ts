/**
 * A minimal SQL runner over either real PostgreSQL (pg) or embedded PGlite, for the few
 * places that need raw, set-based SQL (migrations, bulk writes, aggregate reports). Everything
 * else goes through Prisma.
 */
export interface SqlRunner {
  /** Runs one parameterised statement; returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` inside one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}
