// $tasks: enqueue, read, cancel and retry tasks on a Prisma client, joined to the caller's interactive transaction.
import type { Backend, PreparedTask, TaskHooks } from "./backends/index.js";
import { DummyBackend } from "./backends/index.js";
import { CANCELLABLE, checkFilter, RETRYABLE, type BulkChange, type BulkOptions, type TaskFilter } from "./control.js";
import type { Dialect, SqlClient } from "./dialects/types.js";
import {
  GetResultNotSupported,
  InvalidTask,
  QueueNotServed,
  TaskResultDoesNotExist,
  TransactionClosed,
  UnknownBackend,
} from "./errors.js";
import { newTaskId } from "./ids.js";
import type { Reporter } from "./reporter.js";
import type { TaskResult } from "./result.js";
import { serialize } from "./serialization.js";
import { loadTelemetry, startSending, telemetryLoaded, type Sending } from "./telemetry.js";
import {
  parseArgs,
  resolveRunAfter,
  uniqueKeyOf,
  validateEnqueueOptions,
  type AnyTask,
  type ArgsOf,
  type EnqueueOptions,
  type ReturnOf,
  type TaskRegistry,
} from "./task.js";
import type { Schedule } from "./schedules.js";
import { currentTransaction, runInTransaction, type TransactionScope } from "./transaction.js";

/** Ends an enqueue's send span once the backend has stored its tasks, or failed to. */
async function sent(sending: Sending | undefined, storing: Promise<TaskResult[]>): Promise<TaskResult[]> {
  if (!sending) return storing;
  try {
    const results = await storing;
    sending.sent(results);
    return results;
  } catch (error) {
    sending.failed(error);
    throw error;
  }
}

/** enqueue's arguments after the task: args may be left out when the task takes none. */
export type EnqueueArgs<T extends AnyTask> = [ArgsOf<T>] extends [void]
  ? [args?: ArgsOf<T>, options?: EnqueueOptions]
  : [args: ArgsOf<T>, options?: EnqueueOptions];

export interface TasksRuntime {
  readonly registry: TaskRegistry;
  /** withTasks' schedules, checked: what every worker's scheduler enqueues. */
  readonly schedules: readonly Schedule[];
  readonly backends: ReadonlyMap<string, Backend>;
  readonly dialect: Dialect;
  /** The Prisma client the extension was applied to. */
  readonly client: SqlClient;
  /** Where statements outside any transaction go: a pool of prisma-tasks' own on PostgreSQL, else `client`. */
  readonly sql: SqlClient;
  readonly hooks: TaskHooks;
  /** Where hook and after-commit failures go: the app's log, or a running worker's. */
  readonly reporter: Reporter;
}

/** Refuses what the backend cannot honour, as Django's validate_task does, rather than silently ignore it. */
function checkCapabilities(backend: Backend, task: AnyTask, runAfter: Date | number | undefined): void {
  const which = `backend "${backend.alias}" (${backend.kind})`;
  if (runAfter !== undefined && !backend.capabilities.supportsDefer) {
    throw new InvalidTask({
      taskName: task.name,
      field: "runAfter",
      value: runAfter,
      rule:
        `cannot be honoured by ${which}: it runs each task as soon as it is enqueued (supportsDefer is false). ` +
        `Fix: leave runAfter out for this backend, or enqueue to a database backend (the dummy backend records runAfter)`,
    });
  }
  if (task.priority !== 0 && !backend.capabilities.supportsPriority) {
    throw new InvalidTask({
      taskName: task.name,
      field: "priority",
      value: task.priority,
      rule: `cannot be honoured by ${which} (supportsPriority is false). Fix: leave priority at 0 for this backend`,
    });
  }
}

/**
 * What the worker and the CLI need from `prisma.$tasks` (the tasks, the dialect, the clients). Internal: the package
 * does not export it, so the runtime is no part of the public API.
 */
