// The tasks a bulk cancel or retry selects on MySQL, and the ids its dry run reports.
import { filterCondition, type PlaceholderSql } from "../filter-condition.js";
import type { BackendTaskFilter, SqlClient } from "../types.js";
import { idsIn, jsonList } from "./columns.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

const SQL: PlaceholderSql = { time: mysqlTime, idInJson: `id IN (SELECT value FROM ${jsonList("CHAR(36)")} AS ids)` };

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

/** The rows of a batch as the change needs them, locked for it in the first by id. */
export interface MatchedRow {
  id: string;
  task_name: string;
  unique_key: string | null;
}

/**
 * One batch of a bulk change: up to `limit` rows that match and satisfy `guard`, the first by id, locked (FOR UPDATE),
 * then `update` (an `UPDATE task_results SET ...` whose placeholders take `updateParams`) applied by id to those
 * `pick` keeps, in one transaction; returns their ids. The lock holds the guard true until the update.
 */
export async function updateMatched(
  client: SqlClient,
  filter: BackendTaskFilter,
  limit: number,
  change: { update: string; updateParams: unknown[]; guard: string; pick?: (rows: MatchedRow[], tx: SqlClient) => Promise<MatchedRow[]> },
): Promise<string[]> {
  const { condition, params } = matching(filter);
  return inTransaction(client, async (tx) => {
    const locked = await tx.$queryRawUnsafe<MatchedRow[]>(
      `SELECT id, task_name, unique_key FROM task_results WHERE ${condition} AND ${change.guard} ORDER BY id LIMIT ? FOR UPDATE`,
      ...params,
      limit,
    );
    const picked = change.pick ? await change.pick(locked, tx) : locked;
    if (picked.length === 0) return [];
    const ids = picked.map((row) => String(row.id));
    await tx.$executeRawUnsafe(`${change.update}\nWHERE ${idsIn(ids.length)}`, ...change.updateParams, ...ids);
    return ids;
  });
}
