-- CreateTable
CREATE TABLE "Broadcast" (
    "id" SERIAL NOT NULL,
    "titleVi" TEXT,
    "textVi" TEXT NOT NULL,
    "textEn" TEXT,
    "buttons" JSONB NOT NULL DEFAULT '[]',
    "audience" JSONB NOT NULL,
    "allowZns" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "scheduledAt" TIMESTAMP(3),
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "fanoutDoneAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "total" INTEGER,
    "areaPath" TEXT NOT NULL,
    "verifyCode" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Broadcast_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BroadcastDelivery" (
    "id" SERIAL NOT NULL,
    "broadcastId" INTEGER NOT NULL,
    "identityId" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "outboxId" BIGINT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BroadcastDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Broadcast_status_scheduledAt_idx" ON "Broadcast"("status", "scheduledAt");

-- CreateIndex
CREATE INDEX "BroadcastDelivery_broadcastId_channel_status_idx" ON "BroadcastDelivery"("broadcastId", "channel", "status");

-- CreateIndex
CREATE UNIQUE INDEX "BroadcastDelivery_broadcastId_identityId_key" ON "BroadcastDelivery"("broadcastId", "identityId");

-- AddForeignKey
ALTER TABLE "BroadcastDelivery" ADD CONSTRAINT "BroadcastDelivery_broadcastId_fkey" FOREIGN KEY ("broadcastId") REFERENCES "Broadcast"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (Prisma cannot express partial indexes; the schema file notes them on OutboxEvent).
-- Pending chat messages other than broadcasts, in id order: the relay's main query never reads
-- through a broadcast's backlog of tens of thousands of rows.
CREATE INDEX "OutboxEvent_pending_chat_idx" ON "OutboxEvent" ("id") WHERE "processedAt" IS NULL AND "kind" = 'chat_message' AND ("payload"->>'template') IS DISTINCT FROM 'broadcast';
-- Pending broadcast messages per channel, in id order: what the relay feeds each queue within its budget.
CREATE INDEX "OutboxEvent_pending_broadcast_idx" ON "OutboxEvent" (("payload"->>'channel'), "id") WHERE "processedAt" IS NULL AND "kind" = 'chat_message' AND ("payload"->>'template') = 'broadcast';
