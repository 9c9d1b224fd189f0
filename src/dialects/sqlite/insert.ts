// Enqueue on SQLite: every row in one INSERT from a JSON parameter (workers poll; SQLite has no NOTIFY).
import { insertPayload } from "../rows.js";
import type { NewTask, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

/** The predicate of the partial unique index on (task_name, unique_key): the rows that hold their key. */
export const HOLDS_KEY = "unique_held AND status IN ('NEW', 'RUNNING')";

const COLUMNS = `id, task_name, status, queue_name, backend, priority, args, args_meta, run_after, enqueued_at, attempts,
                 max_attempts, worker_ids, errors, trace_context`;
const VALUES = `value ->> '$.id', value ->> '$.task_name', 'NEW', value ->> '$.queue_name', value ->> '$.backend',
       value ->> '$.priority', value -> '$.args', NULLIF(value -> '$.args_meta', 'null'), value ->> '$.run_after',
       value ->> '$.enqueued_at', 0, value ->> '$.max_attempts', '[]', '[]', value ->> '$.trace_context'`;

const INSERT_TASKS = `
INSERT INTO task_results (${COLUMNS})
SELECT ${VALUES}
FROM json_each(?)`;

// A task whose key a row holds is skipped: SQLite's single writer checks the unique index row by row, so of two
// enqueuers (or two rows of one batch) only the first stores the key. `WHERE true` keeps SQLite's parser from reading
// ON CONFLICT as a join's ON.
const INSERT_UNIQUE_TASKS = `
INSERT INTO task_results (${COLUMNS}, unique_key, unique_while, unique_held)
SELECT ${VALUES}, value ->> '$.unique_key', value ->> '$.unique_while', 1
FROM json_each(?) WHERE true
ON CONFLICT (task_name, unique_key) WHERE ${HOLDS_KEY} DO NOTHING
RETURNING id`;

export async function insertTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<void> {
  await client.$executeRawUnsafe(INSERT_TASKS, insertPayload(tasks, sqliteTime));
}

export async function insertUniqueTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(INSERT_UNIQUE_TASKS, insertPayload(tasks, sqliteTime));
  return rows.map((row) => String(row.id));
}
