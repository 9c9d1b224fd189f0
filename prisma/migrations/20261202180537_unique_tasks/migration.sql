-- AlterTable
ALTER TABLE "task_results" ADD COLUMN     "unique_held" BOOLEAN DEFAULT false,
ADD COLUMN     "unique_key" VARCHAR(200),
ADD COLUMN     "unique_while" VARCHAR(16);

-- CreateIndex
CREATE UNIQUE INDEX "task_results_unique_key_idx" ON "task_results"("task_name", "unique_key") WHERE (unique_held AND (status = ANY (ARRAY['NEW'::text, 'RUNNING'::text])));
