// Leases on PostgreSQL: heartbeats for held tasks, rescue of tasks whose worker went silent, release on shutdown.
import type { RenewedLease, RescueCounts, SqlClient } from "../types.js";
import { CANCELLED_ENTRY } from "./cancel.js";
import { perTable } from "./names.js";

// Each row carries its own lease end, set by its holder: workers started with different --lease-ms values never take
// each other's tasks early. The answer says which were cancelled meanwhile: a NOTIFY can be missed (the LISTEN
// connection was down), this cannot.
const HEARTBEAT = perTable((table) => `
UPDATE ${table} SET heartbeat_at = now(), lease_expires_at = now() + $3::int * interval '1 millisecond'
WHERE status = 'RUNNING' AND locked_by = $1 AND id IN (SELECT jsonb_array_elements_text($2::jsonb)::uuid)
RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested`);

export async function heartbeat(table: string, client: SqlClient, workerId: string, ids: readonly string[], leaseMs: number): Promise<RenewedLease[]> {
  const rows = await client.$queryRawUnsafe<{ id: string; cancel_requested: boolean }[]>(HEARTBEAT(table), workerId, JSON.stringify(ids), Math.round(leaseMs));
  return rows.map((row) => ({ id: String(row.id), cancelRequested: row.cancel_requested }));
}

// At most $1 rows per statement, oldest lease first, so a rescue after a mass failure is a series of short
// transactions; rows another statement has locked (an outcome being written) are left for the next rescue. A task whose
// cancel was recorded ends CANCELLED rather than being retried.
const RESCUE_EXPIRED = perTable((table) => `
WITH expired AS (
  SELECT id FROM ${table}
  WHERE status = 'RUNNING' AND lease_expires_at < now()
  ORDER BY lease_expires_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE ${table}
SET status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELLED' WHEN attempts < max_attempts THEN 'NEW' ELSE 'FAILED' END,
    finished_at = CASE WHEN attempts < max_attempts AND cancel_requested_at IS NULL THEN NULL ELSE now() END,
    run_after = CASE WHEN attempts < max_attempts THEN now() ELSE run_after END,
    errors = errors || jsonb_build_array(jsonb_build_object(
      'exceptionClass', 'WorkerLost',
      'message', format('Worker %s stopped heartbeating during attempt %s of %s; its lease ran out at %s.',
                        locked_by, attempts, max_attempts, lease_expires_at),
      'traceback', '')) ||
      CASE WHEN cancel_requested_at IS NOT NULL THEN jsonb_build_array(${CANCELLED_ENTRY}) ELSE '[]'::jsonb END,
    locked_by = NULL,
    heartbeat_at = NULL,
    lease_expires_at = NULL
WHERE id = ANY(ARRAY(SELECT id FROM expired))
RETURNING status`);

export async function rescueExpired(table: string, client: SqlClient, limit: number): Promise<RescueCounts> {
  const rows = await client.$queryRawUnsafe<{ status: string }[]>(RESCUE_EXPIRED(table), limit);
  const requeued = rows.filter((row) => row.status === "NEW").length;
  return { requeued, failed: rows.length - requeued };
}

// A released task never started its attempt, so the claim is undone: its attempt, its worker id and, when it had no
// earlier attempt, its start times. One whose cancel was recorded meanwhile ends CANCELLED without running.
const RELEASE_TASKS = perTable((table) => `
UPDATE ${table}
SET status = CASE WHEN cancel_requested_at IS NULL THEN 'NEW' ELSE 'CANCELLED' END,
    finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
    errors = CASE WHEN cancel_requested_at IS NULL THEN errors ELSE errors || jsonb_build_array(${CANCELLED_ENTRY}) END,
    attempts = attempts - 1, worker_ids = worker_ids - -1, locked_by = NULL, heartbeat_at = NULL,
    lease_expires_at = NULL,
    started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END,
    last_attempted_at = CASE WHEN attempts = 1 THEN NULL ELSE last_attempted_at END
WHERE status = 'RUNNING' AND locked_by = $1 AND id IN (SELECT jsonb_array_elements_text($2::jsonb)::uuid)`);

export function releaseTasks(table: string, client: SqlClient, workerId: string, ids: readonly string[]): Promise<number> {
  return client.$executeRawUnsafe(RELEASE_TASKS(table), workerId, JSON.stringify(ids));
}
