// Results kept in process memory, for the immediate and dummy backends: a store, and the backend half they share.
import { matchesFilter, RETRYABLE, type TaskFilter } from "../control.js";
import { TaskCancelled, TaskNotRetryable, TaskResultDoesNotExist } from "../errors.js";
import { TaskResult, TaskStatus, type ResultSource, type TaskResultData } from "../result.js";
import { currentTransaction } from "../transaction.js";
import { enqueuedData } from "./stored.js";
import type { Backend, BackendKind, PreparedTask } from "./types.js";

class MemoryResults {
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

  get(id: string): TaskResultData | undefined {
    return this.#byId.get(id);
  }

  all(): TaskResultData[] {
    return [...this.#byId.values()];
  }

  clear(): void {
    this.#byId.clear();
  }
}

function found(id: string, data: TaskResultData | undefined): TaskResultData {
  if (!data) throw new TaskResultDoesNotExist(id);
  return data;
}

/**
 * A backend whose tasks live in this process: enqueue records them (after the commit, when in a transaction). Cancel
 * and retry, too, act once the caller's transaction commits and never after a rollback; until then they report the
 * task as it stands.
 */
export abstract class MemoryBackend implements Backend {
  abstract readonly kind: BackendKind;
  abstract readonly capabilities: Backend["capabilities"];
  protected readonly store = new MemoryResults();
  /** What this backend's results refresh, cancel and retry through. */
  protected readonly source: ResultSource = {
    fetch: async (id) => found(id, this.store.get(id)),
    cancel: async (id) => found(id, await this.#cancel(id)),
    retry: async (id) => found(id, await this.#retry(id)),
  };

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
  ) {}

  async enqueue(tasks: readonly PreparedTask[]): Promise<TaskResult[]> {
    return tasks.map((prepared) => this.result(this.store.add(prepared)));
  }

  pending(prepared: PreparedTask): TaskResult {
    return this.result(enqueuedData(prepared));
  }

  async getResult(id: string): Promise<TaskResult | undefined> {
    const data = this.store.get(id);
    return data && this.result(data);
  }

  async cancel(id: string): Promise<TaskResult | undefined> {
    const data = await this.#cancel(id);
    return data && this.result(data);
  }

  async retry(id: string): Promise<TaskResult | undefined> {
    const data = await this.#retry(id);
    return data && this.result(data);
  }

  cancelMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#actOnMatching(filter, dryRun, (id) => this.#cancel(id));
  }

  retryMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#actOnMatching(filter, dryRun, (id) => this.#retry(id));
  }

  protected result(data: TaskResultData): TaskResult {
    return new TaskResult(data, this.source);
  }

  /** What follows a retry: the immediate backend runs the task again; the dummy backend leaves it NEW. */
  protected async afterRetry(data: TaskResultData): Promise<TaskResultData> {
    return data;
  }

  /** NEW becomes CANCELLED; nothing else changes (tasks here run to their end inside enqueue, never in between). */
  #cancel(id: string): Promise<TaskResultData | undefined> {
    return this.#act(id, async (data) => {
      if (data.status !== TaskStatus.NEW) return data;
      const now = new Date();
      const entry = { exceptionClass: "TaskCancelled", message: new TaskCancelled(data.taskName, id).message, traceback: "" };
      return this.store.update(id, { status: TaskStatus.CANCELLED, finishedAt: now, cancelRequestedAt: now, errors: [...data.errors, entry] });
    });
  }

  #retry(id: string): Promise<TaskResultData | undefined> {
    const retryable = (data: TaskResultData) => {
      if (!RETRYABLE.includes(data.status)) throw new TaskNotRetryable(id, data.status, data.taskName);
    };
    const data = this.store.get(id);
    // Refused at once, also inside a transaction that would apply the retry only at its commit.
    if (data) retryable(data);
    return this.#act(id, async (current) => {
      retryable(current);
      const retried = this.store.update(id, {
        status: TaskStatus.NEW,
        finishedAt: null,
        runAfter: new Date(),
        cancelRequestedAt: null,
        maxAttempts: Math.max(current.maxAttempts, current.attempts + 1),
      });
      return this.afterRetry(retried);
    });
  }

  async #actOnMatching(filter: TaskFilter, dryRun: boolean, act: (id: string) => Promise<unknown>): Promise<string[]> {
    const ids = this.store.all().filter((data) => matchesFilter(data, filter)).map((data) => data.id);
    if (!dryRun) for (const id of ids) await act(id);
    return ids;
  }

  /** Applies `change` now, or once the caller's open transaction commits; undefined when there is no such task. */
  async #act(id: string, change: (data: TaskResultData) => Promise<TaskResultData>): Promise<TaskResultData | undefined> {
    const data = this.store.get(id);
    if (!data) return undefined;
    const scope = currentTransaction();
    if (!scope?.open) return change(data);
    scope.afterCommit.push(async () => {
      const current = this.store.get(id);
      if (current) await change(current);
    });
    return data;
  }
}
