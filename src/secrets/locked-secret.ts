/**
 * A secret value kept encrypted in the database (Meta table) and replaced under a lock every
 * process shares: a PostgreSQL advisory lock held by the transaction that reads, renews and
 * saves it. Made for Zalo's single-use refresh token: two processes refreshing at once would
 * burn the token and lock the OA out, so only one may, and the new token is saved before the
 * lock is released.
 */
import type { SqlRunner } from '../db/sql.js';
import { open, seal } from '../shared/secrets.js';

export class LockedSecret<T> {
  constructor(
    private readonly sql: SqlRunner,
    private readonly key: Buffer,
    /** Meta key, e.g. "secret:zalo-tokens". */
    private readonly name: string,
  ) {}

  async current(): Promise<T | null> {
    const rows = await this.sql.query<{ value: { sealed: string } }>(`SELECT value FROM "Meta" WHERE key = $1`, [this.name]);
    return rows[0] ? this.unseal(rows[0].value.sealed) : null;
  }

  /**
   * Runs `fn` with the current value under the lock and saves what it returns (null: no
   * change). `fn` must not use the database: on the embedded database this transaction holds
   * the only connection.
   */
  async refresh(fn: (current: T | null) => Promise<T | null>): Promise<T | null> {
    return this.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [this.name]);
      const rows = await tx.query<{ value: { sealed: string } }>(`SELECT value FROM "Meta" WHERE key = $1`, [this.name]);
      const current = rows[0] ? this.unseal(rows[0].value.sealed) : null;
      const next = await fn(current);
      if (next !== null && next !== current) {
        await tx.query(
          `INSERT INTO "Meta" (key, value, "updatedAt") VALUES ($1, $2::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "updatedAt" = now()`,
          [this.name, JSON.stringify({ sealed: seal(this.key, JSON.stringify(next)) })],
        );
      }
      return next ?? current;
    });
  }

  private unseal(sealed: string): T {
    return JSON.parse(open(this.key, sealed)) as T;
  }
}
