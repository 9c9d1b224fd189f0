// The tasks that hold unique keys on SQLite: found, or given a later enqueue's args, priority and runAfter.
import { insertPayload, type RawTask } from "../rows.js";
import type { NewTask, SqlClient, StoredTask, UniqueKey } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";
import { HOLDS_KEY } from "./insert.js";
import { sqliteTime } from "./time.js";

// Only a NEW holder is replaced: a RUNNING one (unique.while "unfinished") has started with its args; a replaced one
// takes the later enqueue's trace context too. The new values are named apart from the table's columns, which
// RETURNING reads.
const REPLACE_HELD = `
UPDATE task_results
SET args = r.new_args, args_meta = r.new_args_meta, priority = r.new_priority, run_after = r.new_run_after,
    trace_context = r.new_trace_context
FROM (
  SELECT value ->> '$.task_name' AS key_task, value ->> '$.unique_key' AS key, value -> '$.args' AS new_args,
         NULLIF(value -> '$.args_meta', 'null') AS new_args_meta, value ->> '$.priority' AS new_priority,
         value ->> '$.run_after' AS new_run_after, value ->> '$.trace_context' AS new_trace_context
  FROM json_each(?)
) AS r
WHERE task_name = r.key_task AND unique_key = r.key AND unique_held AND status = 'NEW'
RETURNING ${SQLITE_TASK_COLUMNS}`;

const FIND_HOLDERS = `
SELECT ${SQLITE_TASK_COLUMNS}
FROM task_results
WHERE ${HOLDS_KEY}
  AND (task_name, unique_key) IN (SELECT value ->> '$.task_name', value ->> '$.unique_key' FROM json_each(?))`;

export async function replaceHeldTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<StoredTask[]> {
  const rows = await client.$queryRawUnsafe<RawTask[]>(REPLACE_HELD, insertPayload(tasks, sqliteTime));
  return rows.map(toStoredSqliteTask);
}

export async function findKeyHolders(client: SqlClient, keys: readonly UniqueKey[]): Promise<StoredTask[]> {
  const payload = JSON.stringify(keys.map((key) => ({ task_name: key.taskName, unique_key: key.uniqueKey })));
  const rows = await client.$queryRawUnsafe<RawTask[]>(FIND_HOLDERS, payload);
  return rows.map(toStoredSqliteTask);
}
