// The immediate backend: runs the task in the caller's process before enqueue resolves (after commit, in a
// transaction; never after a rollback). For tests and scripts; retries run at once, without their delay.
import type { StoredTask } from "../dialects/types.js";
import { TaskResult, TaskStatus, type TaskResultData } from "../result.js";
import { runAttempt } from "../worker/attempt.js";
import { MemoryResults } from "./memory.js";
import { enqueuedData, withOutcome } from "./stored.js";
import type { Backend, EnqueueScope, PreparedTask, TaskHooks } from "./types.js";

const IMMEDIATE_WORKER = "immediate";

export class ImmediateBackend implements Backend {
  readonly kind = "immediate";
  readonly capabilities = { persistsResults: false, usesWorkers: false, supportsDefer: false, supportsPriority: false };
  readonly #store = new MemoryResults();
  readonly #hooks: TaskHooks;

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
    hooks: TaskHooks,
  ) {
    this.#hooks = hooks;
  }

  async enqueue(tasks: readonly PreparedTask[], scope: EnqueueScope): Promise<TaskResult[]> {
    if (scope.transaction) {
      scope.transaction.afterCommit.push(() => this.#runAll(tasks));
      return tasks.map((prepared) => new TaskResult(enqueuedData(prepared), this.#store));
    }
    return this.#runAll(tasks);
  }

  async getResult(id: string): Promise<TaskResult | undefined> {
    return this.#store.result(id);
  }

  async #runAll(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    const results: TaskResult[] = [];
    for (const prepared of tasks) results.push(await this.#run(prepared));
    return results;
  }

  async #run(prepared: PreparedTask): Promise<TaskResult> {
    let data = this.#store.add(prepared);
    const signal = new AbortController().signal;
    while (data.status === TaskStatus.NEW) {
      const now = new Date();
      data = this.#store.update(data.id, {
        status: TaskStatus.RUNNING,
        startedAt: data.startedAt ?? now,
        lastAttemptedAt: now,
        attempts: data.attempts + 1,
        workerIds: [...data.workerIds, IMMEDIATE_WORKER],
      });
      await this.#hooks.onStarted?.(new TaskResult(data, this.#store));
      const outcome = await runAttempt(prepared.task, storedFrom(prepared, data), {
        workerId: IMMEDIATE_WORKER,
        signal,
        source: this.#store,
      });
      data = this.#store.update(data.id, withOutcome(data, outcome));
      await this.#hooks.onFinished?.(new TaskResult(data, this.#store));
    }
    return new TaskResult(data, this.#store);
  }
}

function storedFrom(prepared: PreparedTask, data: TaskResultData): StoredTask {
  return { ...data, args: prepared.args, returnValue: null, lockedBy: IMMEDIATE_WORKER };
}
