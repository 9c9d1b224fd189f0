// Leases on MySQL: heartbeats for held tasks, rescue of tasks whose worker went silent, release on shutdown.
import type { RenewedLease, RescueCounts, SqlClient } from "../types.js";
import { cancelledEntry } from "./cancel-entry.js";
import { idsIn, jsonList } from "./columns.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

const HELD_IDS = `id IN (SELECT value FROM ${jsonList("CHAR(36)")} AS held)`;

// Each row carries its own lease end, set by its holder (see the PostgreSQL dialect). MySQL has no NOTIFY: the answer,
// which says the tasks cancelled meanwhile, is how a worker hears of their cancels. Two statements, each committed at
// once (no transaction holds the rows between them, so a slow answer never delays the renewal): a row is extended
// only while this worker holds it, so the rows it holds after the UPDATE are those it extended. One rescued or
// released in between is not among them, as if the UPDATE had come after.
const heartbeatUpdate = (count: number) => `
UPDATE task_results SET heartbeat_at = UTC_TIMESTAMP(3), lease_expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND
WHERE status = 'RUNNING' AND locked_by = ? AND ${idsIn(count)}`;

const HELD = `
SELECT id, cancel_requested_at IS NOT NULL AS cancel_requested FROM task_results
WHERE status = 'RUNNING' AND locked_by = ? AND ${HELD_IDS}`;

export async function heartbeat(client: SqlClient, workerId: string, ids: readonly string[], leaseMs: number): Promise<RenewedLease[]> {
  if (ids.length === 0) return [];
  await client.$executeRawUnsafe(heartbeatUpdate(ids.length), leaseMs * 1000, workerId, ...ids);
  const rows = await client.$queryRawUnsafe<{ id: string; cancel_requested: unknown }[]>(HELD, workerId, JSON.stringify(ids));
  return rows.map((row) => ({ id: String(row.id), cancelRequested: Number(row.cancel_requested) === 1 }));
}

const WORKER_LOST = `JSON_OBJECT(
      'exceptionClass', 'WorkerLost',
      'message', CONCAT('Worker ', locked_by, ' stopped heartbeating during attempt ', attempts, ' of ', max_attempts,
                        '; its lease ran out at ', DATE_FORMAT(lease_expires_at, '%Y-%m-%d %H:%i:%s.%f'), '.'),
      'traceback', '')`;

// At most a batch of rows per transaction, oldest lease first, skipping rows another rescuer has locked. A lease has run
// out by the database's clock and by the time the rescue began (the placeholder): a rescue held up by an outage (the
// pool waits for a connection rather than failing) must not run on fresh time once the server is back, before live
// workers' heartbeats, held up alike, have renewed their leases.
const EXPIRED = `
SELECT id FROM task_results WHERE status = 'RUNNING' AND lease_expires_at < LEAST(UTC_TIMESTAMP(3), ?) ORDER BY lease_expires_at LIMIT ?
FOR UPDATE SKIP LOCKED`;

// A task whose cancel was recorded ends CANCELLED rather than being retried. SET runs from left to right in MySQL:
// status, which the other assignments read, is assigned last; errors reads locked_by and lease_expires_at before
// they are cleared.
const rescueUpdate = (count: number) => `
UPDATE task_results
SET finished_at = CASE WHEN attempts < max_attempts AND cancel_requested_at IS NULL THEN NULL ELSE UTC_TIMESTAMP(3) END,
    run_after = CASE WHEN attempts < max_attempts THEN UTC_TIMESTAMP(3) ELSE run_after END,
    errors = CASE WHEN cancel_requested_at IS NULL THEN JSON_ARRAY_APPEND(errors, '$', ${WORKER_LOST})
                  ELSE JSON_ARRAY_APPEND(errors, '$', ${WORKER_LOST}, '$', ${cancelledEntry()}) END,
    unique_held = CASE WHEN attempts < max_attempts AND cancel_requested_at IS NULL THEN unique_held END,
    status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'CANCELLED' WHEN attempts < max_attempts THEN 'NEW' ELSE 'FAILED' END,
    locked_by = NULL,
    heartbeat_at = NULL,
    lease_expires_at = NULL
WHERE ${idsIn(count)}`;

const STATUSES = `SELECT status, count(*) AS count FROM task_results WHERE ${HELD_IDS} GROUP BY status`;

export async function rescueExpired(client: SqlClient, limit: number): Promise<RescueCounts> {
  const began = mysqlTime(new Date());
  const rows = await inTransaction(client, async (tx) => {
    const expired = await tx.$queryRawUnsafe<{ id: string }[]>(EXPIRED, began, limit);
    if (expired.length === 0) return [];
    const ids = expired.map((row) => row.id);
    await tx.$executeRawUnsafe(rescueUpdate(ids.length), ...ids);
    return tx.$queryRawUnsafe<{ status: string; count: unknown }[]>(STATUSES, JSON.stringify(ids));
  });
  const count = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0);
  return { requeued: count("NEW"), failed: count("FAILED") + count("CANCELLED") };
}

// A released task never started its attempt, so the claim is undone: its attempt, its worker id and, when it had no
// earlier attempt, its start times. One whose cancel was recorded meanwhile ends CANCELLED without running. MySQL runs
// SET from left to right: every assignment that reads attempts comes before attempts changes.
const releaseUpdate = (count: number) => `
UPDATE task_results
SET finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE ? END,
    errors = CASE WHEN cancel_requested_at IS NULL THEN errors ELSE JSON_ARRAY_APPEND(errors, '$', ${cancelledEntry()}) END,
    unique_held = CASE WHEN cancel_requested_at IS NULL THEN unique_held END,
    status = CASE WHEN cancel_requested_at IS NULL THEN 'NEW' ELSE 'CANCELLED' END,
    started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END,
    last_attempted_at = CASE WHEN attempts = 1 THEN NULL ELSE last_attempted_at END,
    attempts = attempts - 1, worker_ids = CASE WHEN JSON_LENGTH(worker_ids) > 0 THEN JSON_REMOVE(worker_ids, CONCAT('$[', JSON_LENGTH(worker_ids) - 1, ']')) ELSE worker_ids END, locked_by = NULL,
    heartbeat_at = NULL, lease_expires_at = NULL
WHERE status = 'RUNNING' AND locked_by = ? AND ${idsIn(count)}`;

export async function releaseTasks(client: SqlClient, workerId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return client.$executeRawUnsafe(releaseUpdate(ids.length), mysqlTime(new Date()), workerId, ...ids);
}
