// The immediate backend: runs the task in the caller's process before enqueue resolves (after commit, in a
// transaction; never after a rollback). For tests and scripts. It keeps no results (as Django's, it cannot getResult):
// each TaskResult reads its own task's run, so a process that enqueues for months holds only the results it keeps.
// Cancel and retry act through that TaskResult too: there is no id to find a task by. A unique key is held from the
// enqueue until the task starts ("queued") or ends ("unfinished"), which is before enqueue returns: only enqueues made
// meanwhile (concurrently, or by the task itself) find it held.
import { AttemptAbort, runAttempt } from "../attempt.js";
import type { StoredTask } from "../dialects/types.js";
import { TaskResult, TaskStatus, type EnqueueOutcome, type ResultSource, type TaskResultData } from "../result.js";
import { atCommit, cancelled, checkRetryable, retried } from "./in-process.js";
import { enqueuedData, withOutcome } from "./stored.js";
import type { Backend, PreparedTask, TaskHooks } from "./types.js";
import { enqueueDistinct, keyOf, type Enqueued } from "./unique.js";

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
  /** What enqueue did with each task; one whose key was held stands for its holder's run in #runs. */
  readonly #outcomes = new WeakMap<PreparedTask, EnqueueOutcome>();
  /** The runs that hold their unique key now, by key. */
  readonly #holders = new Map<string, Run>();

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
    hooks: TaskHooks,
  ) {
    this.#hooks = hooks;
  }

  async enqueue(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    // Its tasks run before enqueue returns, so none waits to be replaced: "replace" acts as "skip", in a batch too.
    const enqueued = await enqueueDistinct(tasks, async (distinct) => distinct.map((prepared) => this.#take(prepared)), false);
    return tasks.map((prepared, index) => {
      const [run, outcome] = enqueued[index]!;
      this.#runs.set(prepared, run);
      this.#outcomes.set(prepared, outcome);
      return new TaskResult(run.data, run, outcome);
    });
  }

  pending(prepared: PreparedTask): TaskResult {
    const run = this.#runOf(prepared);
    return new TaskResult(run.data, run);
  }

  /** Runs each task to its end, retries included (at once, without their delay); one whose key was held runs not. */
  async run(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    const results: TaskResult[] = [];
    for (const prepared of tasks) {
      const run = this.#runOf(prepared);
      const outcome = this.#outcomes.get(prepared) ?? "stored";
      results.push(outcome === "stored" ? await this.#run(prepared, run) : new TaskResult(run.data, run, outcome));
    }
    return results;
  }

  /**
   * The task's run, holding its key; or the run that holds the key already. That one has started, or starts before its
   * enqueue returns, so onConflict "replace" cannot give it new args: it is returned as with "skip".
   */
  #take(prepared: PreparedTask): Enqueued<Run> {
    const run = this.#runOf(prepared);
    if (prepared.uniqueKey === null) return [run, "stored"];
    const holder = this.#holders.get(keyOf(prepared));
    if (holder) return [holder, "deduplicated"];
    this.#holders.set(keyOf(prepared), run);
    return [run, "stored"];
  }

  #release(prepared: PreparedTask, run: Run): void {
    if (prepared.uniqueKey !== null && this.#holders.get(keyOf(prepared)) === run) this.#holders.delete(keyOf(prepared));
  }

  #runOf(prepared: PreparedTask): Run {
    let run = this.#runs.get(prepared);
    if (!run) this.#runs.set(prepared, (run = new Run(enqueuedData(prepared), (again) => this.#run(prepared, again))));
    return run;
  }

  async #run(prepared: PreparedTask, run: Run): Promise<TaskResult> {
    try {
      while (run.data.status === TaskStatus.NEW) await this.#attempt(prepared, run);
    } finally {
      // Also when a hook throws: the key is never left held by a task that no longer runs.
      this.#release(prepared, run);
    }
    return new TaskResult(run.data, run);
  }

  async #attempt(prepared: PreparedTask, run: Run): Promise<void> {
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
    if (prepared.uniqueWhile === "queued") this.#release(prepared, run);
    await this.#hooks.onStarted?.(new TaskResult(run.data, run));
    const outcome = await runAttempt(prepared.task, storedFrom(prepared, run.data), {
      workerId: IMMEDIATE_WORKER,
      abort: new AttemptAbort(),
      source: run,
    });
    run.data = withOutcome(run.data, outcome);
    await this.#hooks.onFinished?.(new TaskResult(run.data, run));
  }
}

function storedFrom(prepared: PreparedTask, data: TaskResultData): StoredTask {
  return { ...data, args: prepared.args, returnValue: null, lockedBy: IMMEDIATE_WORKER };
}
