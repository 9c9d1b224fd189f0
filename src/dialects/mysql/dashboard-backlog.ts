// The dashboard's ready backlog on MySQL: NEW tasks per queue, due or scheduled, and the oldest due one.
import type { QueueBacklog } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { fromMysqlTime, mysqlTime } from "./time.js";

const QUEUE_BACKLOG = `
SELECT queue_name,
       count(CASE WHEN run_after <= ? THEN 1 END) AS ready,
       count(CASE WHEN run_after > ? THEN 1 END) AS scheduled,
       min(CASE WHEN run_after <= ? THEN run_after END) AS oldest_ready_at
FROM task_results WHERE status = 'NEW'
GROUP BY queue_name ORDER BY queue_name`;

interface Row {
  queue_name: string;
  ready: number | bigint;
  scheduled: number | bigint;
  oldest_ready_at: Date | string | null;
}

export async function queueBacklog(client: SqlClient, now: Date): Promise<QueueBacklog[]> {
  const time = mysqlTime(now);
  const rows = await client.$queryRawUnsafe<Row[]>(QUEUE_BACKLOG, time, time, time);
  return rows.map((row) => ({
    queueName: row.queue_name,
    ready: Number(row.ready),
    scheduled: Number(row.scheduled),
    oldestReadyAt: row.oldest_ready_at === null ? null : fromMysqlTime(row.oldest_ready_at),
  }));
}
