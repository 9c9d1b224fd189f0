// The dashboard's task list on SQLite: newest first, keyset-paginated on the primary key, each page reading a bounded
// number of rows (see the PostgreSQL list for the plan).
import { FAILED_INDEX, idRange, listPageFrom, scanThroughFailedIndex, statusLiteral, type ListPageRow } from "../dashboard.js";
import type { TaskListPage, TaskListRequest } from "../dashboard.js";
import type { SqlClient } from "../types.js";

function listSql(request: TaskListRequest): { sql: string; params: unknown[] } {
  const scanParams: unknown[] = [];
  const keepParams: unknown[] = [];
  const scan: string[] = [];
  const keep: string[] = [];
  const range = idRange(request);
  for (const [bound, operator] of [["from", ">="], ["through", "<="], ["before", "<"]] as const) {
    if (range[bound] === undefined) continue;
    scan.push(`id ${operator} ?`);
    scanParams.push(range[bound]);
  }
  if (request.status && scanThroughFailedIndex(request.status)) scan.push(FAILED_INDEX, `status = ${statusLiteral(request.status)}`);
  else if (request.status) keep.push(`status = ${statusLiteral(request.status)}`);
  for (const [column, value] of [["task_name", request.taskName], ["queue_name", request.queueName]] as const) {
    if (value === undefined) continue;
    keep.push(`${column} = ?`);
    keepParams.push(value);
  }
  const where = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(" AND ")}` : "");
  const sql = `
WITH scanned AS MATERIALIZED (
  SELECT id, status, task_name, queue_name FROM task_results ${where(scan)}
  ORDER BY id DESC LIMIT ?
), matched AS (
  SELECT id FROM scanned ${where(keep)} ORDER BY id DESC LIMIT ?
)
SELECT (SELECT count(*) FROM scanned) AS scanned,
       (SELECT min(id) FROM scanned) AS last_scanned,
       (SELECT json_group_array(json_object(
          'id', t.id, 'status', t.status, 'task_name', t.task_name, 'queue_name', t.queue_name, 'priority', t.priority,
          'enqueued_at', t.enqueued_at, 'run_after', t.run_after, 'finished_at', t.finished_at, 'attempts', t.attempts,
          'max_attempts', t.max_attempts, 'error_class', t.errors ->> '$[#-1].exceptionClass',
          'error_message', t.errors ->> '$[#-1].message') ORDER BY t.id DESC)
        FROM matched JOIN task_results AS t ON t.id = matched.id) AS tasks`;
  return { sql, params: [...scanParams, request.scanLimit, ...keepParams, request.limit + 1] };
}

export async function listTasks(client: SqlClient, request: TaskListRequest): Promise<TaskListPage> {
  const { sql, params } = listSql(request);
  const [row] = await client.$queryRawUnsafe<ListPageRow[]>(sql, ...params);
  return listPageFrom(row!, request);
}
