// The dashboard's task list on PostgreSQL: newest first, keyset-paginated on the primary key, each page reading a
// bounded number of rows.
import { FAILED_INDEX, idRange, listPageFrom, scanThroughFailedIndex, statusLiteral, type ListPageRow } from "../dashboard.js";
import type { TaskListPage, TaskListRequest } from "../dashboard.js";
import type { SqlClient } from "../types.js";

// The page examines at most $1 rows in id order (the primary key, or the failed index for FAILED and CANCELLED
// lists) and keeps those that match the other filters: a filter that matches few rows costs one bounded scan per
// page, never a read of the whole table. The last id examined is where the next page goes on.
function listSql(request: TaskListRequest): { sql: string; params: unknown[] } {
  const params: unknown[] = [request.scanLimit, request.limit + 1];
  const param = (value: unknown, type: string) => `$${params.push(value)}::${type}`;
  const scan: string[] = [];
  const range = idRange(request);
  if (range.from) scan.push(`id >= ${param(range.from, "uuid")}`);
  if (range.through) scan.push(`id <= ${param(range.through, "uuid")}`);
  if (range.before) scan.push(`id < ${param(range.before, "uuid")}`);
  const keep: string[] = [];
  if (request.status && scanThroughFailedIndex(request.status)) scan.push(FAILED_INDEX, `status = ${statusLiteral(request.status)}`);
  else if (request.status) keep.push(`status = ${statusLiteral(request.status)}`);
  if (request.taskName !== undefined) keep.push(`task_name = ${param(request.taskName, "text")}`);
  if (request.queueName !== undefined) keep.push(`queue_name = ${param(request.queueName, "text")}`);
  const where = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(" AND ")}` : "");
  const sql = `
WITH scanned AS MATERIALIZED (
  SELECT id, status, task_name, queue_name FROM task_results ${where(scan)}
  ORDER BY id DESC LIMIT $1
), matched AS (
  SELECT id FROM scanned ${where(keep)} ORDER BY id DESC LIMIT $2
)
SELECT (SELECT count(*)::int FROM scanned) AS scanned,
       (SELECT id FROM scanned ORDER BY id LIMIT 1) AS last_scanned,
       (SELECT coalesce(json_agg(json_build_object(
          'id', t.id, 'status', t.status, 'task_name', t.task_name, 'queue_name', t.queue_name, 'priority', t.priority,
          'enqueued_at', t.enqueued_at, 'run_after', t.run_after, 'finished_at', t.finished_at, 'attempts', t.attempts,
          'max_attempts', t.max_attempts, 'error_class', t.errors -> -1 ->> 'exceptionClass',
          'error_message', t.errors -> -1 ->> 'message') ORDER BY t.id DESC), '[]')
        FROM matched JOIN task_results AS t ON t.id = matched.id) AS tasks`;
  return { sql, params };
}

export async function listTasks(client: SqlClient, request: TaskListRequest): Promise<TaskListPage> {
  const { sql, params } = listSql(request);
  const [row] = await client.$queryRawUnsafe<ListPageRow[]>(sql, ...params);
  return listPageFrom(row!, request);
}
