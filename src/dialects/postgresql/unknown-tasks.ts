// Ready tasks a worker has no function for, counted by name among the next ones in claim order (the ready index).
import type { SqlClient, UnknownTaskCount, UnknownTasksRequest } from "../types.js";
import { textArray } from "./text-array.js";

function countSql(table: string, byBackend: boolean, byQueue: boolean): string {
  let next = 3;
  const backend = byBackend ? `AND backend = $${next++}` : "";
  const queues = byQueue ? `AND queue_name IN (SELECT jsonb_array_elements_text($${next++}::jsonb))` : "";
  return `
SELECT task_name, count(*)::int AS count
FROM (
  SELECT task_name FROM ${table}
  WHERE status = 'NEW' AND run_after <= now() ${backend} ${queues}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT $2
) AS next
WHERE NOT (task_name = ANY($1::text[]))
GROUP BY task_name
ORDER BY count DESC, task_name`;
}

export async function countUnknownTasks(table: string, client: SqlClient, request: UnknownTasksRequest): Promise<UnknownTaskCount[]> {
  const byBackend = request.backend !== undefined;
  const byQueue = request.queues !== "*";
  const params: unknown[] = [textArray(request.taskNames), request.window];
  if (byBackend) params.push(request.backend);
  if (byQueue) params.push(JSON.stringify(request.queues));
  const rows = await client.$queryRawUnsafe<{ task_name: string; count: number }[]>(countSql(table, byBackend, byQueue), ...params);
  return rows.map((row) => ({ taskName: row.task_name, count: Number(row.count) }));
}
