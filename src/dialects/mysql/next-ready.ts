// The next ready tasks in claim order (the ready index) of a worker's backend and queues, as a derived table: what the
// unknown-task report and the ready gauge count, reading at most `window` index entries however long the backlog.
import type { ReadyTasksRequest } from "../types.js";
import { jsonList } from "./columns.js";

/** `column` of those tasks, with the parameters of its placeholders in order. */
export function nextReady(column: string, request: ReadyTasksRequest): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  if (request.backend !== undefined) params.push(request.backend);
  if (request.queues !== "*") params.push(JSON.stringify(request.queues));
  params.push(request.window);
  return {
    sql: `SELECT ${column} FROM task_results
  WHERE status = 'NEW' AND run_after <= UTC_TIMESTAMP(3) ${request.backend === undefined ? "" : "AND backend = ?"}
    ${request.queues === "*" ? "" : `AND queue_name IN (SELECT value FROM ${jsonList("VARCHAR(64)")} AS queues)`}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT ?`,
    params,
  };
}
