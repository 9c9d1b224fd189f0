// One task for the dashboard's detail page on PostgreSQL: the stored row and its lease.
import { isTaskId, type TaskDetail } from "../dashboard.js";
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { SqlClient } from "../types.js";

const TASK_DETAIL = `SELECT ${TASK_COLUMNS.join(", ")}, heartbeat_at, lease_expires_at FROM task_results WHERE id = $1::uuid`;

export async function taskDetail(client: SqlClient, id: string): Promise<TaskDetail | undefined> {
  if (!isTaskId(id)) return undefined;
  const [row] = await client.$queryRawUnsafe<(RawTask & { heartbeat_at: Date | null; lease_expires_at: Date | null })[]>(TASK_DETAIL, id);
  return row && { ...toStoredTask(row), heartbeatAt: row.heartbeat_at, leaseExpiresAt: row.lease_expires_at };
}
