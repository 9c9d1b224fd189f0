// The tasks that hold unique keys on PostgreSQL: found, or given a later enqueue's args, priority and runAfter.
import { insertPayload, TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { NewTask, SqlClient, StoredTask, UniqueKey } from "../types.js";
import { HOLDS_KEY } from "./insert.js";
import { perTable, perTableAndChannel, quoteLiteral } from "./names.js";

const RETURNED = TASK_COLUMNS.map((column) => `t.${column}`).join(", ");

// Only a NEW holder is replaced: a RUNNING one (unique.while "unfinished") has started with its args, and is not
// locked here, so its heartbeat and outcome never wait for the caller's transaction. A replaced task due now wakes its
// workers, as an enqueue does. It takes the later enqueue's trace context too: its attempts run with that one's args.
const REPLACE = perTableAndChannel((table, channel) => `
WITH replaced AS (
  UPDATE ${table} AS t
  SET args = COALESCE(r.args, 'null'::jsonb), args_meta = r.args_meta, priority = r.priority, run_after = r.run_after,
      trace_context = r.trace_context
  FROM jsonb_to_recordset($1::jsonb) AS r(task_name text, unique_key text, priority int, args jsonb, args_meta jsonb,
                                          run_after timestamptz, trace_context text)
  WHERE t.task_name = r.task_name AND t.unique_key = r.unique_key AND t.unique_held AND t.status = 'NEW'
  RETURNING ${RETURNED}
), woken AS (
  SELECT count(pg_notify(${quoteLiteral(channel)}, ready.queue_name))
  FROM (SELECT DISTINCT queue_name FROM replaced WHERE run_after <= clock_timestamp()) AS ready
)
SELECT replaced.* FROM replaced, woken`);

const FIND_HOLDERS = perTable((table) => `
SELECT ${RETURNED}
FROM ${table} AS t
JOIN jsonb_to_recordset($1::jsonb) AS r(task_name text, unique_key text) ON t.task_name = r.task_name AND t.unique_key = r.unique_key
WHERE ${HOLDS_KEY}`);

export async function replaceHeldTasks(table: string, channel: string, client: SqlClient, tasks: readonly NewTask[]): Promise<StoredTask[]> {
  const rows = await client.$queryRawUnsafe<RawTask[]>(REPLACE(table, channel), insertPayload(tasks));
  return rows.map(toStoredTask);
}

export async function findKeyHolders(table: string, client: SqlClient, keys: readonly UniqueKey[]): Promise<StoredTask[]> {
  const payload = JSON.stringify(keys.map((key) => ({ task_name: key.taskName, unique_key: key.uniqueKey })));
  const rows = await client.$queryRawUnsafe<RawTask[]>(FIND_HOLDERS(table), payload);
  return rows.map(toStoredTask);
}
