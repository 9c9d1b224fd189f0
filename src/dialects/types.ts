// What every SQL dialect offers the backends and the worker: one method per operation on task_results.
import type { TaskFilter } from "../control.js";
import type { TaskError, TaskResultData } from "../result.js";
import type { Stored } from "../serialization.js";

/** The part of a Prisma client (or transaction client) the dialects use: raw SQL with positional parameters. */
export interface SqlClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** A task_results row as stored: the result's fields with args and return value still serialized. */
export interface StoredTask extends Omit<TaskResultData, "args" | "returnValue"> {
  args: Stored;
  returnValue: Stored | null;
  lockedBy: string | null;
}

/** A validated, serialized task ready to insert. */
export type NewTask = Pick<
  StoredTask,
  "id" | "taskName" | "queueName" | "backend" | "priority" | "args" | "runAfter" | "enqueuedAt" | "maxAttempts"
>;

export interface ClaimRequest {
  /** Queue names, or "*" for every queue. */
  queues: readonly string[] | "*";
  /** Only rows of this database backend alias (a row's `backend` column); every row when undefined. */
  backend: string | undefined;
  /** How long the claimed rows stay this worker's without a heartbeat. */
  leaseMs: number;
  limit: number;
  workerId: string;
}

/** What an attempt ended with, written by the worker that holds the task (matched by worker id and attempt). */
export type Outcome =
  | { id: string; attempt: number; status: "COMPLETE"; returnValue: Stored; finishedAt: Date }
  | { id: string; attempt: number; status: "FAILED"; error: TaskError; finishedAt: Date }
  /** A failed attempt with attempts left: back to NEW, to run again after `runAfter`. */
  | { id: string; attempt: number; status: "NEW"; error: TaskError; runAfter: Date };

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
  dryRun: boolean;
}

export interface PruneCounts {
  complete: number;
  /** FAILED and CANCELLED: both are pruned by the failed age. */
  failed: number;
}

/** A bulk cancel's or retry's filter, within one database backend's rows. */
export interface BackendTaskFilter extends TaskFilter {
  backend: string;
}

export interface Dialect {
  readonly provider: "postgresql" | "sqlite";
  /** Whether enqueue wakes workers through NOTIFY, delivered at commit. */
  readonly notifies: boolean;
  /** Inserts all rows in one statement, all or nothing. */
  insertTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<void>;
  /** Marks up to `limit` ready tasks RUNNING for this worker and returns them in claim order. */
  claimTasks(client: SqlClient, request: ClaimRequest): Promise<StoredTask[]>;
  /**
   * Writes outcomes for tasks this worker still holds; returns the ids written (others were rescued meanwhile). A task
   * whose cancel was recorded ends CANCELLED unless its outcome is COMPLETE.
   */
  recordOutcomes(client: SqlClient, workerId: string, outcomes: readonly Outcome[]): Promise<string[]>;
  /** Extends the leases of the tasks `ids` that this worker still holds; returns the ids it extended. */
  heartbeat(client: SqlClient, workerId: string, ids: readonly string[], leaseMs: number): Promise<string[]>;
  /** Recovers RUNNING tasks whose lease (set by their holder at claim and heartbeat) has run out. */
  rescueExpired(client: SqlClient): Promise<RescueCounts>;
  /** Puts tasks this worker holds but will not run back to NEW (CANCELLED when a cancel was recorded), keeping their attempt count. */
  releaseTasks(client: SqlClient, workerId: string, ids: readonly string[]): Promise<number>;
  prune(client: SqlClient, request: PruneRequest): Promise<PruneCounts>;
  /**
   * Cancels a NEW task (CANCELLED at once) or records a cancel of a RUNNING one (its holder's outcome write ends it
   * CANCELLED unless it completed); returns the row after, or undefined when neither applied (finished, already
   * requested, or no such row).
   */
  cancelTask(client: SqlClient, id: string): Promise<StoredTask | undefined>;
  /** cancelTask for up to `limit` tasks that match; returns their ids. */
  cancelTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]>;
  /** Sends a FAILED or CANCELLED task back to NEW with room for one more attempt; undefined when it was neither. */
  retryTask(client: SqlClient, id: string): Promise<StoredTask | undefined>;
  /** retryTask for up to `limit` tasks that match; returns their ids. */
  retryTasks(client: SqlClient, filter: BackendTaskFilter, limit: number): Promise<string[]>;
  /** Ids of up to `limit` tasks that match, in id order after `after`: what a bulk dry run reports. */
  matchingTasks(client: SqlClient, filter: BackendTaskFilter, after: string | undefined, limit: number): Promise<string[]>;
  fetchTask(client: SqlClient, id: string): Promise<StoredTask | undefined>;
}
