-- DropIndex
DROP INDEX "task_results_finished_idx";

-- AlterTable
ALTER TABLE "task_results" ADD COLUMN "cancel_requested_at" DATETIME;

-- CreateIndex
CREATE INDEX "task_results_finished_idx" ON "task_results"("finished_at") WHERE status IN ('COMPLETE', 'FAILED', 'CANCELLED');
