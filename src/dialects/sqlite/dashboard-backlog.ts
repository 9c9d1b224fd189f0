// The dashboard's ready backlog on SQLite: NEW tasks per queue, due or scheduled, and the oldest due one.
import { backlogFrom, type BacklogRow, type QueueBacklog } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

const QUEUE_BACKLOG = `
SELECT queue_name,
       count(*) FILTER (WHERE run_after <= ?) AS ready,
       count(*) FILTER (WHERE run_after > ?) AS scheduled,
       min(run_after) FILTER (WHERE run_after <= ?) AS oldest_ready_at
FROM task_results WHERE status = 'NEW'
GROUP BY queue_name ORDER BY queue_name`;

export async function queueBacklog(client: SqlClient, now: Date): Promise<QueueBacklog[]> {
  const time = sqliteTime(now);
  // The adapter binds positional parameters only: the time once per placeholder.
  const rows = await client.$queryRawUnsafe<BacklogRow[]>(QUEUE_BACKLOG, time, time, time);
  return rows.map((row) => backlogFrom(row, (value) => new Date(value)));
}
