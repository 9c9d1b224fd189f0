// The claim on PostgreSQL: one statement takes up to N ready tasks with SKIP LOCKED and marks them RUNNING.
import { TaskStatus, type TaskError } from "../../result.js";
import type { Stored } from "../../serialization.js";
import type { ClaimRequest, SqlClient, StoredTask } from "../types.js";
import { textArray } from "./text-array.js";

/** What running a task needs, as columns; the rest of its row as one JSON text (see ClaimedTask). */
const RETURNING = `t.id, t.task_name, t.queue_name, t.priority, t.args, t.args_meta, t.attempts, t.max_attempts,
  json_build_array(t.backend, t.run_after, t.enqueued_at, t.started_at, t.last_attempted_at, t.worker_ids, t.errors,
                   t.unique_key, t.trace_context, t.scheduled_at, t.schedule_key)::text AS details`;

/**
 * A task enqueued with unique.while "queued" gives its key up when it starts, for good: sent back to NEW later (a
 * retry after a failed attempt, a rescue, a release) it does not take it back, as another task may hold it by then.
 */
const RELEASE_QUEUED_KEY = "unique_held = t.unique_held AND t.unique_while = 'unfinished'";

// The SKIP LOCKED select stays in its own CTE: joined straight into the UPDATE, the planner may lock and update more
// rows than the LIMIT. Its WHERE repeats the partial index's predicate so the index serves the ORDER BY. The UPDATE
// finds the claimed rows through `id = ANY(ARRAY(...))`, a primary-key lookup whatever the table's statistics say.
// RETURNING has no order, so the claimed rows are sorted into claim order by the database, which does it faster.
// The backend filter is added only when several database backends share the table: an extra filter the planner
// cannot estimate can make it sort every ready row instead of reading the index in order. The task name filter (a
// worker claims only tasks it can run) is a constant array the planner reads, applied to the index scan's rows.
function claimSql(table: string, byBackend: boolean, byQueue: boolean): string {
  let next = 5;
  const backend = byBackend ? `AND backend = $${next++}` : "";
  const queues = byQueue ? `AND queue_name IN (SELECT jsonb_array_elements_text($${next++}::jsonb))` : "";
  return `
WITH ready AS (
  SELECT id FROM ${table}
  WHERE status = 'NEW' AND run_after <= now() AND task_name = ANY($4::text[]) ${backend} ${queues}
  ORDER BY priority DESC, run_after, enqueued_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
, claimed AS (
  UPDATE ${table} AS t
  SET status = 'RUNNING', started_at = COALESCE(t.started_at, now()), last_attempted_at = now(),
      attempts = t.attempts + 1, worker_ids = t.worker_ids || to_jsonb($1::text), locked_by = $1, heartbeat_at = now(),
      lease_expires_at = now() + $3::int * interval '1 millisecond', ${RELEASE_QUEUED_KEY}
  WHERE t.id = ANY(ARRAY(SELECT id FROM ready))
  RETURNING ${RETURNING}, t.run_after, t.enqueued_at
)
SELECT id, task_name, queue_name, priority, args, args_meta, attempts, max_attempts, details
FROM claimed ORDER BY priority DESC, run_after, enqueued_at`;
}

interface ClaimedRow {
  id: string;
  task_name: string;
  queue_name: string;
  priority: number;
  args: unknown;
  args_meta: Stored["meta"];
  attempts: number;
  max_attempts: number;
  details: string;
}

type Details = [
  backend: string,
  runAfter: string,
  enqueuedAt: string,
  startedAt: string,
  lastAttemptedAt: string,
  workerIds: string[],
  errors: TaskError[],
  uniqueKey: string | null,
  traceContext: string | null,
  scheduledAt: string | null,
  scheduleKey: string | null,
];

/**
 * A claimed row. Running the task reads only the columns it needs; the rest of the row (read by `ctx.result` and the
 * hooks, which most tasks and apps never use) is parsed from its JSON text on first use. This halves the values a
 * claim parses and allocates per task, which a busy worker pays for in parsing and garbage collection. A claimed row is
 * RUNNING and held by the worker that claimed it, so those two are not sent.
 */
class ClaimedTask implements StoredTask {
  readonly id: string;
  readonly status = TaskStatus.RUNNING;
  readonly taskName: string;
  readonly queueName: string;
  readonly priority: number;
  readonly args: Stored;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly finishedAt = null;
  readonly returnValue = null;
  /** A claim takes NEW rows, which never carry a cancel request (a cancel makes them CANCELLED). */
  readonly cancelRequestedAt = null;
  #details: string | Details;

  constructor(
    row: ClaimedRow,
    readonly lockedBy: string,
  ) {
    this.id = row.id;
    this.taskName = row.task_name;
    this.queueName = row.queue_name;
    this.priority = row.priority;
    this.args = { json: row.args ?? null, meta: row.args_meta ?? null };
    this.attempts = row.attempts;
    this.maxAttempts = row.max_attempts;
    this.#details = row.details;
  }

  #read(): Details {
    if (typeof this.#details === "string") this.#details = JSON.parse(this.#details) as Details;
    return this.#details;
  }

  get backend(): string {
    return this.#read()[0];
  }
  get runAfter(): Date {
    return new Date(this.#read()[1]);
  }
  get enqueuedAt(): Date {
    return new Date(this.#read()[2]);
  }
  get startedAt(): Date {
    return new Date(this.#read()[3]);
  }
  get lastAttemptedAt(): Date {
    return new Date(this.#read()[4]);
  }
  get workerIds(): string[] {
    return this.#read()[5];
  }
  get errors(): TaskError[] {
    return this.#read()[6];
  }
  get uniqueKey(): string | null {
    return this.#read()[7];
  }
  get traceContext(): string | null {
    return this.#read()[8];
  }
  get scheduledAt(): Date | null {
    const slot = this.#read()[9];
    return slot === null ? null : new Date(slot);
  }
  get scheduleKey(): string | null {
    return this.#read()[10];
  }
}

const CLAIMS = new Map<string, string>();

export async function claimTasks(table: string, client: SqlClient, request: ClaimRequest): Promise<StoredTask[]> {
  const byBackend = request.backend !== undefined;
  const byQueue = request.queues !== "*";
  const key = `${table}:${byBackend}:${byQueue}`;
  let sql = CLAIMS.get(key);
  if (!sql) CLAIMS.set(key, (sql = claimSql(table, byBackend, byQueue)));
  const params: unknown[] = [request.workerId, request.limit, Math.round(request.leaseMs), textArray(request.taskNames)];
  if (byBackend) params.push(request.backend);
  if (byQueue) params.push(JSON.stringify(request.queues));
  const rows = await client.$queryRawUnsafe<ClaimedRow[]>(sql, ...params);
  return rows.map((row) => new ClaimedTask(row, request.workerId));
}
