// The immediate backend: runs the task in the caller's process before enqueue resolves (after commit, in a
// transaction; never after a rollback). For tests and scripts.
import type { StoredTask } from "../dialects/types.js";
import { TaskResult, TaskStatus, type TaskResultData } from "../result.js";
import { AttemptAbort, runAttempt } from "../attempt.js";
import { MemoryBackend } from "./memory.js";
import { withOutcome } from "./stored.js";
import type { PreparedTask, TaskHooks } from "./types.js";

const IMMEDIATE_WORKER = "immediate";

export class ImmediateBackend extends MemoryBackend {
  readonly kind = "immediate";
  readonly capabilities = {
    joinsTransactions: false,
    persistsResults: false,
    usesWorkers: false,
    supportsDefer: false,
    supportsPriority: false,
  };
  readonly #hooks: TaskHooks;

  constructor(alias: string, queues: readonly string[] | "*", hooks: TaskHooks) {
    super(alias, queues);
    this.#hooks = hooks;
  }

  /** Runs each task to its end, retries included (at once, without their delay). */
  async run(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    const results: TaskResult[] = [];
    for (const prepared of tasks) results.push(await this.#run(prepared));
    return results;
  }

  async #run(prepared: PreparedTask): Promise<TaskResult> {
    let data = await this.store.fetch(prepared.id);
    while (data.status === TaskStatus.NEW) {
      const now = new Date();
      data = this.store.update(data.id, {
        status: TaskStatus.RUNNING,
        startedAt: data.startedAt ?? now,
        lastAttemptedAt: now,
        attempts: data.attempts + 1,
        workerIds: [...data.workerIds, IMMEDIATE_WORKER],
      });
      await this.#hooks.onStarted?.(new TaskResult(data, this.store));
      const outcome = await runAttempt(prepared.task, storedFrom(prepared, data), {
        workerId: IMMEDIATE_WORKER,
        abort: new AttemptAbort(),
        source: this.store,
      });
      data = this.store.update(data.id, withOutcome(data, outcome));
      await this.#hooks.onFinished?.(new TaskResult(data, this.store));
    }
    return new TaskResult(data, this.store);
  }
}

function storedFrom(prepared: PreparedTask, data: TaskResultData): StoredTask {
  return { ...data, args: prepared.args, returnValue: null, lockedBy: IMMEDIATE_WORKER };
}
