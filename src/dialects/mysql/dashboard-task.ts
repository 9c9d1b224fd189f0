// One task for the dashboard's detail page on MySQL: the stored row and its lease.
import type { TaskDetail } from "../dashboard.js";
import type { RawTask } from "../rows.js";
import type { SqlClient } from "../types.js";
import { MYSQL_TASK_COLUMNS, toStoredMysqlTask } from "./columns.js";
import { fromMysqlTime } from "./time.js";

const TASK_DETAIL = `SELECT ${MYSQL_TASK_COLUMNS}, heartbeat_at, lease_expires_at FROM task_results WHERE id = ?`;

type Row = RawTask & { heartbeat_at: Date | string | null; lease_expires_at: Date | string | null };

const date = (value: Date | string | null) => (value === null ? null : fromMysqlTime(value));

export async function taskDetail(client: SqlClient, id: string): Promise<TaskDetail | undefined> {
  const [row] = await client.$queryRawUnsafe<Row[]>(TASK_DETAIL, id);
  return row && { ...toStoredMysqlTask(row), heartbeatAt: date(row.heartbeat_at), leaseExpiresAt: date(row.lease_expires_at) };
}
