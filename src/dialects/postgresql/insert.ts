// Enqueue on PostgreSQL: every row in one INSERT, and a NOTIFY per queue that PostgreSQL delivers at commit.
// Ready rows are those due by clock_timestamp(): inside a transaction now() is the transaction's start, earlier than
// a runAfter of "now" taken at the enqueue, which would silence the wake-up.
import { insertPayload } from "../rows.js";
import type { NewTask, SqlClient } from "../types.js";
import { perTableAndChannel, quoteLiteral } from "./names.js";

/** The predicate of the partial unique index on (task_name, unique_key): the rows that hold their key. */
export const HOLDS_KEY = "unique_held AND status IN ('NEW', 'RUNNING')";

const COLUMNS = `id, task_name, status, queue_name, backend, priority, args, args_meta, run_after, enqueued_at, attempts,
                 max_attempts, worker_ids, errors, trace_context`;
const VALUES = `r.id, r.task_name, 'NEW', r.queue_name, r.backend, r.priority, COALESCE(r.args, 'null'::jsonb), r.args_meta,
         r.run_after, r.enqueued_at, 0, r.max_attempts, '[]'::jsonb, '[]'::jsonb, r.trace_context`;
const RECORD = `id uuid, task_name text, queue_name text, backend text, priority int, args jsonb, args_meta jsonb,
                run_after timestamptz, enqueued_at timestamptz, max_attempts int, trace_context text`;
const READY = "(SELECT DISTINCT queue_name FROM inserted WHERE run_after <= clock_timestamp()) AS ready";

const notify = (channel: string) => `pg_notify(${quoteLiteral(channel)}, ready.queue_name)`;

const INSERT = perTableAndChannel((table, channel) => `
WITH inserted AS (
  INSERT INTO ${table} (${COLUMNS})
  SELECT ${VALUES}
  FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD})
  RETURNING queue_name, run_after
)
SELECT ${notify(channel)} FROM ${READY}`);

// A task whose key a row holds is skipped: the unique index decides, so two enqueuers never both store one, and one
// that holds the key in a transaction not yet committed makes this statement wait for its outcome. The woken CTE is
// joined only to be run: it sends the wake-ups, once.
const INSERT_UNIQUE = perTableAndChannel((table, channel) => `
WITH inserted AS (
  INSERT INTO ${table} (${COLUMNS}, unique_key, unique_while, unique_held)
  SELECT ${VALUES}, r.unique_key, r.unique_while, true
  FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD}, unique_key text, unique_while text)
  ON CONFLICT (task_name, unique_key) WHERE ${HOLDS_KEY} DO NOTHING
  RETURNING id, queue_name, run_after
), woken AS (SELECT count(${notify(channel)}) FROM ${READY})
SELECT inserted.id::text AS id FROM inserted, woken`);

export async function insertTasks(table: string, channel: string, client: SqlClient, tasks: readonly NewTask[]): Promise<void> {
  // executeRaw: the statement's pg_notify results are of type void, which a query result could not carry.
  await client.$executeRawUnsafe(INSERT(table, channel), insertPayload(tasks));
}

export async function insertUniqueTasks(table: string, channel: string, client: SqlClient, tasks: readonly NewTask[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(INSERT_UNIQUE(table, channel), insertPayload(tasks));
  return rows.map((row) => row.id);
}
