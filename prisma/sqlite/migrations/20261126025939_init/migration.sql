-- CreateTable
CREATE TABLE "task_results" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "task_name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'NEW',
    "queue_name" TEXT NOT NULL DEFAULT 'default',
    "backend" TEXT NOT NULL DEFAULT 'default',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "args" JSONB NOT NULL,
    "args_meta" JSONB,
    "run_after" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enqueued_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" DATETIME,
    "finished_at" DATETIME,
    "last_attempted_at" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 1,
    "worker_ids" JSONB NOT NULL DEFAULT [],
    "return_value" JSONB,
    "return_value_meta" JSONB,
    "errors" JSONB NOT NULL DEFAULT [],
    "locked_by" TEXT,
    "heartbeat_at" DATETIME
);

-- CreateIndex
CREATE INDEX "task_results_ready_idx" ON "task_results"("priority" DESC, "run_after", "enqueued_at") WHERE status = 'NEW';

-- CreateIndex
CREATE INDEX "task_results_lease_idx" ON "task_results"("heartbeat_at") WHERE status = 'RUNNING';

-- CreateIndex
CREATE INDEX "task_results_finished_idx" ON "task_results"("finished_at") WHERE status IN ('COMPLETE', 'FAILED');
