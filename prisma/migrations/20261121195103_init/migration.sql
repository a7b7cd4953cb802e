-- CreateTable
CREATE TABLE "Area" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "scheme" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "parentId" INTEGER,
    "path" TEXT NOT NULL,
    "validFrom" DATE,
    "validTo" DATE,
    "successorId" INTEGER,
    "source" TEXT NOT NULL,

    CONSTRAINT "Area_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Program" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,
    "intakeOpens" DATE,
    "intakeCloses" DATE,
    "definition" JSONB NOT NULL,
    "definitionHash" TEXT NOT NULL,
    "loadedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Program_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProgramGroup" (
    "id" SERIAL NOT NULL,
    "programId" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "amountUnit" TEXT NOT NULL,
    "periods" INTEGER,
    "paidAtOnce" BOOLEAN NOT NULL,
    "provinceCode" TEXT,
    "exclusivity" TEXT,
    "definition" JSONB NOT NULL,

    CONSTRAINT "ProgramGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Stage" (
    "id" SERIAL NOT NULL,
    "groupId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameEn" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "ownerLevel" TEXT,
    "dayLimit" INTEGER,
    "dayUnit" TEXT,
    "payment" BOOLEAN NOT NULL DEFAULT false,
    "unverified" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Stage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Person" (
    "id" SERIAL NOT NULL,
    "idHash" TEXT NOT NULL,
    "idLast" TEXT NOT NULL,
    "idKind" TEXT NOT NULL,
    "fullName" TEXT NOT NULL,
    "birthDate" DATE,
    "birthYear" INTEGER NOT NULL,
    "gender" TEXT,
    "communeId" INTEGER,
    "phoneHash" TEXT,
    "phoneCipher" TEXT,
    "householdRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Entitlement" (
    "id" SERIAL NOT NULL,
    "personId" INTEGER NOT NULL,
    "programId" INTEGER NOT NULL,
    "groupId" INTEGER NOT NULL,
    "communeId" INTEGER,
    "amount" BIGINT NOT NULL,
    "amountDetail" JSONB,
    "stage" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "stageEnteredAt" DATE NOT NULL,
    "dueAt" DATE,
    "rejectionReason" TEXT,
    "paidAt" DATE,
    "paymentPlace" TEXT,
    "paymentMethod" TEXT,
    "decisionNo" TEXT,
    "externalId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Entitlement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EntitlementEvent" (
    "id" BIGSERIAL NOT NULL,
    "entitlementId" INTEGER NOT NULL,
    "fromStage" TEXT,
    "toStage" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL,
    "actor" TEXT,
    "note" TEXT,

    CONSTRAINT "EntitlementEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CalendarDay" (
    "date" DATE NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "CalendarDay_pkey" PRIMARY KEY ("date")
);

-- CreateTable
CREATE TABLE "Meta" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Meta_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "Area_parentId_idx" ON "Area"("parentId");

-- CreateIndex
CREATE INDEX "Area_path_idx" ON "Area"("path");

-- CreateIndex
CREATE UNIQUE INDEX "Area_code_scheme_key" ON "Area"("code", "scheme");

-- CreateIndex
CREATE UNIQUE INDEX "Program_code_key" ON "Program"("code");

-- CreateIndex
CREATE UNIQUE INDEX "ProgramGroup_programId_code_key" ON "ProgramGroup"("programId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "Stage_groupId_code_key" ON "Stage"("groupId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "Stage_groupId_seq_key" ON "Stage"("groupId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Person_idHash_key" ON "Person"("idHash");

-- CreateIndex
CREATE INDEX "Person_communeId_idx" ON "Person"("communeId");

-- CreateIndex
CREATE INDEX "Person_phoneHash_idx" ON "Person"("phoneHash");

-- CreateIndex
CREATE INDEX "Entitlement_communeId_status_idx" ON "Entitlement"("communeId", "status");

-- CreateIndex
CREATE INDEX "Entitlement_programId_status_idx" ON "Entitlement"("programId", "status");

-- CreateIndex
CREATE INDEX "Entitlement_status_dueAt_idx" ON "Entitlement"("status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "Entitlement_personId_groupId_key" ON "Entitlement"("personId", "groupId");

-- CreateIndex
CREATE UNIQUE INDEX "Entitlement_programId_externalId_key" ON "Entitlement"("programId", "externalId");

-- CreateIndex
CREATE INDEX "EntitlementEvent_entitlementId_at_idx" ON "EntitlementEvent"("entitlementId", "at");

-- AddForeignKey
ALTER TABLE "Area" ADD CONSTRAINT "Area_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Area" ADD CONSTRAINT "Area_successorId_fkey" FOREIGN KEY ("successorId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProgramGroup" ADD CONSTRAINT "ProgramGroup_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Stage" ADD CONSTRAINT "Stage_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ProgramGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Person" ADD CONSTRAINT "Person_communeId_fkey" FOREIGN KEY ("communeId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ProgramGroup"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Entitlement" ADD CONSTRAINT "Entitlement_communeId_fkey" FOREIGN KEY ("communeId") REFERENCES "Area"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EntitlementEvent" ADD CONSTRAINT "EntitlementEvent_entitlementId_fkey" FOREIGN KEY ("entitlementId") REFERENCES "Entitlement"("id") ON DELETE CASCADE ON UPDATE CASCADE;
