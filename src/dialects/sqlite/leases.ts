// Leases on SQLite: heartbeats for held tasks, rescue of tasks whose worker went silent, release on shutdown.
import type { RenewedLease, RescueCounts, SqlClient } from "../types.js";
import { cancelledEntry } from "./cancel.js";
import { sqliteTime } from "./time.js";

// Each row carries its own lease end, set by its holder (see the PostgreSQL dialect). SQLite has no NOTIFY: the answer,
// which says the tasks cancelled meanwhile, is how a worker hears of their cancels.
const HEARTBEAT = `
UPDATE task_results SET heartbeat_at = ?, lease_expires_at = ?
WHERE status = 'RUNNING' AND locked_by = ? AND id IN (SELECT value FROM json_each(?))
RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested`;

export async function heartbeat(client: SqlClient, workerId: string, ids: readonly string[], leaseMs: number): Promise<RenewedLease[]> {
  const now = Date.now();
  const rows = await client.$queryRawUnsafe<{ id: string; cancel_requested: unknown }[]>(
    HEARTBEAT,
    sqliteTime(new Date(now)),
    sqliteTime(new Date(now + leaseMs)),
    workerId,
    JSON.stringify(ids),
  );
  // SQLite answers a comparison with 0 or 1 (as a number or a bigint, by driver).
  return rows.map((row) => ({ id: String(row.id), cancelRequested: Number(row.cancel_requested) === 1 }));
}

const WORKER_LOST = `json_object(
      'exceptionClass', 'WorkerLost',
      'message', format('Worker %s stopped heartbeating during attempt %d of %d; its lease ran out at %s.',
                        locked_by, attempts, max_attempts, lease_expires_at),
      'traceback', '')`;

// At most a batch of rows per statement, oldest lease first (see the PostgreSQL dialect). A task whose cancel was
// recorded ends CANCELLED rather than being retried.
const RESCUE_EXPIRED = `
UPDATE task_results
SET status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELLED' WHEN attempts < max_attempts THEN 'NEW' ELSE 'FAILED' END,
    finished_at = CASE WHEN attempts < max_attempts AND cancel_requested_at IS NULL THEN NULL ELSE ? END,
    run_after = CASE WHEN attempts < max_attempts THEN ? ELSE run_after END,
    errors = CASE WHEN cancel_requested_at IS NULL THEN json_insert(errors, '$[#]', ${WORKER_LOST})
                  ELSE json_insert(errors, '$[#]', ${WORKER_LOST}, '$[#]', ${cancelledEntry()}) END,
    locked_by = NULL,
    heartbeat_at = NULL,
    lease_expires_at = NULL
WHERE id IN (
  SELECT id FROM task_results WHERE status = 'RUNNING' AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?
)
RETURNING status`;

export async function rescueExpired(client: SqlClient, limit: number): Promise<RescueCounts> {
  const now = sqliteTime(new Date());
  const rows = await client.$queryRawUnsafe<{ status: string }[]>(RESCUE_EXPIRED, now, now, now, limit);
  const requeued = rows.filter((row) => row.status === "NEW").length;
  return { requeued, failed: rows.length - requeued };
}

// A released task never started its attempt, so the claim is undone: its attempt, its worker id and, when it had no
// earlier attempt, its start times. One whose cancel was recorded meanwhile ends CANCELLED without running.
const RELEASE_TASKS = `
UPDATE task_results
SET status = CASE WHEN cancel_requested_at IS NULL THEN 'NEW' ELSE 'CANCELLED' END,
    finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE ? END,
    errors = CASE WHEN cancel_requested_at IS NULL THEN errors ELSE json_insert(errors, '$[#]', ${cancelledEntry()}) END,
    attempts = attempts - 1, worker_ids = json_remove(worker_ids, '$[#-1]'), locked_by = NULL,
    heartbeat_at = NULL, lease_expires_at = NULL, started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END,
    last_attempted_at = CASE WHEN attempts = 1 THEN NULL ELSE last_attempted_at END
WHERE status = 'RUNNING' AND locked_by = ? AND id IN (SELECT value FROM json_each(?))`;

export function releaseTasks(client: SqlClient, workerId: string, ids: readonly string[]): Promise<number> {
  return client.$executeRawUnsafe(RELEASE_TASKS, sqliteTime(new Date()), workerId, JSON.stringify(ids));
}
