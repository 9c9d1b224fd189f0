// Prune on MySQL: deletes finished rows older than their limits a batch at a time (or counts them, for a dry run).
import type { PruneCounts, PruneRequest, SqlClient } from "../types.js";
import { idsIn, jsonList } from "./columns.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

// `finished_at < GREATEST(...)` lets the finished index serve the scan (only finished rows have finished_at); the
// exact limits per status follow. The newest row of each schedule key is kept whatever its age: backfill resumes after
// it, and without it a worker would enqueue slots again that already ran. The row being matched is `t`.
function matching(allQueues: boolean): string {
  return `t.finished_at < GREATEST(?, ?) AND t.status IN ('COMPLETE', 'FAILED', 'CANCELLED')
    AND ((t.status = 'COMPLETE' AND t.finished_at < ?) OR (t.status IN ('FAILED', 'CANCELLED') AND t.finished_at < ?))
    ${allQueues ? "" : `AND t.queue_name IN (SELECT value FROM ${jsonList("VARCHAR(64)")} AS queues)`}
    AND (t.schedule_key IS NULL
         OR EXISTS (SELECT 1 FROM task_results newer WHERE newer.schedule_key = t.schedule_key AND newer.scheduled_at > t.scheduled_at))`;
}

// MySQL refuses a DELETE whose WHERE reads the table it deletes from (the schedule condition does), so each batch
// locks its rows with a SELECT, oldest first, and deletes them by id in the same short transaction; rows another
// prune has locked are skipped. A batch's statuses are all that is held in memory.
const selectSql = (allQueues: boolean) => `
SELECT t.id, t.status FROM task_results t WHERE ${matching(allQueues)} ORDER BY t.finished_at LIMIT ?
FOR UPDATE SKIP LOCKED`;

const deleteBatch = (count: number) => `DELETE FROM task_results WHERE ${idsIn(count)}`;

const countSql = (allQueues: boolean) => `
SELECT count(CASE WHEN t.status = 'COMPLETE' THEN 1 END) AS complete, count(CASE WHEN t.status <> 'COMPLETE' THEN 1 END) AS failed
FROM task_results t WHERE ${matching(allQueues)}`;

const SELECT_BATCH = { all: selectSql(true), some: selectSql(false) };
const COUNT = { all: countSql(true), some: countSql(false) };

/** The values of `matching`, in the order of its placeholders. */
function parameters(request: PruneRequest): unknown[] {
  const completeBefore = mysqlTime(request.completeBefore);
  const failedBefore = mysqlTime(request.failedBefore);
  const params: unknown[] = [completeBefore, failedBefore, completeBefore, failedBefore];
  if (request.queues !== "*") params.push(JSON.stringify(request.queues));
  return params;
}

/**
 * Rows one transaction deletes at most, whatever `--batch-size` asks: a prepared statement takes 65,535 placeholders,
 * and a transaction locking a million rows would hold them (and Prisma's transaction time limit) too long.
 */
const MOST_PER_TRANSACTION = 10_000;

export async function pruneBatch(client: SqlClient, request: PruneRequest, limit: number): Promise<PruneCounts> {
  const sql = request.queues === "*" ? SELECT_BATCH.all : SELECT_BATCH.some;
  const counts = { complete: 0, failed: 0 };
  for (let left = limit; left > 0; ) {
    const size = Math.min(left, MOST_PER_TRANSACTION);
    const rows = await inTransaction(client, async (tx) => {
      const batch = await tx.$queryRawUnsafe<{ id: string; status: string }[]>(sql, ...parameters(request), size);
      if (batch.length > 0) await tx.$executeRawUnsafe(deleteBatch(batch.length), ...batch.map((row) => row.id));
      return batch;
    });
    const complete = rows.filter((row) => row.status === "COMPLETE").length;
    counts.complete += complete;
    counts.failed += rows.length - complete;
    left -= rows.length;
    if (rows.length < size) break;
  }
  return counts;
}

export async function countPrunable(client: SqlClient, request: PruneRequest): Promise<PruneCounts> {
  const sql = request.queues === "*" ? COUNT.all : COUNT.some;
  const [row] = await client.$queryRawUnsafe<{ complete: unknown; failed: unknown }[]>(sql, ...parameters(request));
  return { complete: Number(row?.complete ?? 0), failed: Number(row?.failed ?? 0) };
}
