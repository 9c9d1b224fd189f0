// Ready tasks by queue for the OpenTelemetry gauge, counted among the next ones in claim order (the ready index), so a
// collection reads at most `window` index entries however long the backlog.
import type { QueueReadyCount, ReadyTasksRequest, SqlClient } from "../types.js";

function countSql(table: string, byBackend: boolean, byQueue: boolean): string {
  let next = 2;
  const backend = byBackend ? `AND backend = $${next++}` : "";
  const queues = byQueue ? `AND queue_name IN (SELECT jsonb_array_elements_text($${next++}::jsonb))` : "";
  return `
SELECT queue_name, count(*)::int AS count
FROM (
  SELECT queue_name FROM ${table}
  WHERE status = 'NEW' AND run_after <= now() ${backend} ${queues}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT $1
) AS next
GROUP BY queue_name
ORDER BY queue_name`;
}

export async function countReadyTasks(table: string, client: SqlClient, request: ReadyTasksRequest): Promise<QueueReadyCount[]> {
  const byBackend = request.backend !== undefined;
  const byQueue = request.queues !== "*";
  const params: unknown[] = [request.window];
  if (byBackend) params.push(request.backend);
  if (byQueue) params.push(JSON.stringify(request.queues));
  const rows = await client.$queryRawUnsafe<{ queue_name: string; count: number }[]>(countSql(table, byBackend, byQueue), ...params);
  return rows.map((row) => ({ queueName: row.queue_name, count: Number(row.count) }));
}
