// Ready tasks a worker has no function for, counted by name among the next ones in claim order (the ready index).
import type { SqlClient, UnknownTaskCount, UnknownTasksRequest } from "../types.js";
import { sqliteTime } from "./time.js";

function countSql(byBackend: boolean, byQueue: boolean): string {
  return `
SELECT task_name, count(*) AS count
FROM (
  SELECT task_name FROM task_results
  WHERE status = 'NEW' AND run_after <= ? ${byBackend ? "AND backend = ?" : ""}
    ${byQueue ? "AND queue_name IN (SELECT value FROM json_each(?))" : ""}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT ?
) AS next
WHERE task_name NOT IN (SELECT value FROM json_each(?))
GROUP BY task_name
ORDER BY count DESC, task_name`;
}

export async function countUnknownTasks(client: SqlClient, request: UnknownTasksRequest): Promise<UnknownTaskCount[]> {
  const byBackend = request.backend !== undefined;
  const byQueue = request.queues !== "*";
  const params: unknown[] = [sqliteTime(new Date())];
  if (byBackend) params.push(request.backend);
  if (byQueue) params.push(JSON.stringify(request.queues));
  params.push(request.window, JSON.stringify(request.taskNames));
  const rows = await client.$queryRawUnsafe<{ task_name: string; count: number | bigint }[]>(countSql(byBackend, byQueue), ...params);
  return rows.map((row) => ({ taskName: row.task_name, count: Number(row.count) }));
}
