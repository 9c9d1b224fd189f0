// Raw task_results rows, as either database driver returns them, into StoredTask.
import type { TaskError, TaskStatus } from "../result.js";
import type { Stored } from "../serialization.js";
import type { NewScheduledTask, NewTask, Outcome, StoredTask } from "./types.js";

/** The columns every query that returns tasks selects. */
export const TASK_COLUMNS = [
  "id",
  "status",
  "task_name",
  "queue_name",
  "backend",
  "priority",
  "args",
  "args_meta",
  "run_after",
  "enqueued_at",
  "started_at",
  "finished_at",
  "last_attempted_at",
  "attempts",
  "max_attempts",
  "worker_ids",
  "return_value",
  "return_value_meta",
  "errors",
  "locked_by",
  "cancel_requested_at",
  "unique_key",
  "trace_context",
  "schedule_key",
  "scheduled_at",
] as const;

export type RawTask = Record<(typeof TASK_COLUMNS)[number], unknown>;

/** Every column a worker reads or writes: those it reads tasks by, and the lease and unique-key bookkeeping. */
const WORKER_COLUMNS = [...TASK_COLUMNS, "heartbeat_at", "lease_expires_at", "unique_while", "unique_held"];

/**
 * A statement that names every column a worker uses and reads no row, on `table` (as the dialect names it): the same
 * text on PostgreSQL, SQLite and MySQL.
 */
export async function readWorkerColumns(client: { $queryRawUnsafe(sql: string): Promise<unknown> }, table: string): Promise<void> {
  await client.$queryRawUnsafe(`SELECT ${WORKER_COLUMNS.join(", ")} FROM ${table} WHERE 1 = 0`);
}

/** For JSON columns that always hold an array or object (worker_ids, errors, *_meta): a string can only be JSON text. */
function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string | number);
}

function stored(jsonValue: unknown, meta: unknown): Stored {
  // Both adapters return JSON columns parsed: a string here is a stored JSON string (a task returned "ok"), not text.
  return { json: jsonValue ?? null, meta: json(meta) ?? null };
}

export function toStoredTask(row: RawTask): StoredTask {
  return {
    id: String(row.id),
    status: row.status as TaskStatus,
    taskName: row.task_name as string,
    queueName: row.queue_name as string,
    backend: row.backend as string,
    priority: Number(row.priority),
    args: stored(row.args, row.args_meta),
    runAfter: date(row.run_after)!,
    enqueuedAt: date(row.enqueued_at)!,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    lastAttemptedAt: date(row.last_attempted_at),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    workerIds: (json(row.worker_ids) as string[] | null) ?? [],
    returnValue: row.status === "COMPLETE" ? stored(row.return_value, row.return_value_meta) : null,
    errors: (json(row.errors) as TaskError[] | null) ?? [],
    lockedBy: (row.locked_by as string | null) ?? null,
    cancelRequestedAt: date(row.cancel_requested_at),
    uniqueKey: (row.unique_key as string | null) ?? null,
    traceContext: (row.trace_context as string | null) ?? null,
    scheduleKey: (row.schedule_key as string | null) ?? null,
    scheduledAt: date(row.scheduled_at),
  };
}

/** The order workers take ready tasks in; RETURNING gives no order, so claimed batches are sorted with it. */
export function byClaimOrder(a: StoredTask, b: StoredTask): number {
  return (
    b.priority - a.priority ||
    a.runAfter.getTime() - b.runAfter.getTime() ||
    a.enqueuedAt.getTime() - b.enqueuedAt.getTime()
  );
}

/**
 * New tasks as the rows of the one JSON parameter an INSERT unpacks, so a batch is one statement.
 * `time` writes timestamps as the database compares them.
 */
export function insertPayload(tasks: readonly NewTask[], time: (date: Date) => unknown = (date) => date): string {
  return JSON.stringify(
    tasks.map((task) => ({
      id: task.id,
      task_name: task.taskName,
      queue_name: task.queueName,
      backend: task.backend,
      priority: task.priority,
      args: task.args.json,
      args_meta: task.args.meta,
      run_after: time(task.runAfter),
      enqueued_at: time(task.enqueuedAt),
      max_attempts: task.maxAttempts,
      // Only keyed tasks carry these: an unkeyed batch's parameter stays as small as it was.
      ...(task.uniqueKey === null ? {} : { unique_key: task.uniqueKey, unique_while: task.uniqueWhile }),
      ...(task.traceContext === null ? {} : { trace_context: task.traceContext }),
      ...("scheduleKey" in task ? { schedule_key: task.scheduleKey, scheduled_at: time((task as NewScheduledTask).scheduledAt) } : {}),
    })),
  );
}

/** Outcomes as the rows of the one JSON parameter an outcome UPDATE unpacks. */
export function outcomeRows(outcomes: readonly Outcome[]) {
  return outcomes.map((outcome) => ({
    id: outcome.id,
    attempt: outcome.attempt,
    status: outcome.status,
    return_value: outcome.status === "COMPLETE" ? outcome.returnValue.json : null,
    return_value_meta: outcome.status === "COMPLETE" ? outcome.returnValue.meta : null,
    error: outcome.status === "COMPLETE" ? null : outcome.error,
    finished_at: outcome.status === "NEW" ? null : outcome.finishedAt,
    run_after: outcome.status === "NEW" ? outcome.runAfter : null,
  }));
}
