-- DropIndex
DROP INDEX "task_results_schedule_slot_key";

-- CreateIndex
CREATE UNIQUE INDEX "task_results_schedule_slot_key" ON "task_results"("schedule_key", "scheduled_at") WHERE schedule_key IS NOT NULL;
