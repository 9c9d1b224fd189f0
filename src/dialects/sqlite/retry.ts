// Retry on SQLite: a FAILED or CANCELLED task goes back to NEW, due now, keeping its history (errors, worker ids,
// attempts) with room for one more attempt. Workers find it at their next poll. A task with a unique key takes it
// back, so it goes back only while no other task holds the key (of several that share a key and are retried together,
// the first by id).
import type { RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";
import { HOLDS_KEY } from "./insert.js";
import { matching } from "./matching.js";
import { sqliteTime } from "./time.js";

/** Its placeholder takes the time of the retry. */
const RETRY = `
UPDATE task_results AS t
SET status = 'NEW', finished_at = NULL, run_after = ?, cancel_requested_at = NULL,
    max_attempts = max(max_attempts, attempts + 1), unique_held = unique_key IS NOT NULL`;

const RETRYABLE = "status IN ('FAILED', 'CANCELLED')";

/** Another task holds the key of the row `t` now (HOLDS_KEY's unqualified columns are the holder's: the inner scope). */
const KEY_TAKEN = `EXISTS (
  SELECT 1 FROM task_results AS holder
  WHERE holder.task_name = t.task_name AND holder.unique_key = t.unique_key AND ${HOLDS_KEY})`;

const RETRY_TASK = `${RETRY}
WHERE id = ? AND ${RETRYABLE} AND NOT ${KEY_TAKEN}
RETURNING ${SQLITE_TASK_COLUMNS}`;

export async function retryTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const [row] = await client.$queryRawUnsafe<RawTask[]>(RETRY_TASK, sqliteTime(new Date()), id);
  return row && toStoredSqliteTask(row);
}

export async function retryTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  const { condition, params } = matching(filter);
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(
    `WITH matched AS (SELECT id, task_name, unique_key FROM task_results AS t WHERE ${condition} AND NOT ${KEY_TAKEN} ORDER BY id LIMIT ?)
${RETRY}
WHERE id IN (
  SELECT id FROM matched WHERE unique_key IS NULL
  UNION ALL
  SELECT min(id) FROM matched WHERE unique_key IS NOT NULL GROUP BY task_name, unique_key
) AND ${RETRYABLE}
RETURNING id`,
    ...params,
    limit,
    sqliteTime(new Date()),
  );
  return rows.map((row) => String(row.id));
}
