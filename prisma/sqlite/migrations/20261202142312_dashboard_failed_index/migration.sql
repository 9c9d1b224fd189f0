-- CreateIndex
CREATE INDEX "task_results_failed_idx" ON "task_results"("id") WHERE status IN ('FAILED', 'CANCELLED');
