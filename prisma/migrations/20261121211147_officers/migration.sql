-- AlterTable
ALTER TABLE "ChannelIdentity" ADD COLUMN     "officerId" INTEGER;

-- AlterTable
ALTER TABLE "HandoffRequest" ADD COLUMN     "answeredAt" TIMESTAMP(3),
ADD COLUMN     "answeredBy" INTEGER,
ADD COLUMN     "closedAt" TIMESTAMP(3),
ADD COLUMN     "replies" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Officer" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "areaId" INTEGER NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'vi',
    "digestTime" TEXT NOT NULL DEFAULT '07:30',
    "quietStart" TEXT NOT NULL DEFAULT '21:00',
    "quietEnd" TEXT NOT NULL DEFAULT '06:30',
    "mutedUntil" DATE,
    "emptyDigest" TEXT NOT NULL DEFAULT 'short',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Officer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OfficerInvite" (
    "id" SERIAL NOT NULL,
    "codeHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "areaId" INTEGER NOT NULL,
    "name" TEXT,
    "officerId" INTEGER,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OfficerInvite_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Digest" (
    "id" SERIAL NOT NULL,
    "officerId" INTEGER NOT NULL,
    "date" DATE NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "summary" JSONB NOT NULL,

    CONSTRAINT "Digest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OnceKey" (
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OnceKey_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "Officer_areaId_idx" ON "Officer"("areaId");

-- CreateIndex
CREATE UNIQUE INDEX "OfficerInvite_codeHash_key" ON "OfficerInvite"("codeHash");

-- CreateIndex
CREATE UNIQUE INDEX "Digest_officerId_date_key" ON "Digest"("officerId", "date");

-- CreateIndex
CREATE INDEX "ChannelIdentity_officerId_idx" ON "ChannelIdentity"("officerId");

-- CreateIndex
CREATE INDEX "HandoffRequest_status_communeId_idx" ON "HandoffRequest"("status", "communeId");

-- AddForeignKey
ALTER TABLE "ChannelIdentity" ADD CONSTRAINT "ChannelIdentity_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Officer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Officer" ADD CONSTRAINT "Officer_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OfficerInvite" ADD CONSTRAINT "OfficerInvite_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Officer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Digest" ADD CONSTRAINT "Digest_officerId_fkey" FOREIGN KEY ("officerId") REFERENCES "Officer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
