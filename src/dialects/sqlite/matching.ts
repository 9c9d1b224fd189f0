// The tasks a bulk cancel or retry selects on SQLite, and the ids its dry run reports.
import { filterCondition, type PlaceholderSql } from "../filter-condition.js";
import type { BackendTaskFilter, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

const SQL: PlaceholderSql = { time: sqliteTime, idInJson: `id IN (SELECT value FROM json_each(?))` };

/** The filter as a condition on task_results, with its parameters in the order of their placeholders. */
export function matching(filter: BackendTaskFilter): { condition: string; params: unknown[] } {
  return filterCondition(filter, SQL);
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
