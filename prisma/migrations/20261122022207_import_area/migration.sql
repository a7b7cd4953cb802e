-- AlterTable
ALTER TABLE "ImportBatch" ADD COLUMN     "areaPath" TEXT;
