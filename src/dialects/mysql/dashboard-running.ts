// The dashboard's running tasks on MySQL, longest-running first, with their holder and lease.
import { runningTaskFrom, type RunningRow, type RunningTask } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { fromMysqlTime } from "./time.js";

const RUNNING_TASKS = `
SELECT id, task_name, queue_name, locked_by, attempts, max_attempts, last_attempted_at, lease_expires_at,
       cancel_requested_at IS NOT NULL AS cancel_requested
FROM task_results WHERE status = 'RUNNING'
ORDER BY last_attempted_at, id LIMIT ?`;

export async function runningTasks(client: SqlClient, limit: number): Promise<RunningTask[]> {
  const rows = await client.$queryRawUnsafe<RunningRow[]>(RUNNING_TASKS, limit);
  return rows.map((row) => runningTaskFrom(row, fromMysqlTime));
}
