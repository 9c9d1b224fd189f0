// Enqueue on MySQL: every row in one INSERT from a JSON parameter, unpacked by JSON_TABLE (workers poll; MySQL has no
// NOTIFY).
import { insertPayload } from "../rows.js";
import type { NewTask, SqlClient } from "../types.js";
import { jsonOrNull } from "./columns.js";
import { mysqlTime } from "./time.js";

/** A task row of the batch's JSON, as JSON_TABLE columns; `extra` adds columns of the same shape. */
export function taskRows(extra = ""): string {
  return `JSON_TABLE(?, '$[*]' COLUMNS (
  id CHAR(36) PATH '$.id', task_name VARCHAR(200) PATH '$.task_name', queue_name VARCHAR(64) PATH '$.queue_name',
  backend VARCHAR(64) PATH '$.backend', priority INT PATH '$.priority', args JSON PATH '$.args',
  args_meta JSON PATH '$.args_meta', run_after DATETIME(3) PATH '$.run_after', enqueued_at DATETIME(3) PATH '$.enqueued_at',
  max_attempts INT PATH '$.max_attempts', trace_context TEXT PATH '$.trace_context'${extra}
)) AS n`;
}

export const COLUMNS = `id, task_name, status, queue_name, backend, priority, args, args_meta, run_after, enqueued_at, attempts,
                 max_attempts, worker_ids, errors, trace_context`;
// A JSON null (args_meta of plain args) is stored as SQL NULL.
export const VALUES = `n.id, n.task_name, 'NEW', n.queue_name, n.backend, n.priority, n.args, ${jsonOrNull("n.args_meta")},
       n.run_after, n.enqueued_at, 0, n.max_attempts, '[]', '[]', n.trace_context`;

const INSERT_TASKS = `INSERT INTO task_results (${COLUMNS}) SELECT ${VALUES} FROM ${taskRows()}`;

// A task whose key a row holds is left out: the unique index on (task_name, unique_key, unique_held) has the holders
// of each key (unique_held TRUE; NULL once given up), and InnoDB checks it row by row, waiting for a transaction that
// inserted the key and has not committed. `id = id` changes nothing: the row that holds the key stays as it is.
const INSERT_UNIQUE_TASKS = `
INSERT INTO task_results (${COLUMNS}, unique_key, unique_while, unique_held)
SELECT ${VALUES}, n.unique_key, n.unique_while, TRUE
FROM ${taskRows(", unique_key VARCHAR(200) PATH '$.unique_key', unique_while VARCHAR(16) PATH '$.unique_while'")}
ON DUPLICATE KEY UPDATE id = task_results.id`;

/** Which of these ids have a row: what an INSERT that may leave rows out inserted (ids are new, so none had one). */
export async function insertedIds(client: SqlClient, ids: readonly string[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM task_results WHERE id IN (SELECT value FROM JSON_TABLE(?, '$[*]' COLUMNS (value CHAR(36) PATH '$')) AS ids)`,
    JSON.stringify(ids),
  );
  return rows.map((row) => String(row.id));
}

export async function insertTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<void> {
  await client.$executeRawUnsafe(INSERT_TASKS, insertPayload(tasks, mysqlTime));
}

export async function insertUniqueTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<string[]> {
  // The count of affected rows cannot tell: drivers that report found rows (mariadb's default) count a duplicate too.
  await client.$executeRawUnsafe(INSERT_UNIQUE_TASKS, insertPayload(tasks, mysqlTime));
  return insertedIds(client, tasks.map((task) => task.id));
}
