// The dashboard's ready backlog on SQLite: NEW tasks per queue, due or scheduled, and the oldest due one.
import type { QueueBacklog } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

const QUEUE_BACKLOG = `
SELECT queue_name,
       count(*) FILTER (WHERE run_after <= ?) AS ready,
       count(*) FILTER (WHERE run_after > ?) AS scheduled,
       min(run_after) FILTER (WHERE run_after <= ?) AS oldest_ready_at
FROM task_results WHERE status = 'NEW'
GROUP BY queue_name ORDER BY queue_name`;

interface Row {
  queue_name: string;
  ready: number | bigint;
  scheduled: number | bigint;
  oldest_ready_at: string | null;
}

export async function queueBacklog(client: SqlClient, now: Date): Promise<QueueBacklog[]> {
  const time = sqliteTime(now);
  // The adapter binds positional parameters only: the time once per placeholder.
  const rows = await client.$queryRawUnsafe<Row[]>(QUEUE_BACKLOG, time, time, time);
  return rows.map((row) => ({
    queueName: row.queue_name,
    ready: Number(row.ready),
    scheduled: Number(row.scheduled),
    oldestReadyAt: row.oldest_ready_at === null ? null : new Date(row.oldest_ready_at),
  }));
}
