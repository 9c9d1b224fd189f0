// Cancel on SQLite: a NEW task becomes CANCELLED at once; a RUNNING one gets cancel_requested_at, which its holder's
// outcome write (or a rescue or release of the row) turns into CANCELLED unless the attempt completed. SQLite runs the
// UPDATE under its single write lock, so it and a claim never interleave: whichever comes second sees the other's
// status, and a task that a cancel reports CANCELLED never starts.
import type { RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";
import { updateMatched } from "./matching.js";
import { sqliteTime } from "./time.js";

/**
 * The errors entry a cancelled task ends with, worded as the TaskCancelled error class words it. `table` qualifies
 * the row's columns in a statement that reads another table beside task_results.
 */
export function cancelledEntry(table?: string): string {
  const column = (name: string) => (table ? `${table}.${name}` : name);
  return `json_object('exceptionClass', 'TaskCancelled',
  'message', format('Task "%s" (%s) was cancelled. Fix: $tasks.retry("%s") or tasks-worker retry %s runs it again.',
                    ${column("task_name")}, ${column("id")}, ${column("id")}, ${column("id")}),
  'traceback', '')`;
}

/** Its two placeholders both take the time of the cancel. */
const CANCEL = `
UPDATE task_results
SET status = CASE WHEN status = 'NEW' THEN 'CANCELLED' ELSE status END,
    finished_at = CASE WHEN status = 'NEW' THEN ? ELSE finished_at END,
    errors = CASE WHEN status = 'NEW' THEN json_insert(errors, '$[#]', ${cancelledEntry()}) ELSE errors END,
    cancel_requested_at = ?`;

const CANCELLABLE = "status IN ('NEW', 'RUNNING') AND cancel_requested_at IS NULL";

const CANCEL_TASK = `${CANCEL}
WHERE id = ? AND ${CANCELLABLE}
RETURNING ${SQLITE_TASK_COLUMNS}`;

export async function cancelTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const now = sqliteTime(new Date());
  const [row] = await client.$queryRawUnsafe<RawTask[]>(CANCEL_TASK, now, now, id);
  return row && toStoredSqliteTask(row);
}

export function cancelTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  const now = sqliteTime(new Date());
  return updateMatched(client, filter, limit, { update: CANCEL, updateParams: [now, now], guard: CANCELLABLE });
}
