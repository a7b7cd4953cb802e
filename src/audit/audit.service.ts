/** Audit log writes. Every look-up attempt and every admin action goes here; never a clear ID. */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export interface AuditInput {
  action: string;
  result: string;
  channel?: string;
  identityId?: number;
  subjectHash?: string;
  personId?: number;
  actor?: string;
  detail?: Prisma.InputJsonValue;
  at?: Date;
}

type Tx = Pick<PrismaClient, 'auditEvent'>;

export async function audit(db: Tx, e: AuditInput): Promise<void> {
  await db.auditEvent.create({ data: { ...e, at: e.at ?? new Date() } });
}
