// One task for the dashboard's detail page on PostgreSQL: the stored row and its lease.
import { isTaskId, type TaskDetail } from "../dashboard.js";
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { SqlClient } from "../types.js";
import { perTable } from "./names.js";

const TASK_DETAIL = perTable((table) => `SELECT ${TASK_COLUMNS.join(", ")}, heartbeat_at, lease_expires_at FROM ${table} WHERE id = $1::uuid`);

export async function taskDetail(table: string, client: SqlClient, id: string): Promise<TaskDetail | undefined> {
  if (!isTaskId(id)) return undefined;
  const [row] = await client.$queryRawUnsafe<(RawTask & { heartbeat_at: Date | null; lease_expires_at: Date | null })[]>(TASK_DETAIL(table), id);
  return row && { ...toStoredTask(row), heartbeatAt: row.heartbeat_at, leaseExpiresAt: row.lease_expires_at };
}
