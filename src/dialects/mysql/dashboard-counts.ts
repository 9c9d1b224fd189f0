// The dashboard's task counts by queue and status on MySQL: exact, read from the (status, ...) indexes. (InnoDB's
// table statistics are too coarse to estimate one status's rows, which PostgreSQL's planner can.)
import type { StatusCount } from "../dashboard.js";
import type { TaskStatus } from "../../result.js";
import type { SqlClient } from "../types.js";

const COUNT_TASKS = `SELECT queue_name, status, count(*) AS count FROM task_results WHERE status <> 'NEW' GROUP BY queue_name, status`;

export async function countTasks(client: SqlClient): Promise<StatusCount[]> {
  const rows = await client.$queryRawUnsafe<{ queue_name: string; status: TaskStatus; count: number | bigint }[]>(COUNT_TASKS);
  return rows.map((row) => ({ queueName: row.queue_name, status: row.status, count: Number(row.count), estimated: false }));
}
