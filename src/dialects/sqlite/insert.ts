// Enqueue on SQLite: every row in one INSERT from a JSON parameter (workers poll; SQLite has no NOTIFY).
import type { NewTask, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

const INSERT_TASKS = `
INSERT INTO task_results (id, task_name, status, queue_name, backend, priority, args, args_meta, run_after,
                          enqueued_at, attempts, max_attempts, worker_ids, errors)
SELECT value ->> '$.id', value ->> '$.task_name', 'NEW', value ->> '$.queue_name', value ->> '$.backend',
       value ->> '$.priority', value -> '$.args', NULLIF(value -> '$.args_meta', 'null'), value ->> '$.run_after',
       value ->> '$.enqueued_at', 0, value ->> '$.max_attempts', '[]', '[]'
FROM json_each(?)`;

export async function insertTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<void> {
  const rows = tasks.map((task) => ({
    id: task.id,
    task_name: task.taskName,
    queue_name: task.queueName,
    backend: task.backend,
    priority: task.priority,
    args: task.args.json,
    args_meta: task.args.meta,
    run_after: sqliteTime(task.runAfter),
    enqueued_at: sqliteTime(task.enqueuedAt),
    max_attempts: task.maxAttempts,
  }));
  await client.$executeRawUnsafe(INSERT_TASKS, JSON.stringify(rows));
}
