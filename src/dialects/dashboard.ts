// What the dashboard reads from task_results and the one change it makes itself (delete), per database.
import { TaskStatus, type TaskError } from "../result.js";
import type { SqlClient, StoredTask } from "./types.js";

/** Tasks of one status in one queue. */
export interface StatusCount {
  queueName: string;
  status: TaskStatus;
  count: number;
  /** The database planner's estimate, given for COMPLETE on large tables where an exact count reads every row. */
  estimated: boolean;
}

/** NEW tasks of one queue: due now (the backlog) or waiting for their runAfter. */
export interface QueueBacklog {
  queueName: string;
  ready: number;
  scheduled: number;
  /** The runAfter of the longest-waiting ready task: how far behind the queue's workers are. */
  oldestReadyAt: Date | null;
}

export interface MinuteCounts {
  minute: Date;
  complete: number;
  failed: number;
}

/** A worker seen lately: holding tasks now, or having finished some since the activity window began. */
export interface WorkerActivity {
  workerId: string;
  running: number;
  complete: number;
  failed: number;
  lastSeenAt: Date;
}

export interface TaskFinishedCounts {
  taskName: string;
  complete: number;
  failed: number;
}

/** What finished since a moment (the overview's last hour), read in one pass over the finished index. */
export interface RecentActivity {
  /** Minutes with at least one finished task, oldest first. */
  perMinute: MinuteCounts[];
  workers: WorkerActivity[];
  byTask: TaskFinishedCounts[];
}

export interface RunningTask {
  id: string;
  taskName: string;
  queueName: string;
  workerId: string | null;
  attempt: number;
  maxAttempts: number;
  attemptStartedAt: Date | null;
  leaseExpiresAt: Date | null;
  cancelRequested: boolean;
}

/** Which tasks the list shows: every field given must match. */
export interface TaskListFilter {
  status?: TaskStatus;
  queueName?: string;
  taskName?: string;
  /** Enqueued at or after. */
  enqueuedFrom?: Date;
  /** Enqueued before. */
  enqueuedBefore?: Date;
  /** A whole task id, or its first hex digits (at least 4). */
  idPrefix?: string;
}

export interface TaskListRequest extends TaskListFilter {
  /** Keyset cursor: only tasks whose id sorts before this one (ids are UUIDv7, so: enqueued earlier). */
  before?: string;
  limit: number;
  /** Rows a page may examine at most, so a filter that matches few rows never reads the whole table. */
  scanLimit: number;
}

export interface TaskSummary {
  id: string;
  status: TaskStatus;
  taskName: string;
  queueName: string;
  priority: number;
  enqueuedAt: Date;
  runAfter: Date;
  finishedAt: Date | null;
  attempts: number;
  maxAttempts: number;
  lastError: Pick<TaskError, "exceptionClass" | "message"> | null;
}

export interface TaskListPage {
  tasks: TaskSummary[];
  /** Where the next page starts, or undefined when no older task is left to examine. */
  next: string | undefined;
  /** The page read as many rows as it may (the scan limit) before it was full; older tasks may still match. */
  scanLimited: boolean;
}

/** A task as the detail page shows it: the stored row, with its lease. */
export interface TaskDetail extends StoredTask {
  heartbeatAt: Date | null;
  leaseExpiresAt: Date | null;
}

/** Why a delete did not happen. */
export type DeleteRefusal = "running" | "missing";

export interface DashboardDialect {
  /** Tasks of every status but NEW, by queue; queueBacklog counts NEW, split into ready and scheduled. */
  countTasks(client: SqlClient): Promise<StatusCount[]>;
  queueBacklog(client: SqlClient, now: Date): Promise<QueueBacklog[]>;
  recentActivity(client: SqlClient, since: Date): Promise<RecentActivity>;
  runningTasks(client: SqlClient, limit: number): Promise<RunningTask[]>;
  listTasks(client: SqlClient, request: TaskListRequest): Promise<TaskListPage>;
  taskDetail(client: SqlClient, id: string): Promise<TaskDetail | undefined>;
  /** Deletes a task that is not RUNNING (its worker would keep running it); returns why not otherwise. */
  deleteTask(client: SqlClient, id: string): Promise<DeleteRefusal | undefined>;
}

const HEX = /^[0-9a-f]+$/;

