// Results kept in process memory, for the immediate and dummy backends: a store, and the backend half they share.
import { TaskResultDoesNotExist } from "../errors.js";
import { TaskResult, type ResultSource, type TaskResultData } from "../result.js";
import { enqueuedData } from "./stored.js";
import type { Backend, BackendKind, PreparedTask } from "./types.js";

class MemoryResults implements ResultSource {
  readonly #byId = new Map<string, TaskResultData>();

  add(prepared: PreparedTask): TaskResultData {
    const data = enqueuedData(prepared);
    this.#byId.set(data.id, data);
    return data;
  }

  update(id: string, change: Partial<TaskResultData>): TaskResultData {
    const data = { ...this.#byId.get(id)!, ...change };
    this.#byId.set(id, data);
    return data;
  }

  result(id: string): TaskResult | undefined {
    const data = this.#byId.get(id);
    return data && new TaskResult(data, this);
  }

  all(): TaskResult[] {
    return [...this.#byId.values()].map((data) => new TaskResult(data, this));
  }

  clear(): void {
    this.#byId.clear();
  }

  async fetch(id: string): Promise<TaskResultData> {
    const data = this.#byId.get(id);
    if (!data) throw new TaskResultDoesNotExist(id);
    return data;
  }
}

/** A backend whose tasks live in this process: enqueue records them (after the commit, when in a transaction). */
export abstract class MemoryBackend implements Backend {
  abstract readonly kind: BackendKind;
  abstract readonly capabilities: Backend["capabilities"];
  protected readonly store = new MemoryResults();

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
  ) {}

  async enqueue(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    return tasks.map((prepared) => new TaskResult(this.store.add(prepared), this.store));
  }

  pending(prepared: PreparedTask): TaskResult {
    return new TaskResult(enqueuedData(prepared), this.store);
  }

  async getResult(id: string): Promise<TaskResult | undefined> {
    return this.store.result(id);
  }
}
