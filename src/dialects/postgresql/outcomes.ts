// Outcomes on PostgreSQL: a batch of finished attempts written in one UPDATE, only where this worker still holds them.
// The rows are found by primary key (`id = ANY(...)`). `locked_by` is set only while a row is RUNNING (claim sets it;
// outcome, rescue and release clear it), so no status test is needed, and none lets the planner pick the lease
// index, which holds every running task of every worker.
import { outcomeRows } from "../rows.js";
import type { Outcome, SqlClient } from "../types.js";

const RECORD_OUTCOMES = `
UPDATE task_results AS t
SET status = o.status,
    finished_at = o.finished_at,
    run_after = COALESCE(o.run_after, t.run_after),
    return_value = CASE WHEN o.status = 'COMPLETE' THEN COALESCE(o.return_value, 'null'::jsonb) ELSE t.return_value END,
    return_value_meta = CASE WHEN o.status = 'COMPLETE' THEN o.return_value_meta ELSE t.return_value_meta END,
    errors = CASE WHEN o.error IS NULL THEN t.errors ELSE t.errors || jsonb_build_array(o.error) END,
    locked_by = NULL,
    heartbeat_at = NULL,
    lease_expires_at = NULL
FROM jsonb_to_recordset($2::jsonb) AS o(id uuid, attempt int, status text, return_value jsonb, return_value_meta jsonb,
                                        error jsonb, finished_at timestamptz, run_after timestamptz)
WHERE t.id = ANY(ARRAY(SELECT (jsonb_array_elements($2::jsonb) ->> 'id')::uuid))
  AND t.id = o.id AND t.locked_by = $1 AND t.attempts = o.attempt
RETURNING t.id`;


export async function recordOutcomes(client: SqlClient, workerId: string, outcomes: readonly Outcome[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(RECORD_OUTCOMES, workerId, JSON.stringify(outcomeRows(outcomes)));
  return rows.map((row) => String(row.id));
}
