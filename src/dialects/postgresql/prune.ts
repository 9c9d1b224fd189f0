// Prune on PostgreSQL: deletes finished rows older than their limits a batch at a time (or counts them, for a dry run).
import type { PruneCounts, PruneRequest, SqlClient } from "../types.js";
import { perTable } from "./names.js";

// `finished_at < GREATEST(...)` lets the finished-rows index serve the scan; the exact limits per status follow. The
// newest row of each schedule key is kept whatever its age: backfill resumes after it, and without it a worker would
// enqueue slots again that already ran (one probe of the (schedule_key, scheduled_at) index per scheduled row). The
// row being matched is `t`.
function matching(table: string, allQueues: boolean, queuesParameter: number): string {
  const queues = allQueues ? "" : `AND queue_name IN (SELECT jsonb_array_elements_text($${queuesParameter}::jsonb))`;
  return `status IN ('COMPLETE', 'FAILED', 'CANCELLED') AND finished_at < GREATEST($1::timestamptz, $2::timestamptz)
    AND ((status = 'COMPLETE' AND finished_at < $1::timestamptz) OR (status IN ('FAILED', 'CANCELLED') AND finished_at < $2::timestamptz))
    ${queues}
    AND (t.schedule_key IS NULL
         OR EXISTS (SELECT 1 FROM ${table} newer WHERE newer.schedule_key = t.schedule_key AND newer.scheduled_at > t.scheduled_at))`;
}

// CANCELLED rows are counted with the failed ones: prune treats them alike (by the failed age).
const COUNTS = `count(*) FILTER (WHERE status = 'COMPLETE')::int AS complete, count(*) FILTER (WHERE status <> 'COMPLETE')::int AS failed`;

// The batch is picked by ctid, the row's physical place, which the DELETE reaches without an index lookup. The DELETE
// tests the conditions again: a row changed since the pick (a retry sent it back to NEW, say) is checked as it is now.
const deleteSql = (allQueues: boolean) =>
  perTable(
    (table) => `
WITH deleted AS (
  DELETE FROM ${table} t
  WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} t WHERE ${matching(table, allQueues, 4)} ORDER BY finished_at LIMIT $3))
    AND ${matching(table, allQueues, 4)}
  RETURNING status
)
SELECT ${COUNTS} FROM deleted`,
  );

const countSql = (allQueues: boolean) => perTable((table) => `SELECT ${COUNTS} FROM ${table} t WHERE ${matching(table, allQueues, 3)}`);

const DELETE_BATCH = { all: deleteSql(true), some: deleteSql(false) };
const COUNT = { all: countSql(true), some: countSql(false) };

async function counts(client: SqlClient, sql: string, params: unknown[]): Promise<PruneCounts> {
  const [row] = await client.$queryRawUnsafe<{ complete: number; failed: number }[]>(sql, ...params);
  return { complete: Number(row?.complete ?? 0), failed: Number(row?.failed ?? 0) };
}

export function pruneBatch(table: string, client: SqlClient, request: PruneRequest, limit: number): Promise<PruneCounts> {
  const params: unknown[] = [request.completeBefore, request.failedBefore, limit];
  if (request.queues === "*") return counts(client, DELETE_BATCH.all(table), params);
  return counts(client, DELETE_BATCH.some(table), [...params, JSON.stringify(request.queues)]);
}

export function countPrunable(table: string, client: SqlClient, request: PruneRequest): Promise<PruneCounts> {
  const params: unknown[] = [request.completeBefore, request.failedBefore];
  if (request.queues === "*") return counts(client, COUNT.all(table), params);
  return counts(client, COUNT.some(table), [...params, JSON.stringify(request.queues)]);
}
