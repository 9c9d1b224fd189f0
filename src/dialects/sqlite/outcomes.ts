// Outcomes on SQLite: a batch of finished attempts written in one UPDATE, only where this worker still holds them.
import { outcomeRows } from "../rows.js";
import type { Outcome, SqlClient } from "../types.js";
import { cancelledEntry } from "./cancel.js";
import { sqliteTime } from "./time.js";

// A cancel recorded during the attempt ends it CANCELLED unless it completed, with a TaskCancelled entry after the
// attempt's error (unless that error is the cancel itself): no retry follows. The first placeholder is the time now.
const RECORD_OUTCOMES = `
UPDATE task_results AS t
SET status = CASE WHEN o.status <> 'COMPLETE' AND t.cancel_requested_at IS NOT NULL THEN 'CANCELLED' ELSE o.status END,
    finished_at = COALESCE(o.finished_at, CASE WHEN t.cancel_requested_at IS NOT NULL THEN ? END),
    run_after = COALESCE(o.run_after, t.run_after),
    return_value = CASE WHEN o.status = 'COMPLETE' THEN o.return_value ELSE t.return_value END,
    return_value_meta = CASE WHEN o.status = 'COMPLETE' THEN o.return_value_meta ELSE t.return_value_meta END,
    errors = CASE WHEN o.error IS NULL THEN t.errors
                  WHEN t.cancel_requested_at IS NULL OR o.error ->> '$.exceptionClass' IS 'TaskCancelled'
                  THEN json_insert(t.errors, '$[#]', json(o.error))
                  ELSE json_insert(t.errors, '$[#]', json(o.error), '$[#]', ${cancelledEntry("t")}) END,
    locked_by = NULL,
    heartbeat_at = NULL,
    lease_expires_at = NULL
FROM (
  SELECT value ->> '$.id' AS id, value ->> '$.attempt' AS attempt, value ->> '$.status' AS status,
         value -> '$.return_value' AS return_value, NULLIF(value -> '$.return_value_meta', 'null') AS return_value_meta,
         NULLIF(value -> '$.error', 'null') AS error, value ->> '$.finished_at' AS finished_at,
         value ->> '$.run_after' AS run_after
  FROM json_each(?)
) AS o
WHERE t.id = o.id AND t.status = 'RUNNING' AND t.locked_by = ? AND t.attempts = o.attempt
RETURNING id`;

export async function recordOutcomes(client: SqlClient, workerId: string, outcomes: readonly Outcome[]): Promise<string[]> {
  const rows = outcomeRows(outcomes).map((row) => ({
    ...row,
    finished_at: row.finished_at && sqliteTime(row.finished_at),
    run_after: row.run_after && sqliteTime(row.run_after),
  }));
  const written = await client.$queryRawUnsafe<{ id: string }[]>(RECORD_OUTCOMES, sqliteTime(new Date()), JSON.stringify(rows), workerId);
  return written.map((row) => String(row.id));
}
