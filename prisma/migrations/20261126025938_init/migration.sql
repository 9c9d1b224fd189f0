-- CreateTable
CREATE TABLE "task_results" (
    "id" UUID NOT NULL,
    "task_name" VARCHAR(200) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'NEW',
    "queue_name" VARCHAR(64) NOT NULL DEFAULT 'default',
    "backend" VARCHAR(64) NOT NULL DEFAULT 'default',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "args" JSONB NOT NULL,
    "args_meta" JSONB,
    "run_after" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enqueued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "last_attempted_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 1,
    "worker_ids" JSONB NOT NULL DEFAULT '[]',
    "return_value" JSONB,
    "return_value_meta" JSONB,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "locked_by" VARCHAR(64),
    "heartbeat_at" TIMESTAMPTZ(3),

    CONSTRAINT "task_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "task_results_ready_idx" ON "task_results"("priority" DESC, "run_after", "enqueued_at") WHERE (status = 'NEW'::text);

-- CreateIndex
CREATE INDEX "task_results_lease_idx" ON "task_results"("heartbeat_at") WHERE (status = 'RUNNING'::text);

-- CreateIndex
CREATE INDEX "task_results_finished_idx" ON "task_results"("finished_at") WHERE (status = ANY (ARRAY['COMPLETE'::text, 'FAILED'::text]));
