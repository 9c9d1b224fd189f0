// The dashboard's task list on PostgreSQL: newest first, keyset-paginated on the primary key, each page reading a
// bounded number of rows.
import { idRange, listPageFrom, scanThroughFailedIndex, statusLiteral, type ListedTask } from "../dashboard.js";
import type { TaskListPage, TaskListRequest } from "../dashboard.js";
import type { SqlClient } from "../types.js";

// The inner query reads rows in id order (the primary key, or the failed index for FAILED and CANCELLED lists), at
// most $1 of them; the outer one keeps those that match the other filters and stops at a full page. A filter that
// matches few rows therefore costs one bounded scan per page, never a read of the whole table.
function listSql(table: string, request: TaskListRequest) {
  const params: unknown[] = [request.scanLimit];
  const param = (value: unknown, type: string) => `$${params.push(value)}::${type}`;
  const scan: string[] = [];
  const range = idRange(request);
  if (range.from) scan.push(`id >= ${param(range.from, "uuid")}`);
  if (range.through) scan.push(`id <= ${param(range.through, "uuid")}`);
  if (range.before) scan.push(`id < ${param(range.before, "uuid")}`);
  const keep: string[] = [];
  // The status alone: PostgreSQL sees that it implies the failed index's condition, and repeating that condition
  // would make it misjudge the row count and sort every failed row instead of reading the index in order.
  if (request.status && scanThroughFailedIndex(request.status)) scan.push(`status = ${statusLiteral(request.status)}`);
  else if (request.status) keep.push(`status = ${statusLiteral(request.status)}`);
  const scanParams = [...params];
  if (request.taskName !== undefined) keep.push(`task_name = ${param(request.taskName, "text")}`);
  if (request.queueName !== undefined) keep.push(`queue_name = ${param(request.queueName, "text")}`);
  const where = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(" AND ")}` : "");
  const page = `
SELECT id, status, task_name, queue_name, priority, enqueued_at, run_after, finished_at, attempts, max_attempts,
       errors -> -1 ->> 'exceptionClass' AS error_class, errors -> -1 ->> 'message' AS error_message
FROM (SELECT * FROM ${table} ${where(scan)} ORDER BY id DESC LIMIT $1) AS scanned
${where(keep)}
ORDER BY id DESC LIMIT ${param(request.limit + 1, "int")}`;
  // Asked only of a page that is not full: the last row its scan would have read, if the scan limit stopped it.
  const lastScanned = `SELECT id FROM ${table} ${where(scan)} ORDER BY id DESC OFFSET $1 - 1 LIMIT 1`;
  return { page, params, lastScanned, scanParams };
}

export async function listTasks(table: string, client: SqlClient, request: TaskListRequest): Promise<TaskListPage> {
  const { page, params, lastScanned, scanParams } = listSql(table, request);
  const rows = await client.$queryRawUnsafe<ListedTask[]>(page, ...params);
  if (rows.length > request.limit) return listPageFrom(rows, undefined, request);
  const [last] = await client.$queryRawUnsafe<{ id: string }[]>(lastScanned, ...scanParams);
  return listPageFrom(rows, last && String(last.id), request);
}
