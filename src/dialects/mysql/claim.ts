// The claim on MySQL: one short transaction (READ COMMITTED) of a locking read that skips rows other claims hold,
// and an UPDATE of the rows it locked. MySQL has no UPDATE ... RETURNING, so the claimed rows are the locking read's,
// with the claim's changes applied here. Four round trips (BEGIN with its isolation level, SELECT, UPDATE, COMMIT)
// against PostgreSQL's one statement.
import { byClaimOrder, type RawTask } from "../rows.js";
import type { ClaimRequest, SqlClient, StoredTask } from "../types.js";
import { MYSQL_TASK_COLUMNS, idsIn, placeholders, toStoredMysqlTask } from "./columns.js";
import { fromMysqlTime, mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

// The ready index (status, priority DESC, run_after, enqueued_at) gives the rows in claim order; SKIP LOCKED passes
// over those another worker's claim has locked, so claims never wait on each other. Task names and queues are lists of
// placeholders: given as JSON lists joined in (JSON_TABLE), MariaDB read every ready row, sorted them and locked them
// all until the claim committed, so a second worker's claim found every row locked and came back empty. Now it walks
// the index in claim order and stops at its limit: the rows past those it takes stay free. The NEW rows it steps over
// on the way (not yet due, another queue or backend, a task it does not know) stay locked until it commits, as InnoDB
// keeps the lock of every row a locking read looked at; task_name and queue_name are not in the index to spare them.
function selectSql(names: number, byBackend: boolean, queues: number | "*"): string {
  return `
SELECT ${MYSQL_TASK_COLUMNS}, UTC_TIMESTAMP(3) AS claimed_at FROM task_results FORCE INDEX (task_results_ready_idx)
WHERE status = 'NEW' AND run_after <= UTC_TIMESTAMP(3) AND task_name IN (${placeholders(names)})
  ${byBackend ? "AND backend = ?" : ""}
  ${queues === "*" ? "" : `AND queue_name IN (${placeholders(queues)})`}
ORDER BY priority DESC, run_after, enqueued_at
LIMIT ?
FOR UPDATE SKIP LOCKED`;
}

// A task enqueued with unique.while "queued" gives its key up when it starts, for good: unique_held becomes NULL (see
// the schema). Readiness and the lease are the database's time, as on PostgreSQL: workers on machines whose clocks
// differ agree on when a lease runs out. MySQL evaluates SET from left to right, so no assignment reads a column an earlier one changed.
const claimUpdate = (count: number) => `
UPDATE task_results
SET status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?, attempts = attempts + 1,
    worker_ids = JSON_ARRAY_APPEND(worker_ids, '$', ?), locked_by = ?, heartbeat_at = UTC_TIMESTAMP(3),
    lease_expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND,
    unique_held = CASE WHEN unique_while = 'unfinished' THEN unique_held END
WHERE ${idsIn(count)}`;

const SELECTS = new Map<string, string>();

/** Each worker's claim in flight, by worker id. */
const claiming = new Map<string, Promise<StoredTask[]>>();

/**
 * One worker's claims run one after another. Two at once (a free slot's and the prefetch's) would each skip the rows
 * the other has locked, and the second could answer first with later tasks: at --concurrency 1 a lower-priority task
 * started first. PostgreSQL's claim, one short statement, rarely overlaps; this transaction of five round trips did.
 */
export function claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  const before = claiming.get(request.workerId);
  const mine = (before ? before.then(() => undefined, () => undefined) : Promise.resolve()).then(() => claimNow(client, request));
  claiming.set(request.workerId, mine);
  const forget = () => {
    if (claiming.get(request.workerId) === mine) claiming.delete(request.workerId);
  };
  mine.then(forget, forget);
  return mine;
}

async function claimNow(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  // `IN ()` is not SQL: a worker that knows no task, or serves no queue, has nothing to claim.
  if (request.taskNames.length === 0 || request.queues.length === 0) return [];
  const byBackend = request.backend !== undefined;
  const queues = request.queues === "*" ? "*" : request.queues.length;
  const key = `${request.taskNames.length}:${byBackend}:${queues}`;
  let sql = SELECTS.get(key);
  if (!sql) SELECTS.set(key, (sql = selectSql(request.taskNames.length, byBackend, queues)));
  const params: unknown[] = [...request.taskNames];
  if (byBackend) params.push(request.backend);
  if (request.queues !== "*") params.push(...request.queues);
  params.push(request.limit);
  const rows = await inTransaction(client, async (tx) => {
    const locked = await tx.$queryRawUnsafe<(RawTask & { claimed_at: Date | string })[]>(sql, ...params);
    if (locked.length === 0) return { locked, time: new Date() };
    // The attempt starts at the time the statement found the rows ready: never before their runAfter.
    const time = fromMysqlTime(locked[0]!.claimed_at);
    const now = mysqlTime(time);
    const ids = locked.map((row) => row.id);
    await tx.$executeRawUnsafe(claimUpdate(ids.length), now, now, request.workerId, request.workerId, request.leaseMs * 1000, ...ids);
    return { locked, time };
  });
  return rows.locked
    .map((row) => {
      const task = toStoredMysqlTask(row);
      return {
        ...task,
        status: "RUNNING" as const,
        startedAt: task.startedAt ?? rows.time,
        lastAttemptedAt: rows.time,
        attempts: task.attempts + 1,
        workerIds: [...task.workerIds, request.workerId],
        lockedBy: request.workerId,
      };
    })
    .sort(byClaimOrder);
}
