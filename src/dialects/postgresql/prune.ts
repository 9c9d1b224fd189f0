// Prune on PostgreSQL: deletes finished rows older than their limits (or counts them, for a dry run).
import type { PruneCounts, PruneRequest, SqlClient } from "../types.js";

function pruneSql(dryRun: boolean, allQueues: boolean): string {
  const queues = allQueues ? "" : "AND queue_name IN (SELECT jsonb_array_elements_text($3::jsonb))";
  const old = `
    ((status = 'COMPLETE' AND finished_at < $1::timestamptz) OR (status IN ('FAILED', 'CANCELLED') AND finished_at < $2::timestamptz))
    AND status IN ('COMPLETE', 'FAILED', 'CANCELLED') ${queues}`;
  const rows = dryRun
    ? `SELECT status FROM task_results WHERE ${old}`
    : `DELETE FROM task_results WHERE ${old} RETURNING status`;
  return `WITH matched AS (${rows})
SELECT count(*) FILTER (WHERE status = 'COMPLETE')::int AS complete, count(*) FILTER (WHERE status <> 'COMPLETE')::int AS failed
FROM matched`;
}

export async function prune(client: SqlClient, request: PruneRequest): Promise<PruneCounts> {
  const allQueues = request.queues === "*";
  const params: unknown[] = [request.completeBefore, request.failedBefore];
  if (!allQueues) params.push(JSON.stringify(request.queues));
  const [counts] = await client.$queryRawUnsafe<{ complete: number; failed: number }[]>(
    pruneSql(request.dryRun, allQueues),
    ...params,
  );
  return { complete: Number(counts?.complete ?? 0), failed: Number(counts?.failed ?? 0) };
}
