// The claim on SQLite: one UPDATE ... RETURNING. SQLite runs it under the database's single write lock, so two
// workers (threads or processes) never take the same row; a busy database makes the statement wait (busy timeout).
import { byClaimOrder, type RawTask } from "../rows.js";
import type { ClaimRequest, SqlClient, StoredTask } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";
import { sqliteTime } from "./time.js";

// A task enqueued with unique.while "queued" gives its key up when it starts, for good (see the PostgreSQL claim).
function claimSql(byBackend: boolean, allQueues: boolean): string {
  return `
UPDATE task_results
SET status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?, attempts = attempts + 1,
    worker_ids = json_insert(worker_ids, '$[#]', ?), locked_by = ?, heartbeat_at = ?, lease_expires_at = ?,
    unique_held = unique_held AND unique_while IS 'unfinished'
WHERE id IN (
  SELECT id FROM task_results
  WHERE status = 'NEW' AND run_after <= ? AND task_name IN (SELECT value FROM json_each(?))
    ${byBackend ? "AND backend = ?" : ""}
    ${allQueues ? "" : "AND queue_name IN (SELECT value FROM json_each(?))"}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT ?
)
RETURNING ${SQLITE_TASK_COLUMNS}`;
}

const CLAIMS = new Map<string, string>();

export async function claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  const byBackend = request.backend !== undefined;
  const allQueues = request.queues === "*";
  const key = `${byBackend}:${allQueues}`;
  let sql = CLAIMS.get(key);
  if (!sql) CLAIMS.set(key, (sql = claimSql(byBackend, allQueues)));
  const time = Date.now();
  const now = sqliteTime(new Date(time));
  const lease = sqliteTime(new Date(time + request.leaseMs));
  const params: unknown[] = [now, now, request.workerId, request.workerId, now, lease, now, JSON.stringify(request.taskNames)];
  if (byBackend) params.push(request.backend);
  if (!allQueues) params.push(JSON.stringify(request.queues));
  params.push(request.limit);
  const rows = await client.$queryRawUnsafe<RawTask[]>(sql, ...params);
  return rows.map(toStoredSqliteTask).sort(byClaimOrder);
}
