-- CreateIndex
CREATE INDEX "task_results_failed_idx" ON "task_results"("id", "queue_name", "status") WHERE (status = ANY (ARRAY['FAILED'::text, 'CANCELLED'::text]));
