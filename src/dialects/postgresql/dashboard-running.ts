// The dashboard's running tasks on PostgreSQL, longest-running first, with their holder and lease.
import type { RunningTask } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { perTable } from "./names.js";

const RUNNING_TASKS = perTable((table) => `
SELECT id, task_name, queue_name, locked_by, attempts, max_attempts, last_attempted_at, lease_expires_at,
       cancel_requested_at IS NOT NULL AS cancel_requested
FROM ${table} WHERE status = 'RUNNING'
ORDER BY last_attempted_at, id LIMIT $1`);

interface Row {
  id: string;
  task_name: string;
  queue_name: string;
  locked_by: string | null;
  attempts: number;
  max_attempts: number;
  last_attempted_at: Date | null;
  lease_expires_at: Date | null;
  cancel_requested: boolean;
}

export async function runningTasks(table: string, client: SqlClient, limit: number): Promise<RunningTask[]> {
  const rows = await client.$queryRawUnsafe<Row[]>(RUNNING_TASKS(table), limit);
  return rows.map((row) => ({
    id: String(row.id),
    taskName: row.task_name,
    queueName: row.queue_name,
    workerId: row.locked_by,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    attemptStartedAt: row.last_attempted_at,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested,
  }));
}
