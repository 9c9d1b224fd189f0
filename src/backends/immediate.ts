// The immediate backend: runs the task in the caller's process before enqueue resolves (after commit, in a
// transaction; never after a rollback). For tests and scripts.
import type { StoredTask } from "../dialects/types.js";
import { TaskStatus, type TaskResult, type TaskResultData } from "../result.js";
import { AttemptAbort, runAttempt } from "../worker/attempt.js";
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
  /** What each task ran with, so that a retry can run it again. */
  readonly #prepared = new Map<string, PreparedTask>();

  constructor(alias: string, queues: readonly string[] | "*", hooks: TaskHooks) {
    super(alias, queues);
    this.#hooks = hooks;
  }

  /** Runs each task to its end, retries included (at once, without their delay). */
  async run(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    const results: TaskResult[] = [];
    for (const prepared of tasks) {
      this.#prepared.set(prepared.id, prepared);
      results.push(this.result(await this.#run(prepared)));
    }
    return results;
  }

  /** A retried task runs again at once, before retry() resolves, as it first ran inside enqueue. */
  protected override afterRetry(data: TaskResultData): Promise<TaskResultData> {
    return this.#run(this.#prepared.get(data.id)!);
  }

  async #run(prepared: PreparedTask): Promise<TaskResultData> {
    let data = this.store.get(prepared.id)!;
    while (data.status === TaskStatus.NEW) {
      const now = new Date();
      data = this.store.update(data.id, {
        status: TaskStatus.RUNNING,
        startedAt: data.startedAt ?? now,
        lastAttemptedAt: now,
        attempts: data.attempts + 1,
        workerIds: [...data.workerIds, IMMEDIATE_WORKER],
      });
      await this.#hooks.onStarted?.(this.result(data));
      const outcome = await runAttempt(prepared.task, storedFrom(prepared, data), {
        workerId: IMMEDIATE_WORKER,
        abort: new AttemptAbort(),
        source: this.source,
      });
      data = this.store.update(data.id, withOutcome(data, outcome));
      await this.#hooks.onFinished?.(this.result(data));
    }
    return data;
  }
}

function storedFrom(prepared: PreparedTask, data: TaskResultData): StoredTask {
  return { ...data, args: prepared.args, returnValue: null, lockedBy: IMMEDIATE_WORKER };
}
