// The database backend: tasks are rows in task_results, inserted through the caller's client or transaction.
import type { Dialect, SqlClient } from "../dialects/types.js";
import { TaskResultDoesNotExist } from "../errors.js";
import { TaskResult, type ResultSource } from "../result.js";
import { currentTransaction } from "../transaction.js";
import { enqueuedData, resultData } from "./stored.js";
import type { Backend, PreparedTask } from "./types.js";

export class DatabaseBackend implements Backend {
  readonly kind = "database";
  readonly capabilities = { joinsTransactions: true, supportsGetResult: true, usesWorkers: true, supportsDefer: true, supportsPriority: true };
  readonly #dialect: Dialect;
  readonly #source: ResultSource;

  constructor(
    readonly alias: string,
    readonly queues: readonly string[] | "*",
    dialect: Dialect,
    client: SqlClient,
  ) {
    this.#dialect = dialect;
    // refresh() inside an open transaction reads through it, so a task enqueued there is visible to its own caller.
    this.#source = {
      fetch: async (id) => {
        const scope = currentTransaction();
        const stored = await dialect.fetchTask(scope?.open ? scope.tx : client, id);
        if (!stored) throw new TaskResultDoesNotExist(id);
        return resultData(stored);
      },
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
    return stored && new TaskResult(resultData(stored), this.#source);
  }
}
