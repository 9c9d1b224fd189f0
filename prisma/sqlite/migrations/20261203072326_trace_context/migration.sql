-- AlterTable
ALTER TABLE "task_results" ADD COLUMN "trace_context" TEXT;
