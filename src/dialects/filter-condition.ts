// A bulk cancel's or retry's filter as a condition on task_results, for the dialects whose placeholders are `?`
// (SQLite, MySQL): only how a time is written and how a list of ids is unpacked differ between them.
import { sinceField } from "../control.js";
import type { BackendTaskFilter } from "./types.js";

const SINCE_COLUMNS = { enqueuedAt: "enqueued_at", lastAttemptedAt: "last_attempted_at", finishedAt: "finished_at" } as const;

export interface PlaceholderSql {
  /** A time as the database compares its stored times. */
  time(date: Date): unknown;
  /** `id IN (...)` for one placeholder that takes the ids as a JSON array. */
  idInJson: string;
}

/** The filter as a condition, with its parameters in the order of their placeholders. */
export function filterCondition(filter: BackendTaskFilter, sql: PlaceholderSql): { condition: string; params: unknown[] } {
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
  if (filter.since !== undefined) add(`${SINCE_COLUMNS[sinceField(filter.status)]} >= ?`, sql.time(filter.since));
  if (filter.ids !== undefined) add(sql.idInJson, JSON.stringify(filter.ids));
  if (filter.after !== undefined) add("id > ?", filter.after);
  return { condition: conditions.join(" AND "), params };
}
