// Ready tasks a worker has no function for, counted by name among the next ones in claim order (the ready index).
import type { SqlClient, UnknownTaskCount, UnknownTasksRequest } from "../types.js";
import { nextReady } from "./next-ready.js";
import { textArray } from "./text-array.js";

export async function countUnknownTasks(table: string, client: SqlClient, request: UnknownTasksRequest): Promise<UnknownTaskCount[]> {
  const next = nextReady(table, "task_name", request, 2);
  const rows = await client.$queryRawUnsafe<{ task_name: string; count: number }[]>(
    `SELECT task_name, count(*)::int AS count FROM (${next.sql}) AS next
WHERE NOT (task_name = ANY($1::text[]))
GROUP BY task_name
ORDER BY count DESC, task_name`,
    textArray(request.taskNames),
    ...next.params,
  );
  return rows.map((row) => ({ taskName: row.task_name, count: Number(row.count) }));
}
