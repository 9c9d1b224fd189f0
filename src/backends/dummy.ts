// The dummy backend: records what was enqueued (after commit, in a transaction) and runs nothing; for tests.
import { TaskResult } from "../result.js";
import { enqueuedData } from "./stored.js";
import { MemoryResults } from "./memory.js";
import type { Backend, EnqueueScope, PreparedTask } from "./types.js";

export class DummyBackend implements Backend {
  readonly kind = "dummy";
  readonly capabilities = { persistsResults: false, usesWorkers: false, supportsDefer: true, supportsPriority: true };
  readonly #store = new MemoryResults();

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
  ) {}

  /** Every task enqueued (and committed) so far, oldest first. Each is NEW: nothing runs. */
  get results(): TaskResult[] {
    return this.#store.all();
  }

  clear(): void {
    this.#store.clear();
  }

  async enqueue(tasks: readonly PreparedTask[], scope: EnqueueScope): Promise<TaskResult[]> {
    const record = () => tasks.map((prepared) => this.#store.result(this.#store.add(prepared).id)!);
    if (!scope.transaction) return record();
    scope.transaction.afterCommit.push(record);
    // Until the commit records them, these results exist only here; refresh() finds them once it has.
    return tasks.map((prepared) => new TaskResult(enqueuedData(prepared), this.#store));
  }

  async getResult(id: string): Promise<TaskResult | undefined> {
    return this.#store.result(id);
  }
}
