// Ready tasks a worker has no function for, counted by name among the next ones in claim order (the ready index).
import type { SqlClient, UnknownTaskCount, UnknownTasksRequest } from "../types.js";
import { jsonList } from "./columns.js";
import { nextReady } from "./next-ready.js";

export async function countUnknownTasks(client: SqlClient, request: UnknownTasksRequest): Promise<UnknownTaskCount[]> {
  const next = nextReady("task_name", request);
  const rows = await client.$queryRawUnsafe<{ task_name: string; count: number | bigint }[]>(
    `SELECT task_name, count(*) AS count FROM (${next.sql}) AS next
WHERE task_name NOT IN (SELECT value FROM ${jsonList()} AS names)
GROUP BY task_name
ORDER BY count DESC, task_name`,
    ...next.params,
    JSON.stringify(request.taskNames),
  );
  return rows.map((row) => ({ taskName: row.task_name, count: Number(row.count) }));
}
