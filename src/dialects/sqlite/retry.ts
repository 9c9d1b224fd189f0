// Retry on SQLite: a FAILED or CANCELLED task goes back to NEW, due now, keeping its history (errors, worker ids,
// attempts) with room for one more attempt. Workers find it at their next poll.
import type { RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";
import { updateMatched } from "./matching.js";
import { sqliteTime } from "./time.js";

/** Its placeholder takes the time of the retry. */
const RETRY = `
UPDATE task_results
SET status = 'NEW', finished_at = NULL, run_after = ?, cancel_requested_at = NULL,
    max_attempts = max(max_attempts, attempts + 1)`;

const RETRYABLE = "status IN ('FAILED', 'CANCELLED')";

const RETRY_TASK = `${RETRY}
WHERE id = ? AND ${RETRYABLE}
RETURNING ${SQLITE_TASK_COLUMNS}`;

export async function retryTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const [row] = await client.$queryRawUnsafe<RawTask[]>(RETRY_TASK, sqliteTime(new Date()), id);
  return row && toStoredSqliteTask(row);
}

export function retryTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  return updateMatched(client, filter, limit, { update: RETRY, updateParams: [sqliteTime(new Date())], guard: RETRYABLE });
}
