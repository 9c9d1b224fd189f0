// The dummy backend: records what was enqueued (after commit, in a transaction) and runs nothing; for tests.
// What it records stays until clear(): reading it back is its purpose.
import { TaskResultDoesNotExist } from "../errors.js";
import { TaskResult, type ResultSource, type TaskResultData } from "../result.js";
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
    fetch: async (id) => {
      const data = this.#recorded.get(id);
      if (!data) throw new TaskResultDoesNotExist(id);
      return data;
    },
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

  /** Every task enqueued (and committed) since the last clear(), oldest first. Each is NEW: nothing runs. */
  get results(): TaskResult[] {
    return [...this.#recorded.values()].map((data) => new TaskResult(data, this.#source));
  }

  clear(): void {
    this.#recorded.clear();
  }
}
