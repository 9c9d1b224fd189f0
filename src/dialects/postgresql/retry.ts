// Retry on PostgreSQL: a FAILED or CANCELLED task goes back to NEW, due now, keeping its history (errors, worker ids,
// attempts) with room for one more attempt; a NOTIFY per queue, delivered at commit, wakes its workers.
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { isTaskId } from "./fetch.js";
import { updateMatched } from "./matching.js";
import { perTable, quoteLiteral } from "./names.js";

const retry = (table: string) => `
UPDATE ${table} AS t
SET status = 'NEW', finished_at = NULL, run_after = now(), cancel_requested_at = NULL,
    max_attempts = GREATEST(t.max_attempts, t.attempts + 1)`;

const RETRYABLE = "t.status IN ('FAILED', 'CANCELLED')";

const RETRY_TASK = perTable((table) => `${retry(table)}
WHERE t.id = $1::uuid AND ${RETRYABLE}
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
  const rows = await updateMatched<{ id: string; queue_name: string }>(table, client, filter, limit, {
    update: retry(table),
    guard: RETRYABLE,
    returning: "t.id, t.queue_name",
  });
  await wakeWorkers(channel, client, rows.map((row) => row.queue_name));
  return rows.map((row) => String(row.id));
}
