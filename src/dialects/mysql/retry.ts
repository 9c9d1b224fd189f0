// Retry on MySQL: a FAILED or CANCELLED task goes back to NEW, due now, keeping its history (errors, worker ids,
// attempts) with room for one more attempt. Workers find it at their next poll. A task with a unique key takes it
// back, so it goes back only while no other task holds the key (of several that share a key and are retried together,
// the first by id). A holder committed between the check and the UPDATE (READ COMMITTED locks no gaps) makes the
// unique index refuse it with 1062, which the database backend handles as on PostgreSQL: it names the holder, or
// tries the bulk batch again.
import type { RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { MYSQL_TASK_COLUMNS, byUniqueKey, toStoredMysqlTask } from "./columns.js";
import { updateMatched, type MatchedRow } from "./matching.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

/** Its placeholder takes the time of the retry. max_attempts reads attempts, which no assignment changes. */
const RETRY = `
UPDATE task_results
SET status = 'NEW', finished_at = NULL, run_after = ?, cancel_requested_at = NULL,
    max_attempts = GREATEST(max_attempts, attempts + 1), unique_held = CASE WHEN unique_key IS NOT NULL THEN TRUE END`;

const RETRYABLE = "status IN ('FAILED', 'CANCELLED')";

/** The keys among `rows` that a task holds now. */
async function heldKeys(tx: SqlClient, rows: readonly MatchedRow[]): Promise<Set<string>> {
  const keyed = rows.filter((row) => row.unique_key !== null);
  if (keyed.length === 0) return new Set();
  const holders = await tx.$queryRawUnsafe<{ task_name: string; unique_key: string }[]>(
    // From the keys to their holders by the unique index, in key order, as the enqueue's (key-holders.ts): only the
    // holders' rows are locked.
    `SELECT t.task_name, t.unique_key
FROM JSON_TABLE(?, '$[*]' COLUMNS (task_name VARCHAR(200) PATH '$.task_name', unique_key VARCHAR(200) PATH '$.unique_key')) AS k
STRAIGHT_JOIN task_results AS t FORCE INDEX (task_results_unique_key_idx)
  ON t.task_name = k.task_name AND t.unique_key = k.unique_key AND t.unique_held = TRUE
WHERE t.status IN ('NEW', 'RUNNING')
FOR UPDATE`,
    JSON.stringify(
      keyed
        .map((row) => ({ task_name: row.task_name, unique_key: row.unique_key! }))
        .sort(byUniqueKey((key) => [key.task_name, key.unique_key])),
    ),
  );
  return new Set(holders.map((row) => JSON.stringify([row.task_name, row.unique_key])));
}

/** The rows that may go back: unkeyed ones, and of each key no task holds, the first by id. */
async function retryable(rows: MatchedRow[], tx: SqlClient): Promise<MatchedRow[]> {
  const taken = await heldKeys(tx, rows);
  return [...rows]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .filter((row) => {
      if (row.unique_key === null) return true;
      const key = JSON.stringify([row.task_name, row.unique_key]);
      if (taken.has(key)) return false;
      taken.add(key);
      return true;
    });
}

export async function retryTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const row = await inTransaction(client, async (tx) => {
    const [locked] = await tx.$queryRawUnsafe<MatchedRow[]>(`SELECT id, task_name, unique_key FROM task_results WHERE id = ? AND ${RETRYABLE} FOR UPDATE`, id);
    if (!locked || (await retryable([locked], tx)).length === 0) return undefined;
    await tx.$executeRawUnsafe(`${RETRY}\nWHERE id = ?`, mysqlTime(new Date()), id);
    const [after] = await tx.$queryRawUnsafe<RawTask[]>(`SELECT ${MYSQL_TASK_COLUMNS} FROM task_results WHERE id = ?`, id);
    return after;
  });
  return row && toStoredMysqlTask(row);
}

export function retryTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  return updateMatched(client, filter, limit, { update: RETRY, updateParams: [mysqlTime(new Date())], guard: RETRYABLE, pick: retryable });
}
