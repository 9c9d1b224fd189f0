// Ready tasks by queue for the OpenTelemetry gauge, counted among the next ones in claim order (a dialect's next-ready
// subquery), so a collection reads at most `window` index entries however long the backlog.
import type { QueueReadyCount, SqlClient } from "./types.js";

/** `next`: the queue names of the next ready tasks, as a subquery with its parameters. */
export async function countReadyAmong(client: SqlClient, next: { sql: string; params: unknown[] }): Promise<QueueReadyCount[]> {
  const rows = await client.$queryRawUnsafe<{ queue_name: string; count: number | bigint }[]>(
    `SELECT queue_name, count(*) AS count FROM (${next.sql}) AS next GROUP BY queue_name ORDER BY queue_name`,
    ...next.params,
  );
  return rows.map((row) => ({ queueName: row.queue_name, count: Number(row.count) }));
}
