// Cancel on MySQL: a NEW task becomes CANCELLED at once; a RUNNING one gets cancel_requested_at, which its holder's
// outcome write (or a rescue or release of the row) turns into CANCELLED unless the attempt completed. The UPDATE
// locks the row, as a claim's locking read does: whichever comes second sees the other's status (a claim skips the
// locked row), so a task that a cancel reports CANCELLED never starts.
import type { RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { cancelledEntry } from "./cancel-entry.js";
import { MYSQL_TASK_COLUMNS, toStoredMysqlTask } from "./columns.js";
import { updateMatched } from "./matching.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

/** Its two placeholders both take the time of the cancel. status is assigned last: the others read it (SET runs left to right). */
const CANCEL = `
UPDATE task_results
SET finished_at = CASE WHEN status = 'NEW' THEN ? ELSE finished_at END,
    errors = CASE WHEN status = 'NEW' THEN JSON_ARRAY_APPEND(errors, '$', ${cancelledEntry()}) ELSE errors END,
    unique_held = CASE WHEN status = 'NEW' THEN NULL ELSE unique_held END,
    cancel_requested_at = ?,
    status = CASE WHEN status = 'NEW' THEN 'CANCELLED' ELSE status END`;

const CANCELLABLE = "status IN ('NEW', 'RUNNING') AND cancel_requested_at IS NULL";

export async function cancelTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const now = mysqlTime(new Date());
  const row = await inTransaction(client, async (tx) => {
    const changed = await tx.$executeRawUnsafe(`${CANCEL}\nWHERE id = ? AND ${CANCELLABLE}`, now, now, id);
    if (changed === 0) return undefined;
    const [after] = await tx.$queryRawUnsafe<RawTask[]>(`SELECT ${MYSQL_TASK_COLUMNS} FROM task_results WHERE id = ?`, id);
    return after;
  });
  return row && toStoredMysqlTask(row);
}

export function cancelTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  const now = mysqlTime(new Date());
  return updateMatched(client, filter, limit, { update: CANCEL, updateParams: [now, now], guard: CANCELLABLE });
}
