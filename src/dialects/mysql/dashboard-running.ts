// The dashboard's running tasks on MySQL, longest-running first, with their holder and lease.
import type { RunningTask } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { fromMysqlTime } from "./time.js";

const RUNNING_TASKS = `
SELECT id, task_name, queue_name, locked_by, attempts, max_attempts, last_attempted_at, lease_expires_at,
       cancel_requested_at IS NOT NULL AS cancel_requested
FROM task_results WHERE status = 'RUNNING'
ORDER BY last_attempted_at, id LIMIT ?`;

interface Row {
  id: string;
  task_name: string;
  queue_name: string;
  locked_by: string | null;
  attempts: number | bigint;
  max_attempts: number | bigint;
  last_attempted_at: Date | string | null;
  lease_expires_at: Date | string | null;
  cancel_requested: number | bigint;
}

const date = (value: Date | string | null) => (value === null ? null : fromMysqlTime(value));

export async function runningTasks(client: SqlClient, limit: number): Promise<RunningTask[]> {
  const rows = await client.$queryRawUnsafe<Row[]>(RUNNING_TASKS, limit);
  return rows.map((row) => ({
    id: row.id,
    taskName: row.task_name,
    queueName: row.queue_name,
    workerId: row.locked_by,
    attempt: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    attemptStartedAt: date(row.last_attempted_at),
    leaseExpiresAt: date(row.lease_expires_at),
    cancelRequested: Number(row.cancel_requested) === 1,
  }));
}
