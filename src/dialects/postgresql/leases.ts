// Leases on PostgreSQL: heartbeats for held tasks, rescue of tasks whose worker went silent, release on shutdown.
import type { RescueCounts, SqlClient } from "../types.js";

const HEARTBEAT = `
UPDATE task_results SET heartbeat_at = now()
WHERE status = 'RUNNING' AND locked_by = $1 AND id IN (SELECT jsonb_array_elements_text($2::jsonb)::uuid)
RETURNING id`;

export async function heartbeat(client: SqlClient, workerId: string, ids: readonly string[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(HEARTBEAT, workerId, JSON.stringify(ids));
  return rows.map((row) => String(row.id));
}

const RESCUE_EXPIRED = `
UPDATE task_results
SET status = CASE WHEN attempts < max_attempts THEN 'NEW' ELSE 'FAILED' END,
    finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE now() END,
    run_after = CASE WHEN attempts < max_attempts THEN now() ELSE run_after END,
    errors = errors || jsonb_build_array(jsonb_build_object(
      'exceptionClass', 'WorkerLost',
      'message', format('Worker %s stopped heartbeating during attempt %s of %s; its lease of %s ms expired.',
                        locked_by, attempts, max_attempts, $1::int),
      'traceback', '')),
    locked_by = NULL,
    heartbeat_at = NULL
WHERE status = 'RUNNING' AND heartbeat_at < now() - $1::int * interval '1 millisecond'
RETURNING status`;

export async function rescueExpired(client: SqlClient, leaseMs: number): Promise<RescueCounts> {
  const rows = await client.$queryRawUnsafe<{ status: string }[]>(RESCUE_EXPIRED, Math.round(leaseMs));
  const requeued = rows.filter((row) => row.status === "NEW").length;
  return { requeued, failed: rows.length - requeued };
}

// A released task never started its attempt, so the claim is undone: its attempt, its worker id and, when it had no
// earlier attempt, its start times.
const RELEASE_TASKS = `
UPDATE task_results
SET status = 'NEW', attempts = attempts - 1, worker_ids = worker_ids - -1, locked_by = NULL, heartbeat_at = NULL,
    started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END,
    last_attempted_at = CASE WHEN attempts = 1 THEN NULL ELSE last_attempted_at END
WHERE status = 'RUNNING' AND locked_by = $1 AND id IN (SELECT jsonb_array_elements_text($2::jsonb)::uuid)`;

export function releaseTasks(client: SqlClient, workerId: string, ids: readonly string[]): Promise<number> {
  return client.$executeRawUnsafe(RELEASE_TASKS, workerId, JSON.stringify(ids));
}
