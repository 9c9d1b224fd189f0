// The dashboard's task counts by queue and status on PostgreSQL: exact where an index holds the rows, estimated for
// COMPLETE on large tables.
import type { StatusCount } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import type { TaskStatus } from "../../result.js";
import { perTable } from "./names.js";

// Each part reads only its status's partial index: RUNNING rows through the lease index, FAILED and CANCELLED from
// the failed index alone (it holds their queue and status, so no table page is read).
const EXACT_COUNTS = perTable((table) => `
SELECT queue_name, 'RUNNING' AS status, count(*)::int AS count FROM ${table} WHERE status = 'RUNNING' GROUP BY queue_name
UNION ALL
SELECT queue_name, status, count(*)::int FROM ${table} WHERE status IN ('FAILED', 'CANCELLED') GROUP BY queue_name, status`);

const COMPLETE_EXACT = perTable((table) => `SELECT queue_name, count(*)::int AS count FROM ${table} WHERE status = 'COMPLETE' GROUP BY queue_name`);

const COMPLETE_ESTIMATE = perTable((table) => `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} WHERE status = 'COMPLETE'`);
const QUEUE_COMPLETE_ESTIMATE = perTable((table) => `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} WHERE status = 'COMPLETE' AND queue_name = $1`);

/**
 * Above this many COMPLETE rows (as the planner estimates them) their counts are estimated too: counting a million
 * rows takes most of a second on a small server, on every refresh.
 */
const EXACT_COMPLETE_LIMIT = 100_000;

async function plannedRows(client: SqlClient, sql: string, ...values: unknown[]): Promise<number> {
  const [row] = await client.$queryRawUnsafe<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] | string }[]>(sql, ...values);
  const plan = row!["QUERY PLAN"];
  return Math.round((typeof plan === "string" ? JSON.parse(plan) : plan)[0].Plan["Plan Rows"]);
}

export async function countTasks(table: string, client: SqlClient): Promise<StatusCount[]> {
  const [exact, completeEstimate] = await Promise.all([
    client.$queryRawUnsafe<{ queue_name: string; status: TaskStatus; count: number }[]>(EXACT_COUNTS(table)),
    plannedRows(client, COMPLETE_ESTIMATE(table)),
  ]);
  const counts: StatusCount[] = exact.map((row) => ({ queueName: row.queue_name, status: row.status, count: row.count, estimated: false }));
  if (completeEstimate <= EXACT_COMPLETE_LIMIT) {
    const complete = await client.$queryRawUnsafe<{ queue_name: string; count: number }[]>(COMPLETE_EXACT(table));
    for (const row of complete) counts.push({ queueName: row.queue_name, status: "COMPLETE", count: row.count, estimated: false });
    return counts;
  }
  // Estimated per queue that has tasks in another status; a queue whose every task completed long ago is idle and
  // left out rather than found by reading the table.
  const queues = [...new Set(counts.map((count) => count.queueName))];
  const estimates = await Promise.all(queues.map((queue) => plannedRows(client, QUEUE_COMPLETE_ESTIMATE(table), queue)));
  queues.forEach((queueName, i) => counts.push({ queueName, status: "COMPLETE", count: estimates[i]!, estimated: true }));
  return counts;
}
