// The claim on PostgreSQL: one statement takes up to N ready tasks with SKIP LOCKED and marks them RUNNING.
import { CLAIMED_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { ClaimRequest, SqlClient, StoredTask } from "../types.js";

const RETURNING = CLAIMED_COLUMNS.map((column) => `t.${column}`).join(", ");

// The SKIP LOCKED select stays in its own CTE: joined straight into the UPDATE, the planner may lock and update more
// rows than the LIMIT. Its WHERE repeats the partial index's predicate so the index serves the ORDER BY. The UPDATE
// finds the claimed rows through `id = ANY(ARRAY(...))`, a primary-key lookup whatever the table's statistics say.
// RETURNING has no order, so the claimed rows are sorted into claim order by the database, which does it faster.
// The backend filter is added only when several database backends share the table: an extra filter the planner
// cannot estimate can make it sort every ready row instead of reading the index in order.
function claimSql(byBackend: boolean, byQueue: boolean): string {
  let next = 4;
  const backend = byBackend ? `AND backend = $${next++}` : "";
  const queues = byQueue ? `AND queue_name IN (SELECT jsonb_array_elements_text($${next++}::jsonb))` : "";
  return `
WITH ready AS (
  SELECT id FROM task_results
  WHERE status = 'NEW' AND run_after <= now() ${backend} ${queues}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
, claimed AS (
  UPDATE task_results AS t
  SET status = 'RUNNING', started_at = COALESCE(t.started_at, now()), last_attempted_at = now(),
      attempts = t.attempts + 1, worker_ids = t.worker_ids || to_jsonb($1::text), locked_by = $1, heartbeat_at = now(),
      lease_expires_at = now() + $3::int * interval '1 millisecond'
  WHERE t.id = ANY(ARRAY(SELECT id FROM ready))
  RETURNING ${RETURNING}
)
SELECT * FROM claimed ORDER BY priority DESC, run_after, enqueued_at`;
}

const CLAIMS = new Map<string, string>();

export async function claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  const byBackend = request.backend !== undefined;
  const byQueue = request.queues !== "*";
  const key = `${byBackend}:${byQueue}`;
  let sql = CLAIMS.get(key);
  if (!sql) CLAIMS.set(key, (sql = claimSql(byBackend, byQueue)));
  const params: unknown[] = [request.workerId, request.limit, Math.round(request.leaseMs)];
  if (byBackend) params.push(request.backend);
  if (byQueue) params.push(JSON.stringify(request.queues));
  const rows = await client.$queryRawUnsafe<RawTask[]>(sql, ...params);
  return rows.map(toStoredTask);
}
