// What every database dialect offers the backends and the worker: one method per operation on task_results, and the
// connections, wake-ups and preparation that differ from one database to the next.
import type { TaskFilter } from "../control.js";
import type { TaskError, TaskResultData } from "../result.js";
import type { Stored, StoredText } from "../serialization.js";
import type { UniqueWhile } from "../task.js";

/** The part of a Prisma client (or transaction client) the dialects use: raw SQL with positional parameters. */
export interface SqlClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  /**
   * A Prisma client's interactive transactions, in which the MySQL dialect runs a change that must read the rows it
   * changes (MySQL has no RETURNING). A client without it is a transaction client: its statements are in one already.
   */
  $transaction?<T>(run: (tx: SqlClient) => Promise<T>, options?: object): Promise<T>;
}

/** A task_results row as stored: the result's fields with args and return value still serialized. */
export interface StoredTask extends Omit<TaskResultData, "args" | "returnValue"> {
  args: Stored;
  returnValue: Stored | null;
  lockedBy: string | null;
  /** The W3C trace context of the enqueue's span (see telemetry.ts), or null when the enqueue was not traced. */
  traceContext: string | null;
}

/** A validated, serialized task ready to insert. */
export interface NewTask
  extends Pick<
    StoredTask,
    "id" | "taskName" | "queueName" | "backend" | "priority" | "args" | "runAfter" | "enqueuedAt" | "maxAttempts" | "uniqueKey" | "traceContext"
  > {
  /** Set when uniqueKey is: the statuses in which the task holds it. */
  uniqueWhile: UniqueWhile | null;
}

/** A schedule's slot as a task: one row per (scheduleKey, scheduledAt), whichever worker inserts it first. */
export interface NewScheduledTask extends NewTask {
  scheduleKey: string;
  scheduledAt: Date;
}

/** A key a task holds or wants: unique per task name. */
export type UniqueKey = Pick<NewTask, "taskName" | "uniqueKey">;

export interface ClaimRequest {
  /** Queue names, or "*" for every queue. */
  queues: readonly string[] | "*";
  /** Only rows of this database backend alias (a row's `backend` column); every row when undefined. */
  backend: string | undefined;
  /** Only rows of these task names: the tasks this worker can run (others wait for a worker that knows them). */
  taskNames: readonly string[];
  /** How long the claimed rows stay this worker's without a heartbeat. */
  leaseMs: number;
  limit: number;
  workerId: string;
}

/** Which ready tasks a worker would leave alone because it has no function for their names. */
export interface UnknownTasksRequest extends Pick<ClaimRequest, "queues" | "backend" | "taskNames"> {
  /** How many of the next ready tasks, in claim order, to look at: the count stays cheap however long the queue. */
  window: number;
}

/** Which ready tasks a worker reports in its gauge: its queues' (and backend's), among the next `window` in claim order. */
export interface ReadyTasksRequest extends Pick<ClaimRequest, "queues" | "backend"> {
  window: number;
}

export interface QueueReadyCount {
  queueName: string;
  count: number;
}

export interface UnknownTaskCount {
  taskName: string;
  count: number;
}

/** What an attempt ended with, written by the worker that holds the task (matched by worker id and attempt). */
export type Outcome =
  | { id: string; attempt: number; status: "COMPLETE"; returnValue: StoredText; finishedAt: Date }
  | { id: string; attempt: number; status: "FAILED"; error: TaskError; finishedAt: Date }
  /** A failed attempt with attempts left: back to NEW, to run again after `runAfter`. */
  | { id: string; attempt: number; status: "NEW"; error: TaskError; runAfter: Date }
  /** An attempt aborted by a cancel (TaskCancelled): the task ends, never retried. */
  | { id: string; attempt: number; status: "CANCELLED"; error: TaskError; finishedAt: Date };

export interface RescueCounts {
  /** Sent back to NEW: their worker stopped heartbeating and attempts remain. */
  requeued: number;
  /** Ended FAILED with WorkerLost: their worker stopped heartbeating on their last attempt. */
  failed: number;
}

