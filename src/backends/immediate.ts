// The immediate backend: runs the task in the caller's process before enqueue resolves (after commit, in a
// transaction; never after a rollback). For tests and scripts. It keeps no results (as Django's, it cannot getResult):
// each TaskResult reads its own task's run, so a process that enqueues for months holds only the results it keeps.
// Cancel and retry act through that TaskResult too: there is no id to find a task by.
import { AttemptAbort, runAttempt } from "../attempt.js";
import type { StoredTask } from "../dialects/types.js";
import { TaskResult, TaskStatus, type ResultSource, type TaskResultData } from "../result.js";
import { atCommit, cancelled, checkRetryable, retried } from "./in-process.js";
import { enqueuedData, withOutcome } from "./stored.js";
import type { Backend, PreparedTask, TaskHooks } from "./types.js";

const IMMEDIATE_WORKER = "immediate";

/** One task from enqueue to its end: the data every TaskResult of the task refreshes from, cancels and retries. */
class Run implements ResultSource {
  constructor(
    public data: TaskResultData,
    readonly runAgain: (run: Run) => Promise<unknown>,
  ) {}

  async fetch(): Promise<TaskResultData> {
    return this.data;
  }

  /** Only a task still waiting for its transaction's commit is NEW here; once it has run, a cancel changes nothing. */
  async cancel(): Promise<TaskResultData> {
    return atCommit(this.data, async () => (this.data = cancelled(this.data)));
  }

  /** A retried task runs again at once, before retry() resolves, as it first ran before enqueue resolved. */
  async retry(): Promise<TaskResultData> {
    checkRetryable(this.data);
    return atCommit(this.data, async () => {
      this.data = retried(this.data);
      await this.runAgain(this);
      return this.data;
    });
  }
}

export class ImmediateBackend implements Backend {
  readonly kind = "immediate";
  readonly capabilities = {
    joinsTransactions: false,
    supportsGetResult: false,
    usesWorkers: false,
    // Nothing waits here, so there is nothing to delay; a runAfter is refused rather than ignored.
    supportsDefer: false,
    // As Django's: tasks defined with a priority run here unchanged (nothing waits, so there is nothing to order).
    supportsPriority: true,
  };
  readonly #hooks: TaskHooks;
  /**
   * The run of each task between its enqueue and its end, so that a result returned in a transaction refreshes to
   * what ran after the commit. Weak: an entry goes with its PreparedTask, which nothing holds once the task has run.
   */
  readonly #runs = new WeakMap<PreparedTask, Run>();

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
    hooks: TaskHooks,
  ) {
    this.#hooks = hooks;
  }

  async enqueue(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    return tasks.map((prepared) => this.pending(prepared));
  }

  pending(prepared: PreparedTask): TaskResult {
    const run = this.#runOf(prepared);
    return new TaskResult(run.data, run);
  }

  /** Runs each task to its end, retries included (at once, without their delay). */
  async run(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    const results: TaskResult[] = [];
    for (const prepared of tasks) results.push(await this.#run(prepared, this.#runOf(prepared)));
    return results;
  }

  #runOf(prepared: PreparedTask): Run {
    let run = this.#runs.get(prepared);
    if (!run) this.#runs.set(prepared, (run = new Run(enqueuedData(prepared), (again) => this.#run(prepared, again))));
    return run;
  }

  async #run(prepared: PreparedTask, run: Run): Promise<TaskResult> {
    while (run.data.status === TaskStatus.NEW) {
      const now = new Date();
      const data = run.data;
      run.data = {
        ...data,
        status: TaskStatus.RUNNING,
        startedAt: data.startedAt ?? now,
        lastAttemptedAt: now,
        attempts: data.attempts + 1,
        workerIds: [...data.workerIds, IMMEDIATE_WORKER],
      };
      await this.#hooks.onStarted?.(new TaskResult(run.data, run));
      const outcome = await runAttempt(prepared.task, storedFrom(prepared, run.data), {
        workerId: IMMEDIATE_WORKER,
        abort: new AttemptAbort(),
        source: run,
      });
      run.data = withOutcome(run.data, outcome);
      await this.#hooks.onFinished?.(new TaskResult(run.data, run));
    }
    return new TaskResult(run.data, run);
  }
}

function storedFrom(prepared: PreparedTask, data: TaskResultData): StoredTask {
  return { ...data, args: prepared.args, returnValue: null, lockedBy: IMMEDIATE_WORKER };
}
