// The claim on SQLite: one UPDATE ... RETURNING. SQLite runs it under the database's single write lock, so two
// workers (threads or processes) never take the same row; a busy database makes the statement wait (busy timeout).
import { byClaimOrder, type RawTask } from "../rows.js";
import type { ClaimRequest, SqlClient, StoredTask } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";
import { sqliteTime } from "./time.js";

function claimSql(allQueues: boolean): string {
  return `
UPDATE task_results
SET status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?, attempts = attempts + 1,
    worker_ids = json_insert(worker_ids, '$[#]', ?), locked_by = ?, heartbeat_at = ?, lease_expires_at = ?
WHERE id IN (
  SELECT id FROM task_results
  WHERE status = 'NEW' AND run_after <= ? AND backend = ? ${allQueues ? "" : "AND queue_name IN (SELECT value FROM json_each(?))"}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT ?
)
RETURNING ${SQLITE_TASK_COLUMNS}`;
}

const CLAIM_ALL = claimSql(true);
const CLAIM_QUEUES = claimSql(false);

export async function claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  const time = Date.now();
  const now = sqliteTime(new Date(time));
  const head = [now, now, request.workerId, request.workerId, now, sqliteTime(new Date(time + request.leaseMs)), now, request.backend];
  const rows =
    request.queues === "*"
      ? await client.$queryRawUnsafe<RawTask[]>(CLAIM_ALL, ...head, request.limit)
      : await client.$queryRawUnsafe<RawTask[]>(CLAIM_QUEUES, ...head, JSON.stringify(request.queues), request.limit);
  return rows.map(toStoredSqliteTask).sort(byClaimOrder);
}
