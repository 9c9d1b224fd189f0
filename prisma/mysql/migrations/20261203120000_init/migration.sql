-- Task names, queues, backends, unique keys and schedule keys compare byte by byte, as on PostgreSQL and SQLite: the
-- table's collation (utf8mb4_unicode_ci) would take "aB3x" and "Ab3X" for one unique key. Prisma's schema cannot say
-- a column's collation, so this migration does (the one edit to what `prisma migrate dev` writes).

-- CreateTable
CREATE TABLE `task_results` (
    `id` CHAR(36) NOT NULL,
    `task_name` VARCHAR(200) COLLATE utf8mb4_bin NOT NULL,
    `status` VARCHAR(16) NOT NULL DEFAULT 'NEW',
    `queue_name` VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT 'default',
    `backend` VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT 'default',
    `priority` INTEGER NOT NULL DEFAULT 0,
    `args` JSON NOT NULL,
    `args_meta` JSON NULL,
    `run_after` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `enqueued_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `started_at` DATETIME(3) NULL,
    `finished_at` DATETIME(3) NULL,
    `last_attempted_at` DATETIME(3) NULL,
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `max_attempts` INTEGER NOT NULL DEFAULT 1,
    `worker_ids` JSON NOT NULL,
    `return_value` JSON NULL,
    `return_value_meta` JSON NULL,
    `errors` JSON NOT NULL,
    `locked_by` VARCHAR(64) NULL,
    `heartbeat_at` DATETIME(3) NULL,
    `lease_expires_at` DATETIME(3) NULL,
    `cancel_requested_at` DATETIME(3) NULL,
    `unique_key` VARCHAR(200) COLLATE utf8mb4_bin NULL,
    `unique_while` VARCHAR(16) NULL,
    `unique_held` BOOLEAN NULL DEFAULT false,
    `trace_context` TEXT NULL,
    `schedule_key` VARCHAR(200) COLLATE utf8mb4_bin NULL,
    `scheduled_at` DATETIME(3) NULL,

    INDEX `task_results_ready_idx`(`status`, `priority` DESC, `run_after`, `enqueued_at`),
    INDEX `task_results_lease_idx`(`status`, `lease_expires_at`),
    INDEX `task_results_finished_idx`(`finished_at`),
    INDEX `task_results_failed_idx`(`status`, `id`),
    UNIQUE INDEX `task_results_unique_key_idx`(`task_name`, `unique_key`, `unique_held`),
    UNIQUE INDEX `task_results_schedule_slot_key`(`schedule_key`, `scheduled_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
