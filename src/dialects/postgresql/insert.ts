// Enqueue on PostgreSQL: every row in one INSERT, and a NOTIFY per queue that PostgreSQL delivers at commit.
// Ready rows are those due by clock_timestamp(): inside a transaction now() is the transaction's start, earlier than
// a runAfter of "now" taken at the enqueue, which would silence the wake-up.
import { insertPayload } from "../rows.js";
import type { NewTask, SqlClient } from "../types.js";
import { perTableAndChannel, quoteLiteral } from "./names.js";
import { arrayElement } from "./text-array.js";

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

// Columns, not records: each row's own values (id, args) travel as arrays, and what a run of tasks shares (everything
// else: the tasks of one enqueueMany share all of it) as one small JSON list the rows point into. A batch of 10,000
// no-op tasks is a quarter of the bytes it was as one JSON record per row, and the server spends half the CPU on it
// (measured: 80-100 ms against 150-250 ms), most of which went to parsing that JSON. Rows are inserted in the order
// given, as the records were (where each lands in the table is still PostgreSQL's choice).
const SHARED = `task_name text, queue_name text, backend text, priority int, run_after timestamptz,
                enqueued_at timestamptz, max_attempts int, trace_context text`;
const SHARED_COLUMNS = "task_name, queue_name, backend, priority, run_after, enqueued_at, max_attempts, trace_context";

const INSERT = perTableAndChannel((table, channel) => `
WITH inserted AS (
  INSERT INTO ${table} (${COLUMNS})
  SELECT r.id, s.task_name, 'NEW', s.queue_name, s.backend, s.priority, r.args::jsonb, r.args_meta::jsonb, s.run_after,
         s.enqueued_at, 0, s.max_attempts, '[]'::jsonb, '[]'::jsonb, s.trace_context
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[])
       WITH ORDINALITY AS r(id, args, args_meta, shared, position)
  JOIN ROWS FROM (jsonb_to_recordset($5::jsonb) AS (${SHARED})) WITH ORDINALITY AS s(${SHARED_COLUMNS}, shared)
    ON s.shared = r.shared
  ORDER BY r.position
  RETURNING queue_name, run_after
)
SELECT ${notify(channel)} FROM ${READY}`);

function sharesValues(a: NewTask, b: NewTask): boolean {
  return (
    a.taskName === b.taskName &&
    a.queueName === b.queueName &&
    a.backend === b.backend &&
    a.priority === b.priority &&
    a.runAfter.getTime() === b.runAfter.getTime() &&
    a.enqueuedAt.getTime() === b.enqueuedAt.getTime() &&
    a.maxAttempts === b.maxAttempts &&
    a.traceContext === b.traceContext
  );
}

/** The INSERT's parameters: ids, args and args meta (JSON texts), each row's index (from 1) into the shared values. */
function insertColumns(tasks: readonly NewTask[]): [string, string, string, string, string] {
  const ids: string[] = [];
  const args: string[] = [];
  const metas: string[] = [];
  const positions: number[] = [];
  const shared: object[] = [];
  const indexes = new Map<string, number>();
  let previous: NewTask | undefined;
  let index = 0;
  for (const task of tasks) {
    // Most rows share the previous one's values (an enqueueMany's all do): only a change is looked up.
    if (previous === undefined || !sharesValues(task, previous)) {
      const values = {
        task_name: task.taskName,
        queue_name: task.queueName,
        backend: task.backend,
        priority: task.priority,
        run_after: task.runAfter,
        enqueued_at: task.enqueuedAt,
        max_attempts: task.maxAttempts,
        trace_context: task.traceContext,
      };
      const key = JSON.stringify(values);
      const known = indexes.get(key);
      if (known === undefined) {
        shared.push(values);
        indexes.set(key, (index = shared.length));
      } else {
        index = known;
      }
      previous = task;
    }
    ids.push(task.id);
    args.push(arrayElement(JSON.stringify(task.args.json ?? null)));
    metas.push(arrayElement(task.args.meta === null ? null : JSON.stringify(task.args.meta)));
    positions.push(index);
  }
  const literal = (elements: readonly unknown[]) => `{${elements.join(",")}}`;
  return [literal(ids), literal(args), literal(metas), literal(positions), JSON.stringify(shared)];
}

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
  await client.$executeRawUnsafe(INSERT(table, channel), ...insertColumns(tasks));
}

export async function insertUniqueTasks(table: string, channel: string, client: SqlClient, tasks: readonly NewTask[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(INSERT_UNIQUE(table, channel), insertPayload(tasks));
  return rows.map((row) => row.id);
}
