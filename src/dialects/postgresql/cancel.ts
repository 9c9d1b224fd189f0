// Cancel on PostgreSQL: a NEW task becomes CANCELLED at once; a RUNNING one gets cancel_requested_at, which its
// holder's outcome write (or a rescue or release of the row) turns into CANCELLED unless the attempt completed.
//
// The UPDATE's own condition settles a race with a claim. A claim skips a row a cancel has locked (SKIP LOCKED); a
// cancel that waits on a claim's lock re-reads the row once the claim commits, finds it RUNNING and records the
// request instead. So a task that a cancel reports CANCELLED never starts.
// The holder of a RUNNING task is told on its schema's cancel channel, which PostgreSQL delivers at commit (never
// after a rollback).
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { isTaskId } from "./fetch.js";
import { updateMatched } from "./matching.js";
import { perTable, quoteLiteral } from "./names.js";

/** The errors entry a cancelled task ends with, worded as the TaskCancelled error class words it. */
export const CANCELLED_ENTRY = `jsonb_build_object('exceptionClass', 'TaskCancelled',
  'message', format('Task "%s" (%s) was cancelled. Fix: $tasks.retry("%s") or tasks-worker retry %s runs it again.',
                    task_name, id, id, id),
  'traceback', '')`;

const cancel = (table: string) => `
UPDATE ${table} AS t
SET status = CASE WHEN t.status = 'NEW' THEN 'CANCELLED' ELSE t.status END,
    finished_at = CASE WHEN t.status = 'NEW' THEN now() ELSE t.finished_at END,
    errors = CASE WHEN t.status = 'NEW' THEN t.errors || jsonb_build_array(${CANCELLED_ENTRY}) ELSE t.errors END,
    cancel_requested_at = now()`;

const CANCELLABLE = "t.status IN ('NEW', 'RUNNING') AND t.cancel_requested_at IS NULL";

const CANCEL_TASK = perTable((table) => `${cancel(table)}
WHERE t.id = $1::uuid AND ${CANCELLABLE}
RETURNING ${TASK_COLUMNS.join(", ")}`);

/** Tells the holders of these RUNNING tasks, listening on `channel`, that a cancel was recorded. */
async function announce(channel: string, client: SqlClient, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // executeRaw: pg_notify returns void, which a query result could not carry.
  await client.$executeRawUnsafe(
    `SELECT pg_notify(${quoteLiteral(channel)}, id) FROM jsonb_array_elements_text($1::jsonb) AS id`,
    JSON.stringify(ids),
  );
}

export async function cancelTask(table: string, channel: string, client: SqlClient, id: string): Promise<StoredTask | undefined> {
  if (!isTaskId(id)) return undefined;
  const [row] = await client.$queryRawUnsafe<RawTask[]>(CANCEL_TASK(table), id);
  if (row?.status === "RUNNING") await announce(channel, client, [id]);
  return row && toStoredTask(row);
}

export async function cancelTasks(table: string, channel: string, client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  const rows = await updateMatched<{ id: string; status: string }>(table, client, filter, limit, {
    update: cancel(table),
    guard: CANCELLABLE,
    returning: "t.id, t.status",
  });
  await announce(channel, client, rows.filter((row) => row.status === "RUNNING").map((row) => String(row.id)));
  return rows.map((row) => String(row.id));
}
