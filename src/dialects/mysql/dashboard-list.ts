// The dashboard's task list on MySQL: newest first, keyset-paginated on the primary key, each page reading a bounded
// number of rows (see the PostgreSQL list for the plan).
import { idRange, listPageFrom, scanThroughFailedIndex, statusLiteral, type ListedTask } from "../dashboard.js";
import type { TaskListPage, TaskListRequest } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { lastElement } from "./columns.js";

function listSql(request: TaskListRequest) {
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
  // FAILED and CANCELLED are few among finished rows: the (status, id) index reads them alone, in id order.
  if (request.status && scanThroughFailedIndex(request.status)) scan.push(`status = ${statusLiteral(request.status)}`);
  else if (request.status) keep.push(`status = ${statusLiteral(request.status)}`);
  for (const [column, value] of [["task_name", request.taskName], ["queue_name", request.queueName]] as const) {
    if (value === undefined) continue;
    keep.push(`${column} = ?`);
    keepParams.push(value);
  }
  const where = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(" AND ")}` : "");
  const page = `
SELECT id, status, task_name, queue_name, priority, enqueued_at, run_after, finished_at, attempts, max_attempts,
       ${lastElement("errors", ".exceptionClass")} AS error_class,
       ${lastElement("errors", ".message")} AS error_message
FROM (SELECT * FROM task_results ${where(scan)} ORDER BY id DESC LIMIT ?) AS scanned
${where(keep)}
ORDER BY id DESC LIMIT ?`;
  // MySQL's LIMIT takes no expression: the offset of the last row a page may scan is passed worked out.
  const lastScanned = `SELECT id FROM task_results ${where(scan)} ORDER BY id DESC LIMIT 1 OFFSET ?`;
  return {
    page,
    params: [...scanParams, request.scanLimit, ...keepParams, request.limit + 1],
    lastScanned,
    scanParams: [...scanParams, request.scanLimit - 1],
  };
}

export async function listTasks(client: SqlClient, request: TaskListRequest): Promise<TaskListPage> {
  const { page, params, lastScanned, scanParams } = listSql(request);
  const rows = await client.$queryRawUnsafe<ListedTask[]>(page, ...params);
  if (rows.length > request.limit) return listPageFrom(rows, undefined, request);
  const [last] = await client.$queryRawUnsafe<{ id: string }[]>(lastScanned, ...scanParams);
  return listPageFrom(rows, last?.id, request);
}
