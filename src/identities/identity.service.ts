/** Chats (channel identities): created on first message, with language and consent. */
import type { PrismaClient } from '../generated/prisma/client.js';

export interface Identity {
  id: number;
  channel: string;
  locale: string;
  notify: boolean;
}

/** Finds or creates the chat and records the time of its last message. */
export async function touchIdentity(prisma: PrismaClient, channel: string, externalId: string, now: Date, locale?: string): Promise<Identity> {
  const r = await prisma.channelIdentity.upsert({
    where: { channel_externalId: { channel, externalId } },
    create: { channel, externalId, lastInboundAt: now, locale: locale === 'en' ? 'en' : 'vi' },
    update: { lastInboundAt: now, blocked: false },
    select: { id: true, channel: true, locale: true, notify: true },
  });
  return r;
}

export async function setLocale(prisma: PrismaClient, id: number, locale: 'vi' | 'en') {
  await prisma.channelIdentity.update({ where: { id }, data: { locale } });
}

export async function setNotify(prisma: PrismaClient, id: number, notify: boolean) {
  await prisma.channelIdentity.update({ where: { id }, data: { notify } });
}

/** "Forget me": removes the chat's bindings and consent; returns how many files were unlinked. */
export async function forgetIdentity(prisma: PrismaClient, id: number): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.binding.deleteMany({ where: { identityId: id } });
    await tx.channelIdentity.update({ where: { id }, data: { notify: false } });
    await tx.handoffRequest.updateMany({ where: { identityId: id, status: 'open' }, data: { status: 'withdrawn' } });
    return count;
  });
}
