-- AlterTable
ALTER TABLE "task_results" ADD COLUMN "unique_held" BOOLEAN DEFAULT false;
ALTER TABLE "task_results" ADD COLUMN "unique_key" TEXT;
ALTER TABLE "task_results" ADD COLUMN "unique_while" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "task_results_unique_key_idx" ON "task_results"("task_name", "unique_key") WHERE unique_held AND status IN ('NEW', 'RUNNING');
