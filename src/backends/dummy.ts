// The dummy backend: records what was enqueued (after commit, in a transaction) and runs nothing; for tests.
// What it records stays until clear(): reading it back is its purpose. Cancel and retry change the record. Unique keys
// hold as in the database: nothing runs here, so a key is held by the recorded NEW task that has it.
import { matchesFilter, type TaskFilter } from "../control.js";
import { TaskResultDoesNotExist, UniqueKeyHeld } from "../errors.js";
import { TaskResult, TaskStatus, type ResultSource, type TaskResultData } from "../result.js";
import { atCommit, cancelled, checkRetryable, retried } from "./in-process.js";
import { enqueuedData } from "./stored.js";
import type { Backend, PreparedTask } from "./types.js";
import { enqueueDistinct, type Enqueued } from "./unique.js";

export class DummyBackend implements Backend {
  readonly kind = "dummy";
  readonly capabilities = {
    joinsTransactions: false,
    // As Django's: getResult finds what this process recorded, and no other process can.
    supportsGetResult: false,
    usesWorkers: false,
    supportsDefer: true,
    supportsPriority: true,
  };
  readonly #recorded = new Map<string, TaskResultData>();
  readonly #source: ResultSource = {
    fetch: async (id) => this.#found(id),
    cancel: async (id) => this.#cancel(this.#found(id)),
    retry: async (id) => this.#retry(this.#found(id)),
  };

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
  ) {}

  async enqueue(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    const enqueued = await enqueueDistinct(tasks, async (distinct) => distinct.map((prepared) => this.#record(prepared)));
    return enqueued.map(([data, outcome]) => new TaskResult(data, this.#source, outcome));
  }

  pending(prepared: PreparedTask): TaskResult {
    return new TaskResult(enqueuedData(prepared), this.#source);
  }

  async getResult(id: string): Promise<TaskResult | undefined> {
    const data = this.#recorded.get(id);
    return data && new TaskResult(data, this.#source);
  }

  async cancel(id: string): Promise<TaskResult | undefined> {
    const data = this.#recorded.get(id);
    return data && new TaskResult(await this.#cancel(data), this.#source);
  }

  async retry(id: string): Promise<TaskResult | undefined> {
    const data = this.#recorded.get(id);
    return data && new TaskResult(await this.#retry(data), this.#source);
  }

  cancelMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#actOnMatching(filter, dryRun, (data) => this.#cancel(data));
  }

  /** As on the database, a task whose key another task holds (one retried just before it, say) is left as it is. */
  retryMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#actOnMatching(filter, dryRun, (data) => this.#retry(data), (data) => this.#holderOf(data) === undefined);
  }

  /** Every task enqueued (and committed) since the last clear(), oldest first. Each is NEW (or CANCELLED): nothing runs. */
  get results(): TaskResult[] {
    return [...this.#recorded.values()].map((data) => new TaskResult(data, this.#source));
  }

  clear(): void {
    this.#recorded.clear();
  }

  /** Records the task, or, when a recorded task holds its key, returns that one (with onConflict "replace", updated). */
  #record(prepared: PreparedTask): Enqueued<TaskResultData> {
    const holder = this.#holderOf(prepared);
    if (holder === undefined) {
      const data = enqueuedData(prepared);
      this.#recorded.set(data.id, data);
      return [data, "stored"];
    }
    if (prepared.onConflict === "skip") return [holder, "deduplicated"];
    const replaced = { ...holder, args: prepared.argsValue, priority: prepared.priority, runAfter: prepared.runAfter };
    this.#recorded.set(holder.id, replaced);
    return [replaced, "replaced"];
  }

  /** The recorded task that holds the key of `task` (the same name and key, NEW), if any. */
  #holderOf(task: Pick<TaskResultData, "id" | "taskName" | "uniqueKey">): TaskResultData | undefined {
    if (task.uniqueKey === null) return undefined;
    for (const data of this.#recorded.values()) {
      if (data.status === TaskStatus.NEW && data.taskName === task.taskName && data.uniqueKey === task.uniqueKey && data.id !== task.id) return data;
    }
    return undefined;
  }

  #found(id: string): TaskResultData {
    const data = this.#recorded.get(id);
    if (!data) throw new TaskResultDoesNotExist(id);
    return data;
  }

  #cancel(data: TaskResultData): Promise<TaskResultData> {
    return this.#change(data, cancelled);
  }

  #retry(data: TaskResultData): Promise<TaskResultData> {
    // Refused at once, also inside a transaction that would apply the retry only at its commit.
    checkRetryable(data);
    const holder = this.#holderOf(data);
    if (holder) throw new UniqueKeyHeld({ ...data, uniqueKey: data.uniqueKey! }, holder);
    return this.#change(data, retried);
  }

  /** Records `change` of the task as it is then: now, or at the caller's commit (unless clear() came first). */
  #change(data: TaskResultData, change: (data: TaskResultData) => TaskResultData): Promise<TaskResultData> {
    return atCommit(data, async () => {
      const current = this.#recorded.get(data.id);
      if (!current) return data;
      const changed = change(current);
      this.#recorded.set(data.id, changed);
      return changed;
    });
  }

  /** Acts on the matching tasks that are `eligible` when their turn comes; returns the ids it acted on (dry: would). */
  async #actOnMatching(
    filter: TaskFilter,
    dryRun: boolean,
    act: (data: TaskResultData) => Promise<TaskResultData>,
    eligible: (data: TaskResultData) => boolean = () => true,
  ): Promise<string[]> {
    const matching = [...this.#recorded.values()].filter((data) => matchesFilter(data, filter));
    if (dryRun) return matching.map((data) => data.id);
    const acted: string[] = [];
    for (const data of matching) {
      if (!eligible(data)) continue;
      await act(data);
      acted.push(data.id);
    }
    return acted;
  }
}