export interface PruneRequest {
  completeBefore: Date;
  failedBefore: Date;
  queues: readonly string[] | "*";
}

export interface PruneCounts {
  complete: number;
  /** FAILED and CANCELLED: both are pruned by the failed age. */
  failed: number;
}

/** A bulk cancel's or retry's filter, within one database backend's rows. */
export interface BackendTaskFilter extends TaskFilter {
  backend: string;
  /**
   * Only tasks whose id sorts after this one: where a bulk change's batches have got to. A task the change already
   * acted on is never selected again, even if it is back in the filter's status (a retried task that failed again).
   */
  after?: string;
}

/** A lease the heartbeat extended. */
export interface RenewedLease {
  id: string;
  /** A cancel of the task was recorded: its attempt is to be aborted with TaskCancelled. */
  cancelRequested: boolean;
}

/** What a worker's LISTEN connection reports. */
export interface Notifications {
  /** The queue of a task enqueued (or retried) ready; undefined when some may have been missed (after a reconnect). */
  onWake(queue: string | undefined): void;
  /** The id of a RUNNING task whose cancel was just recorded. */
  onCancel(id: string): void;
}

/** prisma-tasks' own connections to the app's database, for statements outside the app's transactions. */
export interface OwnPool extends SqlClient {
  end(): Promise<void>;
}

/** Wake-ups a worker listens to; `stop()` ends them. */
export interface WakeUps {
  stop(): Promise<void>;
}

/** A line a dialect has for the worker's log (the worker's Log takes it as it is). */
export type DialectLog = (entry: { level: "info" | "warn"; event: string; message: string; error?: string }) => void;

/** What withTasks tells the dialect beyond what the Prisma client says. */
export interface DialectOptions {
  /** The client's URL goes through a pooler in transaction mode; undefined: as its URL says (`pgbouncer=true`). */
  transactionPooler?: boolean;
}

/**
 * One database as prisma-tasks uses it, made for one Prisma client (dialectFor): its table's place, its connection
 * settings. The statements take the client to run on, which is the app's transaction, its client or the own pool.
 */
