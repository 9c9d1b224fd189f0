// The tasks a bulk cancel or retry selects on SQLite, and the ids its dry run reports.
import { sinceField } from "../../control.js";
import type { BackendTaskFilter, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

const SINCE_COLUMNS = { enqueuedAt: "enqueued_at", lastAttemptedAt: "last_attempted_at", finishedAt: "finished_at" } as const;

/** The filter as a condition on task_results, with its parameters in the order of their placeholders. */
export function matching(filter: BackendTaskFilter): { condition: string; params: unknown[] } {
  // The status is written as a literal (checkFilter allowed only a TaskStatus): SQLite uses a partial index
  // (status = 'NEW', ...) only when the statement's own text implies its condition, never for a bound parameter.
  const conditions = [`status = '${filter.status}'`, "backend = ?"];
  const params: unknown[] = [filter.backend];
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
  if (filter.after !== undefined) add("id > ?", filter.after);
  return { condition: conditions.join(" AND "), params };
}

export async function matchingTasks(client: SqlClient, filter: BackendTaskFilter, after: string | undefined, limit: number): Promise<string[]> {
  const { condition, params } = matching({ ...filter, after });
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM task_results WHERE ${condition} ORDER BY id LIMIT ?`,
    ...params,
    limit,
  );
  return rows.map((row) => String(row.id));
}

/**
 * One batch of a bulk change: `update` (an `UPDATE task_results SET ...` whose placeholders take `updateParams`)
 * applied to at most `limit` matching rows, the first by id, where `guard` holds, returning their ids.
 */
export async function updateMatched(
  client: SqlClient,
  filter: BackendTaskFilter,
  limit: number,
  change: { update: string; updateParams: unknown[]; guard: string },
): Promise<string[]> {
  const { condition, params } = matching(filter);
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(
    `${change.update}
WHERE id IN (SELECT id FROM task_results WHERE ${condition} ORDER BY id LIMIT ?) AND ${change.guard}
RETURNING id`,
    ...change.updateParams,
    ...params,
    limit,
  );
  return rows.map((row) => String(row.id));
}
