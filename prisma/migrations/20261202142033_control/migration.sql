-- DropIndex
DROP INDEX "task_results_finished_idx";

-- AlterTable
ALTER TABLE "task_results" ADD COLUMN     "cancel_requested_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "task_results_finished_idx" ON "task_results"("finished_at") WHERE (status = ANY (ARRAY['COMPLETE'::text, 'FAILED'::text, 'CANCELLED'::text]));
