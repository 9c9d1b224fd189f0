// The interface every backend implements, with the capability flags callers can check.
import type { TaskFilter } from "../control.js";
import type { NewTask, SqlClient } from "../dialects/types.js";
import type { TaskResult } from "../result.js";
import type { AnyTask } from "../task.js";

export type BackendKind = "database" | "immediate" | "dummy";

export interface BackendCapabilities {
  /** Writes through the caller's interactive transaction; otherwise enqueue waits for the commit to act at all. */
  readonly joinsTransactions: boolean;
  /** Results survive the process and can be read back with getResult. */
  readonly persistsResults: boolean;
  /** Tasks run in worker processes (`tasks-worker`), not in the caller. */
  readonly usesWorkers: boolean;
  /** `runAfter` delays the task. */
  readonly supportsDefer: boolean;
  /** `priority` orders the tasks. */
  readonly supportsPriority: boolean;
}

/** A task validated and serialized by enqueue, ready for its backend. */
export interface PreparedTask extends NewTask {
  readonly task: AnyTask;
  /** The args exactly as given to enqueue. */
  readonly argsValue: unknown;
}

export interface Backend {
  readonly alias: string;
  readonly kind: BackendKind;
  readonly capabilities: BackendCapabilities;
  /** The queues this backend serves, or "*" for any. */
  readonly queues: readonly string[] | "*";
  /** Stores the tasks as NEW, through `client` (a transaction client when the caller is in one). */
  enqueue(tasks: readonly PreparedTask[], client: SqlClient): Promise<TaskResult[]>;
  /** A NEW result for a task not stored yet (it will be at commit), that refreshes from this backend. */
  pending(task: PreparedTask): TaskResult;
  /** Runs tasks just stored, in this process: the immediate backend. Others leave them to workers. */
  run?(tasks: readonly PreparedTask[]): Promise<TaskResult[]>;
  /** The result with this id, or undefined when this backend has none. */
  getResult(id: string, client: SqlClient): Promise<TaskResult | undefined>;
  /**
   * Cancels the task with this id (see `$tasks.cancel`), in the caller's transaction when there is one; returns its
   * result after the call, or undefined when this backend has no such task.
   */
  cancel(id: string): Promise<TaskResult | undefined>;
  /** Sends a FAILED or CANCELLED task back to NEW (see `$tasks.retry`); throws TaskNotRetryable for other statuses. */
  retry(id: string): Promise<TaskResult | undefined>;
  /** Cancels this backend's tasks that match (or, dry, lists them); returns their ids. */
  cancelMany(filter: TaskFilter, dryRun: boolean): Promise<string[]>;
  /** Retries this backend's tasks that match (or, dry, lists them); returns their ids. */
  retryMany(filter: TaskFilter, dryRun: boolean): Promise<string[]>;
}

/** Lifecycle hooks given to withTasks. They run after the fact and never change an outcome. */
export interface TaskHooks {
  /** After the task is stored (after commit when enqueued in a transaction). */
  onEnqueued?(result: TaskResult): unknown;
  /** When an attempt starts. */
  onStarted?(result: TaskResult): unknown;
  /** When an attempt ends: COMPLETE, FAILED, or NEW again with a retry scheduled. */
  onFinished?(result: TaskResult): unknown;
}
