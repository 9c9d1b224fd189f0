// The dummy backend: records what was enqueued (after commit, in a transaction) and runs nothing; for tests.
// What it records stays until clear(): reading it back is its purpose. Cancel and retry change the record.
import { matchesFilter, type TaskFilter } from "../control.js";
import { TaskResultDoesNotExist } from "../errors.js";
import { TaskResult, type ResultSource, type TaskResultData } from "../result.js";
import { atCommit, cancelled, checkRetryable, retried } from "./in-process.js";
import { enqueuedData } from "./stored.js";
import type { Backend, PreparedTask } from "./types.js";

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
    return tasks.map((prepared) => {
      const data = enqueuedData(prepared);
      this.#recorded.set(data.id, data);
      return new TaskResult(data, this.#source);
    });
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

  retryMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#actOnMatching(filter, dryRun, (data) => this.#retry(data));
  }

  /** Every task enqueued (and committed) since the last clear(), oldest first. Each is NEW (or CANCELLED): nothing runs. */
  get results(): TaskResult[] {
    return [...this.#recorded.values()].map((data) => new TaskResult(data, this.#source));
  }

  clear(): void {
    this.#recorded.clear();
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

  async #actOnMatching(filter: TaskFilter, dryRun: boolean, act: (data: TaskResultData) => Promise<TaskResultData>): Promise<string[]> {
    const matching = [...this.#recorded.values()].filter((data) => matchesFilter(data, filter));
    if (!dryRun) for (const data of matching) await act(data);
    return matching.map((data) => data.id);
  }
}
