/**
 * Audit log writes: every look-up attempt and every admin action. Never a clear ID number.
 * One INSERT through the SQL runner (it sits on the look-up hot path; see docs/BENCHMARKS.md).
 */
import type { SqlRunner } from '../db/sql.js';

export interface AuditInput {
  action: string;
  result: string;
  channel?: string;
  identityId?: number;
  subjectHash?: string;
  personId?: number;
  actor?: string;
  detail?: object;
  at?: Date;
}

export async function audit(sql: SqlRunner, e: AuditInput): Promise<void> {
  await sql.query(
    `INSERT INTO "AuditEvent" (at, action, result, channel, "identityId", "subjectHash", "personId", actor, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [e.at ?? new Date(), e.action, e.result, e.channel ?? null, e.identityId ?? null, e.subjectHash ?? null, e.personId ?? null, e.actor ?? null, e.detail ? JSON.stringify(e.detail) : null],
  );
}