export function runtimeOf(tasks: TasksClient): TasksRuntime {
  return readRuntime(tasks);
}

/** Reads a client's runtime; set by TasksClient's static block, so only this module can reach the private field. */
let readRuntime: (tasks: TasksClient) => TasksRuntime;

export class TasksClient {
  /** What workers need from the extended client: the tasks, the dialect and the client. Not public: see runtimeOf. */
  readonly #runtime: TasksRuntime;
  /** Set on `tx.$tasks`: its transaction, even when called after the callback returned or outside it. */
  readonly #transaction: TransactionScope | undefined;

  static {
    readRuntime = (tasks) => tasks.#runtime;
  }

  constructor(runtime: TasksRuntime, transaction?: TransactionScope) {
    this.#runtime = runtime;
    this.#transaction = transaction;
  }

  /** `$tasks` as seen on a transaction client: bound to that transaction. */
  forTransaction(transaction: TransactionScope): TasksClient {
    return new TasksClient(this.#runtime, transaction);
  }

  /** Stores one task (status NEW) and returns its result. Inside `$transaction` it commits or rolls back with it. */
  async enqueue<T extends AnyTask>(task: T, ...[args, options]: EnqueueArgs<T>): Promise<TaskResult<ArgsOf<T>, ReturnOf<T>>> {
    const [result] = await this.#enqueue(task, [args], options, false);
    return result as TaskResult<ArgsOf<T>, ReturnOf<T>>;
  }

  /** Stores many tasks of one kind in one statement, all or nothing; a bad item is named by its index. */
  async enqueueMany<T extends AnyTask>(
    task: T,
    argsList: readonly ArgsOf<T>[],
    options?: EnqueueOptions,
  ): Promise<TaskResult<ArgsOf<T>, ReturnOf<T>>[]> {
    if (!Array.isArray(argsList)) {
      throw new InvalidTask({ taskName: task?.name, field: "argsList", value: argsList, rule: "must be an array of args, one item per task" });
    }
    return (await this.#enqueue(task, argsList, options, true)) as TaskResult<ArgsOf<T>, ReturnOf<T>>[];
  }

  /**
   * The result with this id, from whichever backend holds it. Throws TaskResultDoesNotExist, or GetResultNotSupported
   * when no backend keeps results (only immediate backends are configured).
   */
  async getResult<A = unknown, R = unknown>(id: string): Promise<TaskResult<A, R>> {
    const keeping = [...this.#runtime.backends.values()].filter((backend) => backend.getResult !== undefined);
    if (keeping.length === 0) throw new GetResultNotSupported(String(id), [...this.#runtime.backends.keys()]);
    if (typeof id === "string" && id.length > 0) {
      const scope = this.#currentTransaction();
      const client = scope?.open ? scope.tx : this.#runtime.sql;
      for (const backend of keeping) {
        const result = await backend.getResult!(id, client);
        if (result) return result as TaskResult<A, R>;
      }
    }
    throw new TaskResultDoesNotExist(String(id));
  }

  /**
   * Cancels a task and returns its result after the call: NEW becomes CANCELLED and never runs (also when a worker is
   * claiming it at that moment); RUNNING records the request (`cancelRequestedAt`), and the attempt ends CANCELLED
   * unless it completes first, with no retry; a finished task is left as it is. Inside `$transaction` the cancel commits
   * or rolls back with it. Throws TaskResultDoesNotExist, or GetResultNotSupported when no backend keeps tasks to
   * find by id (only immediate backends: cancel through the TaskResult enqueue returned).
   */
  async cancel<A = unknown, R = unknown>(id: string): Promise<TaskResult<A, R>> {
    return (await this.#control(id, "cancel")) as TaskResult<A, R>;
  }

  /**
   * Sends a FAILED or CANCELLED task back to NEW to run again as soon as a worker is free, keeping its history (errors,
   * worker ids, attempts) and giving it room for one more attempt. Throws TaskNotRetryable for any other status and
   * TaskResultDoesNotExist for an unknown id (GetResultNotSupported as cancel does).
   */
  async retry<A = unknown, R = unknown>(id: string): Promise<TaskResult<A, R>> {
    return (await this.#control(id, "retry")) as TaskResult<A, R>;
  }

  /**
   * Cancels every task that matches (status NEW or RUNNING), a batch at a time; `dryRun` only reports them. Backends
   * that keep no results (immediate) have none to match.
   */
  async cancelMany(filter: TaskFilter, options: BulkOptions = {}): Promise<BulkChange> {
    return this.#controlMany("cancelMany", checkFilter(filter, "cancelMany", CANCELLABLE), options);
  }

  /** Retries every task that matches (status FAILED or CANCELLED), a batch at a time; `dryRun` only reports them. */
  async retryMany(filter: TaskFilter, options: BulkOptions = {}): Promise<BulkChange> {
    return this.#controlMany("retryMany", checkFilter(filter, "retryMany", RETRYABLE), options);
  }

  /** The backend behind an alias given to withTasks. */
  backend(alias = "default"): Backend {
    const backend = this.#runtime.backends.get(alias);
    if (!backend) throw new UnknownBackend(alias, [...this.#runtime.backends.keys()]);
    return backend;
  }

  /** The dummy backend behind an alias, to read what was enqueued (`results`) and `clear()` it in tests. */
  dummy(alias = "default"): DummyBackend {
    const backend = this.backend(alias);
    if (!(backend instanceof DummyBackend)) {
      throw new InvalidTask({ field: "backend", value: alias, rule: `must name a dummy backend; "${alias}" is a ${backend.kind} backend` });
    }
    return backend;
  }

  async #enqueue(task: AnyTask, argsList: readonly unknown[], options: unknown, many: boolean): Promise<TaskResult[]> {
    const { backend, placed, prepared: unsent } = this.#prepare(task, argsList, options, many);
    const transaction = this.#currentTransaction();
    if (transaction && !transaction.open) throw new TransactionClosed(task.name);
    if (!telemetryLoaded()) await loadTelemetry();
    // The send span starts in the caller's context (its request's span, say), before the tasks are stored: they keep its context.
    const sending = unsent.length === 0 ? undefined : startSending(placed, unsent.map((each) => each.id), many);
    const prepared = sending?.traceContext ? unsent.map((each) => ({ ...each, traceContext: sending.traceContext })) : unsent;
    // onEnqueued comes first, then (immediate backend) the run; in a transaction, both once it has committed.
    const announce = async (results: TaskResult[]) => {
      sending?.committed(results);
      await this.#notifyEnqueued(results);
      return backend.run ? backend.run(prepared) : results;
    };
    if (!transaction) return announce(await sent(sending, backend.enqueue(prepared, this.#runtime.sql)));
    if (backend.capabilities.joinsTransactions) {
      const results = await sent(sending, backend.enqueue(prepared, transaction.tx));
      transaction.afterCommit.push(() => announce(results));
      return results;
    }
    // A backend outside the database acts only once the transaction has committed, and never after a rollback.
    transaction.afterCommit.push(async () => announce(await sent(sending, backend.enqueue(prepared, this.#runtime.sql))));
    return prepared.map((each) => backend.pending(each));
  }

  /** Asks each backend in turn to act on the task with this id, in the caller's transaction; the first that has it answers. */
  async #control(id: string, action: "cancel" | "retry"): Promise<TaskResult> {
    const keeping = [...this.#runtime.backends.values()].filter((backend) => backend[action] !== undefined);
    if (keeping.length === 0) throw new GetResultNotSupported(String(id), [...this.#runtime.backends.keys()], action);
    if (typeof id === "string" && id.length > 0) {
      for (const backend of keeping) {
        const result = await this.#inTransaction(`${action} task ${JSON.stringify(id)} in`, () => backend[action]!(id));
        if (result) return result;
      }
    }
    throw new TaskResultDoesNotExist(String(id));
  }

  async #controlMany(action: "cancelMany" | "retryMany", filter: TaskFilter, options: BulkOptions): Promise<BulkChange> {
    const ids: string[] = [];
    for (const backend of this.#runtime.backends.values()) {
      const act = backend[action];
      if (act) ids.push(...(await this.#inTransaction(`${action} in`, () => act.call(backend, filter, options.dryRun === true))));
    }
    return { count: ids.length, ids };
  }

  /** Runs `work` where backends find the caller's transaction (for `tx.$tasks`, its own); refuses a closed one. */
  #inTransaction<T>(action: string, work: () => Promise<T>): Promise<T> {
    const transaction = this.#currentTransaction();
    if (!transaction) return work();
    if (!transaction.open) throw new TransactionClosed(undefined, action);
    return runInTransaction(transaction, work);
  }

  /** `prisma.$tasks` joins the transaction its caller runs in; `tx.$tasks` always belongs to its own. */
  #currentTransaction(): TransactionScope | undefined {
    return this.#transaction ?? currentTransaction();
  }

  /** Validates and serializes everything before anything is stored. */
  #prepare(task: AnyTask, argsList: readonly unknown[], options: unknown, many: boolean) {
    if (!this.#runtime.registry.has(task?.name) || this.#runtime.registry.get(task.name)!.fn !== task.fn) {
      throw new InvalidTask({
        taskName: task?.name,
        field: "task",
        value: task,
        rule: "must be one of the tasks given to withTasks({ tasks }), so workers can find it by name",
      });
    }
    const checked = validateEnqueueOptions(task.name, options ?? {});
    const placed = checked.queueName !== undefined || checked.priority !== undefined || checked.backend !== undefined
      ? task.using({ queueName: checked.queueName, priority: checked.priority, backend: checked.backend })
      : task;
    const backend = this.#runtime.backends.get(placed.backend);
    if (!backend) throw new UnknownBackend(placed.backend, [...this.#runtime.backends.keys()], task.name);
    if (backend.queues !== "*" && !backend.queues.includes(placed.queueName)) {
      throw new QueueNotServed(task.name, placed.queueName, backend.alias, backend.queues);
    }
    checkCapabilities(backend, placed, checked.runAfter ?? placed.runAfter);
    const enqueuedAt = new Date();
    const runAfter = resolveRunAfter(placed, enqueuedAt, checked.runAfter);
    const unique = { while: placed.unique?.while ?? "queued", onConflict: placed.unique?.onConflict ?? "skip" } as const;
    const prepared: PreparedTask[] = argsList.map((args, index) => {
      const parsed = parseArgs(placed, args, many ? index : undefined);
      const uniqueKey = uniqueKeyOf(placed, parsed, checked.uniqueKey, many ? index : undefined);
      return {
        id: newTaskId(enqueuedAt.getTime()),
        task: placed,
        taskName: placed.name,
        queueName: placed.queueName,
        backend: backend.alias,
        priority: placed.priority,
        args: serialize(args, placed.name, many ? `argsList[${index}]` : "args"),
        argsValue: args,
        runAfter,
        enqueuedAt,
        maxAttempts: placed.maxAttempts,
        uniqueKey,
        uniqueWhile: uniqueKey === null ? null : unique.while,
        onConflict: unique.onConflict,
        traceContext: null,
      };
    });
    return { backend, placed, prepared };
  }

  /** onEnqueued for the tasks stored: a deduplicated or replaced result is a task enqueued before. */
  async #notifyEnqueued(results: readonly TaskResult[]): Promise<void> {
    const hook = this.#runtime.hooks.onEnqueued;
    if (!hook) return;
    for (const result of results) if (!result.deduplicated && !result.replaced) await hook(result);
  }
}
