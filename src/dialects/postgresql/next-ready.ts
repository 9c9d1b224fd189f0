// The next ready tasks in claim order (the ready index) of a worker's backend and queues, as a subquery: what the
// unknown-task report and the ready gauge count, reading at most `window` index entries however long the backlog.
import type { ReadyTasksRequest } from "../types.js";

/** `column` of those tasks, its parameters numbered from `$<first>`. */
export function nextReady(table: string, column: string, request: ReadyTasksRequest, first: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [request.window];
  const param = (value: unknown) => `$${first + params.push(value) - 1}`;
  const backend = request.backend === undefined ? "" : `AND backend = ${param(request.backend)}`;
  const queues = request.queues === "*" ? "" : `AND queue_name IN (SELECT jsonb_array_elements_text(${param(JSON.stringify(request.queues))}::jsonb))`;
  return {
    sql: `SELECT ${column} FROM ${table}
  WHERE status = 'NEW' AND run_after <= now() ${backend} ${queues}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT $${first}`,
    params,
  };
}
