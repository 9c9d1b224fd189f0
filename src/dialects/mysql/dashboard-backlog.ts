// The dashboard's ready backlog on MySQL: NEW tasks per queue, due or scheduled, and the oldest due one.
import { backlogFrom, type BacklogRow, type QueueBacklog } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { fromMysqlTime, mysqlTime } from "./time.js";

const QUEUE_BACKLOG = `
SELECT queue_name,
       count(CASE WHEN run_after <= ? THEN 1 END) AS ready,
       count(CASE WHEN run_after > ? THEN 1 END) AS scheduled,
       min(CASE WHEN run_after <= ? THEN run_after END) AS oldest_ready_at
FROM task_results WHERE status = 'NEW'
GROUP BY queue_name ORDER BY queue_name`;

export async function queueBacklog(client: SqlClient, now: Date): Promise<QueueBacklog[]> {
  const time = mysqlTime(now);
  // The adapter binds positional parameters only: the time once per placeholder.
  const rows = await client.$queryRawUnsafe<BacklogRow[]>(QUEUE_BACKLOG, time, time, time);
  return rows.map((row) => backlogFrom(row, fromMysqlTime));
}
