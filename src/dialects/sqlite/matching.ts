// The tasks a bulk cancel or retry selects on SQLite, and the ids its dry run reports.
import { sinceField } from "../../control.js";
import type { BackendTaskFilter, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

const SINCE_COLUMNS = { enqueuedAt: "enqueued_at", lastAttemptedAt: "last_attempted_at", finishedAt: "finished_at" } as const;

/** The filter as a condition on task_results, with its parameters in the order of their placeholders. */
export function matching(filter: BackendTaskFilter): { condition: string; params: unknown[] } {
  const conditions = ["status = ?", "backend = ?"];
  const params: unknown[] = [filter.status, filter.backend];
  const add = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  // A running task whose cancel is already recorded is not selected again: a bulk cancel's batches come to an end.
  if (filter.status === "RUNNING") conditions.push("cancel_requested_at IS NULL");
  if (filter.taskName !== undefined) add("task_name = ?", filter.taskName);
  if (filter.queueName !== undefined) add("queue_name = ?", filter.queueName);
  if (filter.since !== undefined) add(`${SINCE_COLUMNS[sinceField(filter.status)]} >= ?`, sqliteTime(filter.since));
  if (filter.ids !== undefined) add("id IN (SELECT value FROM json_each(?))", JSON.stringify(filter.ids));
  return { condition: conditions.join(" AND "), params };
}

export async function matchingTasks(client: SqlClient, filter: BackendTaskFilter, after: string | undefined, limit: number): Promise<string[]> {
  const { condition, params } = matching(filter);
  if (after !== undefined) params.push(after);
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM task_results WHERE ${condition} ${after === undefined ? "" : "AND id > ?"} ORDER BY id LIMIT ?`,
    ...params,
    limit,
  );
  return rows.map((row) => String(row.id));
}
