// Retry on PostgreSQL: a FAILED or CANCELLED task goes back to NEW, due now, keeping its history (errors, worker ids,
// attempts) with room for one more attempt; a NOTIFY per queue, delivered at commit, wakes its workers.
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { BackendTaskFilter, SqlClient, StoredTask } from "../types.js";
import { NOTIFY_CHANNEL } from "./insert.js";
import { isTaskId } from "./fetch.js";
import { matching } from "./matching.js";

const RETRY = `
UPDATE task_results AS t
SET status = 'NEW', finished_at = NULL, run_after = now(), cancel_requested_at = NULL,
    max_attempts = GREATEST(t.max_attempts, t.attempts + 1)`;

const RETRYABLE = "t.status IN ('FAILED', 'CANCELLED')";

const RETRY_TASK = `${RETRY}
WHERE t.id = $1::uuid AND ${RETRYABLE}
RETURNING ${TASK_COLUMNS.join(", ")}`;

async function wakeWorkers(client: SqlClient, queues: readonly string[]): Promise<void> {
  if (queues.length === 0) return;
  // executeRaw: pg_notify returns void, which a query result could not carry.
  await client.$executeRawUnsafe(
    `SELECT pg_notify('${NOTIFY_CHANNEL}', queue) FROM (SELECT DISTINCT jsonb_array_elements_text($1::jsonb) AS queue) AS queues`,
    JSON.stringify(queues),
  );
}

export async function retryTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  if (!isTaskId(id)) return undefined;
  const [row] = await client.$queryRawUnsafe<RawTask[]>(RETRY_TASK, id);
  if (row) await wakeWorkers(client, [String(row.queue_name)]);
  return row && toStoredTask(row);
}

export async function retryTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]> {
  const { condition, params } = matching(filter, 2);
  const rows = await client.$queryRawUnsafe<{ id: string; queue_name: string }[]>(
    `WITH matched AS (SELECT id FROM task_results WHERE ${condition} LIMIT $1 FOR UPDATE SKIP LOCKED)
${RETRY}
WHERE t.id = ANY(ARRAY(SELECT id FROM matched)) AND ${RETRYABLE}
RETURNING t.id, t.queue_name`,
    limit,
    ...params,
  );
  await wakeWorkers(client, rows.map((row) => row.queue_name));
  return rows.map((row) => String(row.id));
}
