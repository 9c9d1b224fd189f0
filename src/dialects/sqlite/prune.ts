// Prune on SQLite: deletes finished rows older than their limits a batch at a time (or counts them, for a dry run).
import type { PruneCounts, PruneRequest, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

// `finished_at < max(...)` lets the finished-rows index serve the scan; the exact limits per status follow. The newest
// row of each schedule key is kept whatever its age: backfill resumes after it, and without it a worker would enqueue
// slots again that already ran (one probe of the (schedule_key, scheduled_at) index per scheduled row). The row being
// matched is `t`.
function matching(allQueues: boolean): string {
  return `status IN ('COMPLETE', 'FAILED', 'CANCELLED') AND finished_at < max(?, ?)
    AND ((status = 'COMPLETE' AND finished_at < ?) OR (status IN ('FAILED', 'CANCELLED') AND finished_at < ?))
    ${allQueues ? "" : "AND queue_name IN (SELECT value FROM json_each(?))"}
    AND (t.schedule_key IS NULL
         OR EXISTS (SELECT 1 FROM task_results newer WHERE newer.schedule_key = t.schedule_key AND newer.scheduled_at > t.scheduled_at))`;
}

// Each batch is its own statement, so the write lock is given up between batches, and RETURNING holds one batch's
// statuses at most.
const deleteSql = (allQueues: boolean) => `
DELETE FROM task_results WHERE rowid IN (
  SELECT rowid FROM task_results t WHERE ${matching(allQueues)} ORDER BY finished_at LIMIT ?
)
RETURNING status`;

// CANCELLED rows are counted with the failed ones: prune treats them alike (by the failed age).
const countSql = (allQueues: boolean) => `
SELECT count(*) FILTER (WHERE status = 'COMPLETE') AS complete, count(*) FILTER (WHERE status <> 'COMPLETE') AS failed
FROM task_results t WHERE ${matching(allQueues)}`;

const DELETE_BATCH = { all: deleteSql(true), some: deleteSql(false) };
const COUNT = { all: countSql(true), some: countSql(false) };

/** The values of `matching`, in the order of its placeholders. */
function parameters(request: PruneRequest): unknown[] {
  const completeBefore = sqliteTime(request.completeBefore);
  const failedBefore = sqliteTime(request.failedBefore);
  const params: unknown[] = [completeBefore, failedBefore, completeBefore, failedBefore];
  if (request.queues !== "*") params.push(JSON.stringify(request.queues));
  return params;
}

export async function pruneBatch(client: SqlClient, request: PruneRequest, limit: number): Promise<PruneCounts> {
  const sql = request.queues === "*" ? DELETE_BATCH.all : DELETE_BATCH.some;
  const rows = await client.$queryRawUnsafe<{ status: string }[]>(sql, ...parameters(request), limit);
  const complete = rows.filter((row) => row.status === "COMPLETE").length;
  return { complete, failed: rows.length - complete };
}

export async function countPrunable(client: SqlClient, request: PruneRequest): Promise<PruneCounts> {
  const sql = request.queues === "*" ? COUNT.all : COUNT.some;
  const [row] = await client.$queryRawUnsafe<{ complete: unknown; failed: unknown }[]>(sql, ...parameters(request));
  return { complete: Number(row?.complete ?? 0), failed: Number(row?.failed ?? 0) };
}