/** A UUID's text from 32 hex digits. */
function uuidText(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The smallest UUIDv7 of a millisecond: ids of tasks enqueued at or after `date` sort at or after it. */
export function firstIdAt(date: Date): string {
  const time = Math.max(0, Math.min(date.getTime(), 2 ** 48 - 1));
  return uuidText(time.toString(16).padStart(12, "0").padEnd(32, "0"));
}

/** Digits of an id or id prefix as typed (any case, with or without dashes); undefined when they cannot be one. */
export function idDigits(text: string): string | undefined {
  const hex = text.trim().toLowerCase().replaceAll("-", "");
  return hex.length >= 4 && hex.length <= 32 && HEX.test(hex) ? hex : undefined;
}

/** The primary-key range a list request covers; each bound is left out when open. */
export interface IdRange {
  /** Ids at or after. */
  from?: string;
  /** Ids at or before. */
  through?: string;
  /** Ids before. */
  before?: string;
}

/**
 * The enqueue-time filter, the id prefix and the cursor, as one range of the primary key: UUIDv7 ids sort by
 * creation time, so every one of them is an index range rather than a filter.
 */
export function idRange(request: TaskListRequest): IdRange {
  const digits = request.idPrefix === undefined ? undefined : idDigits(request.idPrefix);
  const lower = [request.enqueuedFrom && firstIdAt(request.enqueuedFrom), digits && uuidText(digits.padEnd(32, "0"))];
  const upper = [request.enqueuedBefore && firstIdAt(request.enqueuedBefore), request.before];
  return {
    from: lower.filter((id) => id !== undefined).sort().at(-1),
    through: digits && uuidText(digits.padEnd(32, "f")),
    before: upper.filter((id) => id !== undefined).sort()[0],
  };
}

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `text` is a task id as prisma-tasks writes them (lower-case UUID text). */
export function isTaskId(text: string): boolean {
  return TASK_ID.test(text);
}

const STATUSES: ReadonlySet<string> = new Set(Object.values(TaskStatus));

/**
 * A status as an SQL literal. Written into the statement rather than bound, so that the planner of a prepared
 * statement can pick the partial index the status has; only the known statuses can pass.
 */
export function statusLiteral(status: TaskStatus): string {
  if (!STATUSES.has(status)) throw new TypeError(`not a task status: ${JSON.stringify(status)}`);
  return `'${status}'`;
}

/** Whether a list of this status reads task_results_failed_idx (in id order) instead of the primary key. */
export function scanThroughFailedIndex(status: TaskStatus): boolean {
  return status === "FAILED" || status === "CANCELLED";
}

/** JSON as the drivers return it: parsed (PostgreSQL json) or as text (SQLite's json functions). */
function parsed<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}

/** What an activity query returns: three JSON arrays. */
export interface ActivityRow {
  per_minute: unknown;
  by_task: unknown;
  workers: unknown;
}

export function activityFrom(row: ActivityRow): RecentActivity {
  type Counts = { complete: number; failed: number };
  return {
    perMinute: parsed<(Counts & { minute: string })[]>(row.per_minute).map((m) => ({
      minute: toDate(m.minute)!,
      complete: Number(m.complete),
      failed: Number(m.failed),
    })),
    byTask: parsed<(Counts & { task_name: string })[]>(row.by_task).map((t) => ({
      taskName: t.task_name,
      complete: Number(t.complete),
      failed: Number(t.failed),
    })),
    workers: parsed<(Counts & { worker_id: string; running: number; last_seen_at: string })[]>(row.workers).map((w) => ({
      workerId: w.worker_id,
      running: Number(w.running),
      complete: Number(w.complete),
      failed: Number(w.failed),
      lastSeenAt: toDate(w.last_seen_at)!,
    })),
  };
}

/** A task row as the list queries select it. */
export interface ListedTask {
  id: string;
  status: TaskStatus;
  task_name: string;
  queue_name: string;
  priority: number | bigint;
  enqueued_at: Date | string;
  run_after: Date | string;
  finished_at: Date | string | null;
  attempts: number | bigint;
  max_attempts: number | bigint;
  error_class: string | null;
  error_message: string | null;
}

/**
 * A page from the rows a list query kept (up to one more than the page holds) and, for a page that is not full, the
 * last row its scan read when the scan limit stopped it.
 */
export function listPageFrom(rows: ListedTask[], lastScanned: string | undefined, request: TaskListRequest): TaskListPage {
  const tasks = rows.slice(0, request.limit).map(
    (task): TaskSummary => ({
      id: String(task.id),
      status: task.status,
      taskName: task.task_name,
      queueName: task.queue_name,
      priority: Number(task.priority),
      enqueuedAt: toDate(task.enqueued_at)!,
      runAfter: toDate(task.run_after)!,
      finishedAt: toDate(task.finished_at),
      attempts: Number(task.attempts),
      maxAttempts: Number(task.max_attempts),
      lastError: task.error_class === null ? null : { exceptionClass: task.error_class, message: task.error_message ?? "" },
    }),
  );
  if (rows.length > request.limit) return { tasks, next: tasks.at(-1)!.id, scanLimited: false };
  return { tasks, next: lastScanned, scanLimited: lastScanned !== undefined };
}

/** A running task as the running-tasks queries select it; numbers and times as either driver returns them. */
export interface RunningRow {
  id: string;
  task_name: string;
  queue_name: string;
  locked_by: string | null;
  attempts: number | bigint;
  max_attempts: number | bigint;
  last_attempted_at: Date | string | null;
  lease_expires_at: Date | string | null;
  /** A comparison's answer: 0 or 1 on SQLite and MySQL. */
  cancel_requested: number | bigint | boolean;
}

/** `date` reads the database's times (SQLite's text, MySQL's DATETIME). */
export function runningTaskFrom(row: RunningRow, date: (value: Date | string) => Date): RunningTask {
  return {
    id: String(row.id),
    taskName: row.task_name,
    queueName: row.queue_name,
    workerId: row.locked_by,
    attempt: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    attemptStartedAt: row.last_attempted_at === null ? null : date(row.last_attempted_at),
    leaseExpiresAt: row.lease_expires_at === null ? null : date(row.lease_expires_at),
    cancelRequested: Number(row.cancel_requested) === 1,
  };
}

/** A queue's backlog as the backlog queries select it. */
export interface BacklogRow {
  queue_name: string;
  ready: number | bigint;
  scheduled: number | bigint;
  oldest_ready_at: Date | string | null;
}

export function backlogFrom(row: BacklogRow, date: (value: Date | string) => Date): QueueBacklog {
  return {
    queueName: row.queue_name,
    ready: Number(row.ready),
    scheduled: Number(row.scheduled),
    oldestReadyAt: row.oldest_ready_at === null ? null : date(row.oldest_ready_at),
  };
}
