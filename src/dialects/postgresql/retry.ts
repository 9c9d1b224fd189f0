// Retry on PostgreSQL: a FAILED or CANCELLED task goes back to NEW, due now, keeping its history (errors, worker ids,
// attempts) with room for one more attempt; a NOTIFY per queue, delivered at commit, wakes its workers. A task with a
// unique key takes it back, so it goes back only while no other task holds the key (of several that share a key and
// are retried together, the first by id); one that an enqueue takes meanwhile is refused by the unique index.
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { isTaskId } from "./fetch.js";
import { HOLDS_KEY } from "./insert.js";
import { matching } from "./matching.js";
import { perTable, quoteLiteral } from "./names.js";

const retry = (table: string) => `
UPDATE ${table} AS t
SET status = 'NEW', finished_at = NULL, run_after = now(), cancel_requested_at = NULL,
    max_attempts = GREATEST(t.max_attempts, t.attempts + 1), unique_held = t.unique_key IS NOT NULL`;

const RETRYABLE = "t.status IN ('FAILED', 'CANCELLED')";

/** Another task holds the key of the row `t` now (HOLDS_KEY's unqualified columns are the holder's: the inner scope). */
const keyTaken = (table: string) => `EXISTS (
  SELECT 1 FROM ${table} AS holder
  WHERE holder.task_name = t.task_name AND holder.unique_key = t.unique_key AND ${HOLDS_KEY})`;

const RETRY_TASK = perTable((table) => `${retry(table)}
WHERE t.id = $1::uuid AND ${RETRYABLE} AND NOT ${keyTaken(table)}
RETURNING ${TASK_COLUMNS.join(", ")}`);

/** Wakes the workers of these queues, listening on `channel`, as an enqueue does. */
async function wakeWorkers(channel: string, client: SqlClient, queues: readonly string[]): Promise<void> {
  if (queues.length === 0) return;
  // executeRaw: pg_notify returns void, which a query result could not carry.
  await client.$executeRawUnsafe(
    `SELECT pg_notify(${quoteLiteral(channel)}, queue) FROM (SELECT DISTINCT jsonb_array_elements_text($1::jsonb) AS queue) AS queues`,
    JSON.stringify(queues),
  );
}

export async function retryTask(table: string, channel: string, client: SqlClient, id: string): Promise<StoredTask | undefined> {
  if (!isTaskId(id)) return undefined;
  const [row] = await client.$queryRawUnsafe<RawTask[]>(RETRY_TASK(table), id);
  if (row) await wakeWorkers(channel, client, [String(row.queue_name)]);
  return row && toStoredTask(row);
}

export async function retryTasks(table: string, channel: string, client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  const { condition, params } = matching(filter, 2);
  const rows = await client.$queryRawUnsafe<{ id: string; queue_name: string }[]>(
    `WITH matched AS (
  SELECT id, task_name, unique_key FROM ${table} AS t WHERE ${condition} AND NOT ${keyTaken(table)}
  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
), retried AS (
  SELECT id FROM matched WHERE unique_key IS NULL
  UNION ALL
  (SELECT DISTINCT ON (task_name, unique_key) id FROM matched WHERE unique_key IS NOT NULL ORDER BY task_name, unique_key, id)
)
${retry(table)}
WHERE t.id = ANY(ARRAY(SELECT id FROM retried)) AND ${RETRYABLE}
RETURNING t.id, t.queue_name`,
    limit,
    ...params,
  );
  await wakeWorkers(channel, client, rows.map((row) => row.queue_name));
  return rows.map((row) => String(row.id));
}
