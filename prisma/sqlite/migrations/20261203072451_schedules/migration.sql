-- AlterTable
ALTER TABLE "task_results" ADD COLUMN "schedule_key" TEXT;
ALTER TABLE "task_results" ADD COLUMN "scheduled_at" DATETIME;

-- CreateIndex
CREATE UNIQUE INDEX "task_results_schedule_slot_key" ON "task_results"("schedule_key", "scheduled_at");
