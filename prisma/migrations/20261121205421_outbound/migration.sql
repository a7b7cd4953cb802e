-- AlterTable
ALTER TABLE "OutboxEvent" ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "result" TEXT;
