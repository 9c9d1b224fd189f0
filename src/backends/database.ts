// The database backend: tasks are rows in task_results, inserted through the caller's client or transaction.
import { BULK_BATCH, type TaskFilter } from "../control.js";
import type { BackendTaskFilter, Dialect, SqlClient, StoredTask } from "../dialects/types.js";
import { TaskNotRetryable, TaskResultDoesNotExist } from "../errors.js";
import { TaskResult, type ResultSource, type TaskResultData } from "../result.js";
import { currentTransaction } from "../transaction.js";
import { enqueuedData, resultData } from "./stored.js";
import type { Backend, PreparedTask } from "./types.js";

export class DatabaseBackend implements Backend {
  readonly kind = "database";
  readonly capabilities = { joinsTransactions: true, supportsGetResult: true, usesWorkers: true, supportsDefer: true, supportsPriority: true };
  readonly #dialect: Dialect;
  readonly #client: SqlClient;
  readonly #source: ResultSource;

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
    dialect: Dialect,
    client: SqlClient,
  ) {
    this.#dialect = dialect;
    this.#client = client;
    const found = async (id: string, stored: Promise<StoredTask | undefined>): Promise<TaskResultData> => {
      const row = await stored;
      if (!row) throw new TaskResultDoesNotExist(id);
      return resultData(row);
    };
    this.#source = {
      fetch: (id) => found(id, dialect.fetchTask(this.#current(), id)),
      cancel: (id) => found(id, this.#cancel(id)),
      retry: (id) => found(id, this.#retry(id)),
    };
  }

  async enqueue(tasks: readonly PreparedTask[], client: SqlClient): Promise<TaskResult[]> {
    await this.#dialect.insertTasks(client, tasks);
    return tasks.map((prepared) => this.pending(prepared));
  }

  pending(prepared: PreparedTask): TaskResult {
    return new TaskResult(enqueuedData(prepared), this.#source);
  }

  async getResult(id: string, client: SqlClient): Promise<TaskResult | undefined> {
    const stored = await this.#dialect.fetchTask(client, id);
    return stored && this.#result(stored);
  }

  async cancel(id: string): Promise<TaskResult | undefined> {
    const stored = await this.#cancel(id);
    return stored && this.#result(stored);
  }

  async retry(id: string): Promise<TaskResult | undefined> {
    const stored = await this.#retry(id);
    return stored && this.#result(stored);
  }

  cancelMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#bulk(filter, dryRun, (client, mine) => this.#dialect.cancelTasks(client, mine, BULK_BATCH));
  }

  retryMany(filter: TaskFilter, dryRun: boolean): Promise<string[]> {
    return this.#bulk(filter, dryRun, (client, mine) => this.#dialect.retryTasks(client, mine, BULK_BATCH));
  }

  /**
   * Acts on this backend's matching rows a batch at a time, until a batch comes back short; dry, only lists them.
   * A short batch means no free matching row is left: PostgreSQL's SKIP LOCKED passes over rows another transaction
   * holds and goes on filling the batch from the rest, so only held rows are left out, as a claim's rows would be.
   */
  async #bulk(filter: TaskFilter, dryRun: boolean, act: (client: SqlClient, filter: BackendTaskFilter) => Promise<string[]>): Promise<string[]> {
    const client = this.#current();
    const mine = { ...filter, backend: this.alias };
    const ids: string[] = [];
    for (;;) {
      const batch = dryRun
        ? await this.#dialect.matchingTasks(client, mine, ids.at(-1), BULK_BATCH)
        : await act(client, mine);
      ids.push(...batch);
      if (batch.length < BULK_BATCH) return ids;
    }
  }

  async #cancel(id: string): Promise<StoredTask | undefined> {
    const client = this.#current();
    // A cancel that changed nothing (finished, already requested, or lost a race) reports the row as it stands.
    return (await this.#dialect.cancelTask(client, id)) ?? (await this.#dialect.fetchTask(client, id));
  }

  async #retry(id: string): Promise<StoredTask | undefined> {
    const client = this.#current();
    const retried = await this.#dialect.retryTask(client, id);
    if (retried) return retried;
    const stored = await this.#dialect.fetchTask(client, id);
    if (stored) throw new TaskNotRetryable(id, stored.status, stored.taskName);
    return undefined;
  }

  #result(stored: StoredTask): TaskResult {
    return new TaskResult(resultData(stored), this.#source);
  }

  /** The caller's open transaction, so what it does commits or rolls back with it; else the backend's own client. */
  #current(): SqlClient {
    const scope = currentTransaction();
    return scope?.open ? scope.tx : this.#client;
  }
}
