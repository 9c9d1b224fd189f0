// The claim on PostgreSQL: one statement takes up to N ready tasks with SKIP LOCKED and marks them RUNNING.
import { CLAIMED_COLUMNS, byClaimOrder, toStoredTask, type RawTask } from "../rows.js";
import type { ClaimRequest, SqlClient, StoredTask } from "../types.js";

const RETURNING = CLAIMED_COLUMNS.map((column) => `t.${column}`).join(", ");

// The SKIP LOCKED select stays in its own CTE: joined straight into the UPDATE, the planner may lock and update more
// rows than the LIMIT. Its WHERE repeats the partial index's predicate so the index serves the ORDER BY. The UPDATE
// finds the claimed rows through `id = ANY(ARRAY(...))`, a primary-key lookup whatever the table's statistics say.
function claimSql(allQueues: boolean): string {
  return `
WITH ready AS (
  SELECT id FROM task_results
  WHERE status = 'NEW' AND run_after <= now() AND backend = $3
    ${allQueues ? "" : "AND queue_name IN (SELECT jsonb_array_elements_text($5::jsonb))"}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE task_results AS t
SET status = 'RUNNING', started_at = COALESCE(t.started_at, now()), last_attempted_at = now(),
    attempts = t.attempts + 1, worker_ids = t.worker_ids || to_jsonb($1::text), locked_by = $1, heartbeat_at = now(),
    lease_expires_at = now() + $4::int * interval '1 millisecond'
WHERE t.id = ANY(ARRAY(SELECT id FROM ready))
RETURNING ${RETURNING}`;
}

const CLAIM_ALL = claimSql(true);
const CLAIM_QUEUES = claimSql(false);

export async function claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  const lease = Math.round(request.leaseMs);
  const rows =
    request.queues === "*"
      ? await client.$queryRawUnsafe<RawTask[]>(CLAIM_ALL, request.workerId, request.limit, request.backend, lease)
      : await client.$queryRawUnsafe<RawTask[]>(CLAIM_QUEUES, request.workerId, request.limit, request.backend, lease, JSON.stringify(request.queues));
  return rows.map(toStoredTask).sort(byClaimOrder);
}
