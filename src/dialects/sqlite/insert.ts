// Enqueue on SQLite: every row in one INSERT from a JSON parameter (workers poll; SQLite has no NOTIFY).
import { insertPayload } from "../rows.js";
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
  await client.$executeRawUnsafe(INSERT_TASKS, insertPayload(tasks, sqliteTime));
}
