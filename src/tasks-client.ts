// $tasks: enqueue, read, cancel and retry tasks on a Prisma client, joined to the caller's interactive transaction.
import type { Backend, PreparedTask, TaskHooks } from "./backends/index.js";
import { DummyBackend } from "./backends/index.js";
import { CANCELLABLE, checkFilter, RETRYABLE, type BulkChange, type BulkOptions, type TaskFilter } from "./control.js";
import type { Dialect, SqlClient } from "./dialects/types.js";
import { InvalidTask, QueueNotServed, TaskResultDoesNotExist, TransactionClosed, UnknownBackend } from "./errors.js";
import { newTaskId } from "./ids.js";
import type { TaskResult } from "./result.js";
import { serialize } from "./serialization.js";
import { validateEnqueueOptions, type AnyTask, type ArgsOf, type EnqueueOptions, type ReturnOf, type TaskRegistry } from "./task.js";
import { currentTransaction, runInTransaction, type TransactionScope } from "./transaction.js";

/** enqueue's arguments after the task: args may be left out when the task takes none. */
export type EnqueueArgs<T extends AnyTask> = [ArgsOf<T>] extends [void]
  ? [args?: ArgsOf<T>, options?: EnqueueOptions]
  : [args: ArgsOf<T>, options?: EnqueueOptions];

export interface TasksRuntime {
  readonly registry: TaskRegistry;
  readonly backends: ReadonlyMap<string, Backend>;
  readonly dialect: Dialect;
  /** The Prisma client the extension was applied to. */
  readonly client: SqlClient;
  /** Where statements outside any transaction go: a pool of prisma-tasks' own on PostgreSQL, else `client`. */
  readonly sql: SqlClient;
  readonly hooks: TaskHooks;
}

export class TasksClient {
  /** What workers need from the extended client: the tasks, the dialect and the client. */
  readonly runtime: TasksRuntime;
  /** Set on `tx.$tasks`: its transaction, even when called after the callback returned or outside it. */
  readonly #transaction: TransactionScope | undefined;

  constructor(runtime: TasksRuntime, transaction?: TransactionScope) {
    this.runtime = runtime;
    this.#transaction = transaction;
  }

