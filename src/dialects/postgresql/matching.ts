// The tasks a bulk cancel or retry selects on PostgreSQL, and the ids its dry run reports.
import { sinceField } from "../../control.js";
import type { BackendTaskFilter, SqlClient } from "../types.js";
import { isTaskId } from "./fetch.js";
import { quoteLiteral } from "./names.js";

const SINCE_COLUMNS = { enqueuedAt: "enqueued_at", lastAttemptedAt: "last_attempted_at", finishedAt: "finished_at" } as const;

/** The filter as a condition on task_results, its parameters numbered from `$<first>`. */
export function matching(filter: BackendTaskFilter, first: number): { condition: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown, type: string) => `$${first + params.push(value) - 1}::${type}`;
  // The status is written as a literal (checkFilter allowed only a TaskStatus): a prepared statement's generic plan
  // cannot use the partial indexes (status = 'NEW', FAILED or CANCELLED, ...) for a parameter, and scanned every row.
  const conditions = [`status = ${quoteLiteral(filter.status)}`, `backend = ${param(filter.backend, "text")}`];
  // A running task whose cancel is already recorded is not selected again: a bulk cancel's batches come to an end.
  if (filter.status === "RUNNING") conditions.push("cancel_requested_at IS NULL");
  if (filter.taskName !== undefined) conditions.push(`task_name = ${param(filter.taskName, "text")}`);
  if (filter.queueName !== undefined) conditions.push(`queue_name = ${param(filter.queueName, "text")}`);
  if (filter.since !== undefined) conditions.push(`${SINCE_COLUMNS[sinceField(filter.status)]} >= ${param(filter.since, "timestamptz")}`);
  // As a uuid[] literal, ids need no quoting.
  if (filter.ids !== undefined) conditions.push(`id = ANY(${param(`{${filter.ids.filter(isTaskId).join(",")}}`, "uuid[]")})`);
  if (filter.after !== undefined) conditions.push(`id > ${param(filter.after, "uuid")}`);
  return { condition: conditions.join(" AND "), params };
}

export async function matchingTasks(table: string, client: SqlClient, filter: BackendTaskFilter, after: string | undefined, limit: number): Promise<string[]> {
  const { condition, params } = matching({ ...filter, after }, 2);
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM ${table} WHERE ${condition} ORDER BY id LIMIT $1`,
    limit,
    ...params,
  );
  return rows.map((row) => String(row.id));
}

/**
 * One batch of a bulk change: `update` (an `UPDATE <table> AS t SET ...`) applied to at most `limit` matching rows
 * that no other transaction holds, the first by id, where `guard` still holds once they are locked, returning `returning`.
 */
export async function updateMatched<Row>(
  table: string,
  client: SqlClient,
  filter: BackendTaskFilter,
  limit: number,
  change: { update: string; guard: string; returning: string },
): Promise<Row[]> {
  const { condition, params } = matching(filter, 2);
  return client.$queryRawUnsafe<Row[]>(
    `WITH matched AS (SELECT id FROM ${table} WHERE ${condition} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
${change.update}
WHERE t.id = ANY(ARRAY(SELECT id FROM matched)) AND ${change.guard}
RETURNING ${change.returning}`,
    limit,
    ...params,
  );
}
