// Prune on SQLite: deletes finished rows older than their limits (or counts them, for a dry run).
import type { PruneCounts, PruneRequest, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

function matching(allQueues: boolean): string {
  return `((status = 'COMPLETE' AND finished_at < ?) OR (status IN ('FAILED', 'CANCELLED') AND finished_at < ?))
    AND status IN ('COMPLETE', 'FAILED', 'CANCELLED') ${allQueues ? "" : "AND queue_name IN (SELECT value FROM json_each(?))"}`;
}

export async function prune(client: SqlClient, request: PruneRequest): Promise<PruneCounts> {
  const allQueues = request.queues === "*";
  const params: unknown[] = [sqliteTime(request.completeBefore), sqliteTime(request.failedBefore)];
  if (!allQueues) params.push(JSON.stringify(request.queues));
  const sql = request.dryRun
    ? `SELECT status FROM task_results WHERE ${matching(allQueues)}`
    : `DELETE FROM task_results WHERE ${matching(allQueues)} RETURNING status`;
  const rows = await client.$queryRawUnsafe<{ status: string }[]>(sql, ...params);
  const complete = rows.filter((row) => row.status === "COMPLETE").length;
  return { complete, failed: rows.length - complete };
}
