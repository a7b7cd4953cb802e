/** Chats (channel identities): created on first message, with language and consent. */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import { cancelChatMessages } from '../outbox/outbox.service.js';

export interface Identity {
  id: number;
  channel: string;
  locale: string;
  notify: boolean;
  /** Set when the chat belongs to an officer. */
  officerId: number | null;
}

/**
 * Finds or creates the chat and records the time of its last message, in one statement
 * (INSERT ... ON CONFLICT), so two requests for a new chat at once cannot collide.
 */
export async function touchIdentity(sql: SqlRunner, channel: string, externalId: string, now: Date, locale?: string): Promise<Identity> {
  const rows = await sql.query<Identity>(
    `INSERT INTO "ChannelIdentity" (channel, "externalId", "lastInboundAt", locale, "updatedAt")
     VALUES ($1, $2, $3, $4, $3)
     ON CONFLICT (channel, "externalId") DO UPDATE SET "lastInboundAt" = EXCLUDED."lastInboundAt", blocked = false, "updatedAt" = EXCLUDED."updatedAt"
     RETURNING id, channel, locale, notify, "officerId"`,
    [channel, externalId, now, locale === 'en' ? 'en' : 'vi'],
  );
  return rows[0]!;
}

/** Finds or creates the chat without touching its last-message time (a page opening its push stream). */
export async function ensureIdentity(prisma: PrismaClient, channel: string, externalId: string): Promise<{ id: number }> {
  const rows = await prisma.$queryRaw<{ id: number }[]>`
    INSERT INTO "ChannelIdentity" (channel, "externalId", "updatedAt") VALUES (${channel}, ${externalId}, now())
    ON CONFLICT (channel, "externalId") DO UPDATE SET channel = EXCLUDED.channel
    RETURNING id`;
  return rows[0]!;
}

export async function setLocale(prisma: PrismaClient, id: number, locale: 'vi' | 'en') {
  await prisma.channelIdentity.update({ where: { id }, data: { locale } });
}

export async function setNotify(prisma: PrismaClient, id: number, notify: boolean) {
  await prisma.channelIdentity.update({ where: { id }, data: { notify } });
}

/**
 * "Forget me": removes the chat's bindings and consent, withdraws its open requests, and cancels
 * the messages still queued for it (a status notice or a broadcast queued a moment before must
 * not arrive after the citizen asked us to stop). Returns how many files were unlinked.
 */
export async function forgetIdentity(sql: SqlRunner, id: number): Promise<number> {
  return sql.transaction(async (tx) => {
    const unlinked = await tx.query(`DELETE FROM "Binding" WHERE "identityId" = $1 RETURNING id`, [id]);
    await tx.query(`UPDATE "ChannelIdentity" SET notify = false, "updatedAt" = now() WHERE id = $1`, [id]);
    await tx.query(`UPDATE "HandoffRequest" SET status = 'withdrawn' WHERE "identityId" = $1 AND status = 'open'`, [id]);
    await cancelChatMessages(tx, { identityId: id });
    return unlinked.length;
  });
}
