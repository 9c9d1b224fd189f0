-- AlterTable
ALTER TABLE "task_results" ADD COLUMN     "schedule_key" VARCHAR(200),
ADD COLUMN     "scheduled_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "task_results_schedule_slot_key" ON "task_results"("schedule_key", "scheduled_at");
