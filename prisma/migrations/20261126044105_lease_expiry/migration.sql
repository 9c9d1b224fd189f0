-- DropIndex
DROP INDEX "task_results_lease_idx";

-- AlterTable
ALTER TABLE "task_results" ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "task_results_lease_idx" ON "task_results"("lease_expires_at") WHERE (status = 'RUNNING'::text);
