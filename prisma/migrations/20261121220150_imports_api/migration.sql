-- CreateTable
CREATE TABLE "ImportBatch" (
    "id" SERIAL NOT NULL,
    "programId" INTEGER NOT NULL,
    "fileName" TEXT NOT NULL,
    "fileHash" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "partial" BOOLEAN NOT NULL DEFAULT false,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "phase" TEXT,
    "rowsRead" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB,
    "errorDir" TEXT,
    "actor" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ImportBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportRow" (
    "importId" INTEGER NOT NULL,
    "rowNo" INTEGER NOT NULL,
    "ok" BOOLEAN NOT NULL DEFAULT true,
    "idHash" TEXT NOT NULL,
    "idLast" TEXT NOT NULL,
    "idKind" TEXT NOT NULL,
    "fullName" TEXT NOT NULL,
    "birthDate" DATE,
    "birthYear" INTEGER NOT NULL,
    "gender" TEXT,
    "communeId" INTEGER NOT NULL,
    "phoneHash" TEXT,
    "phoneCipher" TEXT,
    "groupId" INTEGER NOT NULL,
    "exclusivity" TEXT,
    "amount" BIGINT NOT NULL,
    "stage" TEXT NOT NULL,
    "stageGiven" BOOLEAN NOT NULL DEFAULT true,
    "status" TEXT NOT NULL,
    "dueAt" DATE,
    "paidAt" DATE,
    "paymentPlace" TEXT,
    "reason" TEXT,
    "externalId" TEXT,

    CONSTRAINT "ImportRow_pkey" PRIMARY KEY ("importId","rowNo")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "areaId" INTEGER NOT NULL,
    "scope" TEXT NOT NULL DEFAULT 'write',
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ImportBatch_programId_createdAt_idx" ON "ImportBatch"("programId", "createdAt");

-- CreateIndex
CREATE INDEX "ImportBatch_fileHash_idx" ON "ImportBatch"("fileHash");

-- CreateIndex
CREATE INDEX "ImportRow_importId_idHash_idx" ON "ImportRow"("importId", "idHash");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- AddForeignKey
ALTER TABLE "ImportBatch" ADD CONSTRAINT "ImportBatch_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportRow" ADD CONSTRAINT "ImportRow_importId_fkey" FOREIGN KEY ("importId") REFERENCES "ImportBatch"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_areaId_fkey" FOREIGN KEY ("areaId") REFERENCES "Area"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