export interface Dialect {
  /** Inserts all rows in one statement, all or nothing, and wakes listening workers once they commit. */
  insertTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<void>;
  /**
   * Inserts keyed tasks (at most one per key) in one statement, except those whose key another row holds; returns
   * the ids inserted. Waits, on PostgreSQL, for a transaction that holds the key uncommitted, as any unique index does.
   */
  insertUniqueTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<string[]>;
  /** Gives each NEW task that holds one of these tasks' keys that task's args, priority and runAfter; returns them. */
  replaceHeldTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<StoredTask[]>;
  /** The tasks that hold these keys now. */
  findKeyHolders(client: SqlClient, keys: readonly UniqueKey[]): Promise<StoredTask[]>;
  /**
   * Inserts schedule slots in one statement, except those a row already has (another worker's, or this one's before a
   * restart); returns the ids inserted.
   */
  insertScheduledTasks(client: SqlClient, tasks: readonly NewScheduledTask[]): Promise<string[]>;
  /** The newest stored slot of each of these schedule keys that has one. */
  lastScheduledSlots(client: SqlClient, keys: readonly string[]): Promise<Map<string, Date>>;
  /** Marks up to `limit` ready tasks RUNNING for this worker and returns them in claim order. */
  claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]>;
  /**
   * Writes outcomes for tasks this worker still holds; returns the ids written (others were rescued meanwhile). A task
   * whose cancel was recorded ends CANCELLED unless its outcome is COMPLETE.
   */
  recordOutcomes(client: SqlClient, workerId: string, outcomes: readonly Outcome[]): Promise<string[]>;
  /**
   * Extends the leases of the tasks `ids` that this worker still holds; returns those it extended, each saying whether
   * a cancel of it was recorded (where cancels are not announced, this is how the worker hears of them).
   */
  heartbeat(client: SqlClient, workerId: string, ids: readonly string[], leaseMs: number): Promise<RenewedLease[]>;
  /**
   * Recovers up to `limit` RUNNING tasks whose lease (set by their holder at claim and heartbeat) has run out; one
   * whose cancel was recorded ends CANCELLED.
   */
  rescueExpired(client: SqlClient, limit: number): Promise<RescueCounts>;
  /** Puts tasks this worker holds but will not run back to NEW (CANCELLED when a cancel was recorded), keeping their attempt count. */
  releaseTasks(client: SqlClient, workerId: string, ids: readonly string[]): Promise<number>;
  /** Counts ready tasks, among the next `window` in claim order, whose names are not in `taskNames`, by name. */
  countUnknownTasks(client: SqlClient, request: UnknownTasksRequest): Promise<UnknownTaskCount[]>;
  /** Counts ready tasks by queue, among the next `window` in claim order: the OpenTelemetry gauge's reading. */
  countReadyTasks(client: SqlClient, request: ReadyTasksRequest): Promise<QueueReadyCount[]>;
  /** Deletes up to `limit` finished rows the request matches, oldest first; fewer than `limit` once none are left. */
  pruneBatch(client: SqlClient, request: PruneRequest, limit: number): Promise<PruneCounts>;
  /** Counts the finished rows the request matches (a dry run of prune). */
  countPrunable(client: SqlClient, request: PruneRequest): Promise<PruneCounts>;
  /**
   * Cancels a NEW task (CANCELLED at once) or records a cancel of a RUNNING one (its holder's outcome write ends it
   * CANCELLED unless it completed); returns the row after, or undefined when neither applied (finished, already
   * requested, or no such row).
   */
  cancelTask(client: SqlClient, id: string): Promise<StoredTask | undefined>;
  /** cancelTask for up to `limit` tasks that match; returns their ids. */
  cancelTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]>;
  /**
   * Sends a FAILED or CANCELLED task back to NEW with room for one more attempt, taking its unique key back; undefined
   * when it was neither, or when another task holds its key now.
   */
  retryTask(client: SqlClient, id: string): Promise<StoredTask | undefined>;
  /**
   * retryTask for up to `limit` tasks that match; returns their ids. Tasks whose key another task holds are left as
   * they are, and of several that share a key only one goes back.
   */
  retryTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]>;
  /** Ids of up to `limit` tasks that match, in id order after `after`: what a bulk dry run reports. */
  matchingTasks(client: SqlClient, filter: BackendTaskFilter, after: string | undefined, limit: number): Promise<string[]>;
  fetchTask(client: SqlClient, id: string): Promise<StoredTask | undefined>;

  /**
   * A pool of `size` connections of prisma-tasks' own (unnamed statements behind a transaction-mode pooler), or undefined
   * when statements go through the Prisma client (its adapter's settings cannot be read).
   */
  openPool(size: number): OwnPool | undefined;
  /**
   * Reports enqueues and cancels of running tasks as they commit; undefined when this database or connection cannot (a
   * transaction-mode pooler, unreadable settings: said in the log), and the worker polls for tasks and hears of cancels
   * through its heartbeat.
   */
  listen(notifications: Notifications, log: DialectLog): WakeUps | undefined;
  /** Sets up the database for workers before their first claim (SQLite: WAL journal mode), saying so in the log. */
  prepareWorker(client: SqlClient, log: DialectLog): Promise<void>;
  /** Reads no row but names every column a worker uses: rejects (the driver's error) when the table or one is missing. */
  readWorkerColumns(client: SqlClient): Promise<void>;
  /** Where the client connects, for the worker's start-up line: host, port and database; never a password. */
  describeConnection(): string;
  /**
   * This dialect with its own pool and LISTEN on `url`, a worker's direct connection to the same database that bypasses
   * the app's pooler; this dialect itself where there is no such connection to make (SQLite).
   */
  connectedTo(url: string): Dialect;
  /**
   * Whether a worker's own connections need a URL other than the client's: behind a transaction-mode pooler, or when
   * the client's settings cannot be read. Only then does a worker follow DIRECT_URL, a name apps also set for other tools.
   */
  readonly needsDirectUrl: boolean;
}
