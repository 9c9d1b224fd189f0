// Ready tasks by queue for the OpenTelemetry gauge, counted among the next ones in claim order (the ready index).
import type { QueueReadyCount, ReadyTasksRequest, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

function countSql(byBackend: boolean, byQueue: boolean): string {
  return `
SELECT queue_name, count(*) AS count
FROM (
  SELECT queue_name FROM task_results
  WHERE status = 'NEW' AND run_after <= ? ${byBackend ? "AND backend = ?" : ""}
    ${byQueue ? "AND queue_name IN (SELECT value FROM json_each(?))" : ""}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT ?
) AS next
GROUP BY queue_name
ORDER BY queue_name`;
}

export async function countReadyTasks(client: SqlClient, request: ReadyTasksRequest): Promise<QueueReadyCount[]> {
  const byBackend = request.backend !== undefined;
  const byQueue = request.queues !== "*";
  const params: unknown[] = [sqliteTime(new Date())];
  if (byBackend) params.push(request.backend);
  if (byQueue) params.push(JSON.stringify(request.queues));
  params.push(request.window);
  const rows = await client.$queryRawUnsafe<{ queue_name: string; count: number | bigint }[]>(countSql(byBackend, byQueue), ...params);
  return rows.map((row) => ({ queueName: row.queue_name, count: Number(row.count) }));
}
