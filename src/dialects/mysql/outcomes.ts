// Outcomes on MySQL: a batch of finished attempts written in one UPDATE joined to the batch's JSON, only where this
// worker still holds them. The rows are locked first (one transaction), which tells which ones the UPDATE writes.
// Both statements find the rows by their ids in the primary key (idsIn): given the ids as a JSON list instead,
// MariaDB scanned the whole primary key of a small table and locked each row while it looked at it, and a claim
// running then skipped a ready task so locked and took a later one (at --concurrency 1, out of priority order).
import { outcomeRows } from "../rows.js";
import type { Outcome, SqlClient } from "../types.js";
import { cancelledEntry } from "./cancel-entry.js";
import { idsIn, jsonOrNull } from "./columns.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

const held = (count: number) => `
SELECT id, attempts FROM task_results
WHERE ${idsIn(count)} AND status = 'RUNNING' AND locked_by = ?
ORDER BY id
FOR UPDATE`;

// A cancel recorded during the attempt ends it CANCELLED unless it completed, with a TaskCancelled entry after the
// attempt's error (unless that error is the cancel itself): no retry follows. The key stays held only by a task that
// goes back to NEW to run again (and held it). The placeholder in SET is the time now. JSON_EXTRACT(x, '$') appends
// a document rather than its text. MySQL evaluates SET from left to right: no assignment reads a column of t that an
// earlier one changed.
const outcomesUpdate = (count: number) => `
UPDATE task_results AS t
JOIN JSON_TABLE(?, '$[*]' COLUMNS (
  id CHAR(36) PATH '$.id', attempt INT PATH '$.attempt', status VARCHAR(16) PATH '$.status',
  return_value LONGTEXT PATH '$.return_value', return_value_meta LONGTEXT PATH '$.return_value_meta', error JSON PATH '$.error',
  finished_at DATETIME(3) PATH '$.finished_at', run_after DATETIME(3) PATH '$.run_after'
)) AS o ON t.id = o.id
SET t.unique_held = CASE WHEN o.status = 'NEW' AND t.cancel_requested_at IS NULL THEN t.unique_held END,
    t.finished_at = COALESCE(o.finished_at, CASE WHEN t.cancel_requested_at IS NOT NULL THEN ? END),
    t.run_after = COALESCE(o.run_after, t.run_after),
    t.return_value = CASE WHEN o.status = 'COMPLETE' THEN o.return_value ELSE t.return_value END,
    t.return_value_meta = CASE WHEN o.status = 'COMPLETE' THEN NULLIF(o.return_value_meta, 'null') ELSE t.return_value_meta END,
    t.errors = CASE WHEN ${jsonOrNull("o.error")} IS NULL THEN t.errors
                    WHEN t.cancel_requested_at IS NULL OR JSON_VALUE(o.error, '$.exceptionClass') <=> 'TaskCancelled'
                    THEN JSON_ARRAY_APPEND(t.errors, '$', JSON_EXTRACT(o.error, '$'))
                    ELSE JSON_ARRAY_APPEND(t.errors, '$', JSON_EXTRACT(o.error, '$'), '$', ${cancelledEntry("t")}) END,
    t.status = CASE WHEN o.status <> 'COMPLETE' AND t.cancel_requested_at IS NOT NULL THEN 'CANCELLED' ELSE o.status END,
    t.locked_by = NULL,
    t.heartbeat_at = NULL,
    t.lease_expires_at = NULL
WHERE t.${idsIn(count)} AND t.status = 'RUNNING' AND t.locked_by = ? AND t.attempts = o.attempt`;

export async function recordOutcomes(client: SqlClient, workerId: string, outcomes: readonly Outcome[]): Promise<string[]> {
  if (outcomes.length === 0) return [];
  // The return value and its meta are JSON texts already (taken when the task returned): TEXT columns of the batch
  // keep them as they are.
  const rows = outcomeRows(outcomes).map((row) => ({
    ...row,
    finished_at: row.finished_at && mysqlTime(row.finished_at),
    run_after: row.run_after && mysqlTime(row.run_after),
  }));
  const attempts = new Map(outcomes.map((outcome) => [outcome.id, outcome.attempt]));
  // Rows are locked in id order, as bulk cancels and retries lock them: two such transactions never wait on each other
  // in a cycle.
  const ids = [...attempts.keys()].sort();
  return inTransaction(client, async (tx) => {
    const locked = await tx.$queryRawUnsafe<{ id: string; attempts: number | bigint }[]>(held(ids.length), ...ids, workerId);
    const written = locked.filter((row) => attempts.get(String(row.id)) === Number(row.attempts)).map((row) => String(row.id));
    if (written.length > 0) {
      await tx.$executeRawUnsafe(outcomesUpdate(written.length), JSON.stringify(rows), mysqlTime(new Date()), ...written, workerId);
    }
    return written;
  });
}
