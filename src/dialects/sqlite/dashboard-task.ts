// One task for the dashboard's detail page on SQLite: the stored row and its lease.
import type { TaskDetail } from "../dashboard.js";
import type { RawTask } from "../rows.js";
import type { SqlClient } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";

const TASK_DETAIL = `SELECT ${SQLITE_TASK_COLUMNS}, heartbeat_at, lease_expires_at FROM task_results WHERE id = ?`;

const date = (text: string | null) => (text === null ? null : new Date(text));

export async function taskDetail(client: SqlClient, id: string): Promise<TaskDetail | undefined> {
  const [row] = await client.$queryRawUnsafe<(RawTask & { heartbeat_at: string | null; lease_expires_at: string | null })[]>(TASK_DETAIL, id);
  return row && { ...toStoredSqliteTask(row), heartbeatAt: date(row.heartbeat_at), leaseExpiresAt: date(row.lease_expires_at) };
}
