// The interface every backend implements, with the capability flags callers can check.
import type { TaskFilter } from "../control.js";
import type { NewTask, SqlClient } from "../dialects/types.js";
import type { TaskResult } from "../result.js";
import type { AnyTask, UniqueConflict } from "../task.js";

export type BackendKind = "database" | "immediate" | "dummy";

export interface BackendCapabilities {
  /** Writes through the caller's interactive transaction; otherwise enqueue waits for the commit to act at all. */
  readonly joinsTransactions: boolean;
  /** getResult finds results by id from any process (Django's `supports_get_result`); the dummy backend's are found in
   * its own process only, and the immediate backend keeps none. */
  readonly supportsGetResult: boolean;
  /** Tasks run in worker processes (`tasks-worker`), not in the caller. */
  readonly usesWorkers: boolean;
  /** `runAfter` delays the task. Without it, enqueue refuses a runAfter (InvalidTask) rather than ignore it. */
  readonly supportsDefer: boolean;
  /** `priority` orders waiting tasks. Without it, enqueue refuses a priority other than 0 (InvalidTask). */
  readonly supportsPriority: boolean;
}

/** A task validated and serialized by enqueue, ready for its backend. */
export interface PreparedTask extends NewTask {
  readonly task: AnyTask;
  /** The args exactly as given to enqueue. */
  readonly argsValue: unknown;
  /** What to do when another task holds uniqueKey. */
  readonly onConflict: UniqueConflict;
}

export interface Backend {
  readonly alias: string;
  readonly kind: BackendKind;
  readonly capabilities: BackendCapabilities;
  /** The queues this backend serves, or "*" for any. */
  readonly queues: readonly string[] | "*";
  /**
   * Stores the tasks as NEW, through `client` (a transaction client when the caller is in one); a task whose unique key
   * another task holds gets that task's result instead, `deduplicated` or `replaced`.
   */
  enqueue(tasks: readonly PreparedTask[], client: SqlClient): Promise<TaskResult[]>;
  /** A NEW result for a task not stored yet (it will be at commit), that refreshes from this backend. */
  pending(task: PreparedTask): TaskResult;
  /** Runs tasks just stored, in this process: the immediate backend. Others leave them to workers. */
  run?(tasks: readonly PreparedTask[]): Promise<TaskResult[]>;
  /** The result with this id, or undefined when this backend has none. Absent on a backend that keeps no results. */
  getResult?(id: string, client: SqlClient): Promise<TaskResult | undefined>;
  /**
   * Cancels the task with this id (see `$tasks.cancel`), in the caller's transaction when there is one; returns its
   * result after the call, or undefined when this backend has no such task. Absent, as the three below, on a backend
   * that keeps no results: its tasks are cancelled and retried through the TaskResult enqueue returned.
   */
  cancel?(id: string): Promise<TaskResult | undefined>;
  /** Sends a FAILED or CANCELLED task back to NEW (see `$tasks.retry`); throws TaskNotRetryable for other statuses. */
  retry?(id: string): Promise<TaskResult | undefined>;
  /** Cancels this backend's tasks that match (or, dry, lists them); returns their ids. */
  cancelMany?(filter: TaskFilter, dryRun: boolean): Promise<string[]>;
  /** Retries this backend's tasks that match (or, dry, lists them); returns their ids. */
  retryMany?(filter: TaskFilter, dryRun: boolean): Promise<string[]>;
}

/** Lifecycle hooks given to withTasks. They run after the fact and never change an outcome. */
export interface TaskHooks {
  /** After the task is stored (after commit when enqueued in a transaction). */
  onEnqueued?(result: TaskResult): unknown;
  /** When an attempt starts. */
  onStarted?(result: TaskResult): unknown;
  /** When an attempt ends: COMPLETE, FAILED, CANCELLED, or NEW again with a retry scheduled. */
  onFinished?(result: TaskResult): unknown;
}
