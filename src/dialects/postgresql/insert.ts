// Enqueue on PostgreSQL: every row in one INSERT, and a NOTIFY per queue that PostgreSQL delivers at commit.
// Ready rows are those due by clock_timestamp(): inside a transaction now() is the transaction's start, earlier than
// a runAfter of "now" taken at the enqueue, which would silence the wake-up.
import { insertPayload } from "../rows.js";
import type { NewTask, SqlClient } from "../types.js";
import { quoteLiteral } from "./names.js";

const texts = new Map<string, string>();

/** The INSERT into `table` that notifies `channel`, built once per pair. */
function insertSql(table: string, channel: string): string {
  const key = `${table} ${channel}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = `
WITH inserted AS (
  INSERT INTO ${table} (id, task_name, status, queue_name, backend, priority, args, args_meta, run_after,
                            enqueued_at, attempts, max_attempts, worker_ids, errors)
  SELECT r.id, r.task_name, 'NEW', r.queue_name, r.backend, r.priority, COALESCE(r.args, 'null'::jsonb), r.args_meta,
         r.run_after, r.enqueued_at, 0, r.max_attempts, '[]'::jsonb, '[]'::jsonb
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, task_name text, queue_name text, backend text, priority int,
                                          args jsonb, args_meta jsonb, run_after timestamptz, enqueued_at timestamptz,
                                          max_attempts int)
  RETURNING queue_name, run_after
)
SELECT pg_notify(${quoteLiteral(channel)}, ready.queue_name)
FROM (SELECT DISTINCT queue_name FROM inserted WHERE run_after <= clock_timestamp()) AS ready`;
    texts.set(key, text);
  }
  return text;
}

export async function insertTasks(table: string, channel: string, client: SqlClient, tasks: readonly NewTask[]): Promise<void> {
  // executeRaw: the statement's pg_notify results are of type void, which a query result could not carry.
  await client.$executeRawUnsafe(insertSql(table, channel), insertPayload(tasks));
}
