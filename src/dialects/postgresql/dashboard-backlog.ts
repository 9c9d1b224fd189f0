// The dashboard's ready backlog on PostgreSQL: NEW tasks per queue, due or scheduled, and the oldest due one.
import type { QueueBacklog } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { perTable } from "./names.js";

const QUEUE_BACKLOG = perTable((table) => `
SELECT queue_name,
       count(*) FILTER (WHERE run_after <= $1::timestamptz)::int AS ready,
       count(*) FILTER (WHERE run_after > $1::timestamptz)::int AS scheduled,
       min(run_after) FILTER (WHERE run_after <= $1::timestamptz) AS oldest_ready_at
FROM ${table} WHERE status = 'NEW'
GROUP BY queue_name ORDER BY queue_name`);

export async function queueBacklog(table: string, client: SqlClient, now: Date): Promise<QueueBacklog[]> {
  const rows = await client.$queryRawUnsafe<{ queue_name: string; ready: number; scheduled: number; oldest_ready_at: Date | null }[]>(
    QUEUE_BACKLOG(table),
    now,
  );
  return rows.map((row) => ({ queueName: row.queue_name, ready: row.ready, scheduled: row.scheduled, oldestReadyAt: row.oldest_ready_at }));
}