  /** `$tasks` as seen on a transaction client: bound to that transaction. */
  forTransaction(transaction: TransactionScope): TasksClient {
    return new TasksClient(this.runtime, transaction);
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

  /** The result with this id, from whichever backend holds it. Throws TaskResultDoesNotExist. */
  async getResult<A = unknown, R = unknown>(id: string): Promise<TaskResult<A, R>> {
    if (typeof id === "string" && id.length > 0) {
      const scope = this.#currentTransaction();
      const client = scope?.open ? scope.tx : this.runtime.sql;
      for (const backend of this.runtime.backends.values()) {
        const result = await backend.getResult(id, client);
        if (result) return result as TaskResult<A, R>;
      }
    }
    throw new TaskResultDoesNotExist(String(id));
  }

  /**
   * Cancels a task and returns its result after the call: NEW becomes CANCELLED and never runs (also when a worker is
   * claiming it at that moment); RUNNING records the request (`cancelRequestedAt`), and the attempt ends CANCELLED
   * unless it completes first, with no retry; a finished task is left as it is. Inside `$transaction` the cancel commits
   * or rolls back with it. Throws TaskResultDoesNotExist.
   */
  async cancel<A = unknown, R = unknown>(id: string): Promise<TaskResult<A, R>> {
    return (await this.#control(id, "cancel", (backend) => backend.cancel(id))) as TaskResult<A, R>;
  }

  /**
   * Sends a FAILED or CANCELLED task back to NEW to run again as soon as a worker is free, keeping its history (errors,
   * worker ids, attempts) and giving it room for one more attempt. Throws TaskNotRetryable for any other status and
   * TaskResultDoesNotExist for an unknown id.
   */
  async retry<A = unknown, R = unknown>(id: string): Promise<TaskResult<A, R>> {
    return (await this.#control(id, "retry", (backend) => backend.retry(id))) as TaskResult<A, R>;
  }

  /** Cancels every task that matches (status NEW or RUNNING), a batch at a time; `dryRun` only reports them. */
  async cancelMany(filter: TaskFilter, options: BulkOptions = {}): Promise<BulkChange> {
    const checked = checkFilter(filter, "cancelMany", CANCELLABLE);
    return this.#controlMany("cancelMany", (backend) => backend.cancelMany(checked, options.dryRun === true));
  }

  /** Retries every task that matches (status FAILED or CANCELLED), a batch at a time; `dryRun` only reports them. */
  async retryMany(filter: TaskFilter, options: BulkOptions = {}): Promise<BulkChange> {
    const checked = checkFilter(filter, "retryMany", RETRYABLE);
    return this.#controlMany("retryMany", (backend) => backend.retryMany(checked, options.dryRun === true));
  }

  /** The backend behind an alias given to withTasks. */
  backend(alias = "default"): Backend {
    const backend = this.runtime.backends.get(alias);
    if (!backend) throw new UnknownBackend(alias, [...this.runtime.backends.keys()]);
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
    const { backend, prepared } = this.#prepare(task, argsList, options, many);
    const transaction = this.#currentTransaction();
    if (transaction && !transaction.open) throw new TransactionClosed(task.name);
    // onEnqueued comes first, then (immediate backend) the run; in a transaction, both once it has committed.
    const announce = async (results: TaskResult[]) => {
      await this.#notifyEnqueued(results);
      return backend.run ? backend.run(prepared) : results;
    };
    if (!transaction) return announce(await backend.enqueue(prepared, this.runtime.sql));
    if (backend.capabilities.joinsTransactions) {
      const results = await backend.enqueue(prepared, transaction.tx);
      transaction.afterCommit.push(() => announce(results));
      return results;
    }
    // A backend outside the database acts only once the transaction has committed, and never after a rollback.
    transaction.afterCommit.push(async () => announce(await backend.enqueue(prepared, this.runtime.sql)));
    return prepared.map((each) => backend.pending(each));
  }

  /** Asks each backend in turn to act on the task with this id, in the caller's transaction; the first that has it answers. */
  async #control(id: string, action: string, act: (backend: Backend) => Promise<TaskResult | undefined>): Promise<TaskResult> {
    if (typeof id === "string" && id.length > 0) {
      for (const backend of this.runtime.backends.values()) {
        const result = await this.#inTransaction(`${action} task ${JSON.stringify(id)} in`, () => act(backend));
        if (result) return result;
      }
    }
    throw new TaskResultDoesNotExist(String(id));
  }

  async #controlMany(action: string, act: (backend: Backend) => Promise<string[]>): Promise<BulkChange> {
    const ids: string[] = [];
    for (const backend of this.runtime.backends.values()) ids.push(...(await this.#inTransaction(`${action} in`, () => act(backend))));
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
    if (!this.runtime.registry.has(task?.name) || this.runtime.registry.get(task.name)!.fn !== task.fn) {
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
    const backend = this.runtime.backends.get(placed.backend);
    if (!backend) throw new UnknownBackend(placed.backend, [...this.runtime.backends.keys()], task.name);
    if (backend.queues !== "*" && !backend.queues.includes(placed.queueName)) {
      throw new QueueNotServed(task.name, placed.queueName, backend.alias, backend.queues);
    }
    const enqueuedAt = new Date();
    const runAfter = placed.resolveRunAfter(enqueuedAt, checked.runAfter);
    const prepared: PreparedTask[] = argsList.map((args, index) => {
      placed.parseArgs(args, many ? index : undefined);
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
      };
    });
    return { backend, prepared };
  }

  async #notifyEnqueued(results: readonly TaskResult[]): Promise<void> {
    const hook = this.runtime.hooks.onEnqueued;
    if (!hook) return;
    for (const result of results) await hook(result);
  }
}
