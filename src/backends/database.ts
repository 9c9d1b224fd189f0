// The database backend: tasks are rows in task_results, inserted through the caller's client or transaction.
import { BULK_BATCH, RETRYABLE, type TaskFilter } from "../control.js";
import type { BackendTaskFilter, Dialect, SqlClient, StoredTask } from "../dialects/types.js";
import { TaskNotRetryable, TaskResultDoesNotExist, TasksError, UniqueKeyHeld } from "../errors.js";
import { TaskResult, TaskStatus, type EnqueueOutcome, type ResultSource, type TaskResultData } from "../result.js";
import { currentTransaction } from "../transaction.js";
import { isUniqueViolation } from "../worker/database-errors.js";
import { enqueuedData, resultData } from "./stored.js";
import type { Backend, PreparedTask } from "./types.js";
import { enqueueDistinct, keyOf, type Enqueued } from "./unique.js";

/** Tries of one bulk batch that keys taken meanwhile refuse: each refusal means another writer just took a key. */
const MAX_BATCH_TRIES = 5;
/**
 * Rounds of a keyed enqueue before it gives up. Each round, another transaction changed a key's holder; so many in a row
 * mean the database and JavaScript disagree on which keys are equal (MySQL's collations ignore trailing spaces).
 */
const MAX_KEYED_ROUNDS = 50;

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
    // A batch is keyed as a whole (its task's unique.key, or enqueue's uniqueKey) or not at all.
    if (tasks[0]?.uniqueKey === null) {
      await this.#dialect.insertTasks(client, tasks);
      return tasks.map((prepared) => this.pending(prepared));
    }
    const enqueued = await enqueueDistinct(tasks, (distinct) => this.#enqueueKeyed(client, distinct));
    return enqueued.map(([data, outcome]) => new TaskResult(data, this.#source, outcome));
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
   * Acts on this backend's matching rows a batch at a time, in id order, until a batch changes nothing; dry, only
   * lists them, until a page comes back short. Each batch starts after the last id the one before changed, so no task
   * is acted on twice in one call: a retried task that fails again before the next batch stays FAILED, and the call
   * ends however fast tasks fail. PostgreSQL's SKIP LOCKED passes over rows another transaction holds (a claim's, say)
   * and goes on filling the batch from the rest, so only such rows are left out.
   */
  async #bulk(filter: TaskFilter, dryRun: boolean, act: (client: SqlClient, filter: BackendTaskFilter) => Promise<string[]>): Promise<string[]> {
    const client = this.#current();
    const mine = { ...filter, backend: this.alias };
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const batch = dryRun ? await this.#dialect.matchingTasks(client, mine, after, BULK_BATCH) : await this.#batch(client, { ...mine, after }, act);
      ids.push(...batch);
      // Ids sort as their text does (lowercase hex, dashes in fixed places), in JavaScript as in the database.
      for (const id of batch) if (after === undefined || id > after) after = id;
      // A retry may leave some of a full batch as they are (tasks that share a unique key), so only an empty batch
      // says that nothing is left to act on.
      if (dryRun ? batch.length < BULK_BATCH : batch.length === 0) return ids;
    }
  }

  /**
   * Keyed tasks, one per key: each is stored where its key is free, else the task that holds the key is replaced (a
   * NEW one, with onConflict "replace") or returned. A holder may start or end between two statements (a claim frees a
   * "queued" key; a replace may find a holder committed after its snapshot), so a task left with neither goes round
   * again; each round, another transaction has changed the key's holder meanwhile.
   */
  async #enqueueKeyed(client: SqlClient, tasks: readonly PreparedTask[]): Promise<Enqueued<TaskResultData>[]> {
    const settled = new Map<PreparedTask, Enqueued<TaskResultData>>();
    const settle = (pending: readonly PreparedTask[], holders: readonly StoredTask[], outcome: EnqueueOutcome) => {
      const byKey = new Map(holders.map((holder) => [keyOf(holder), holder]));
      for (const task of pending) {
        const holder = byKey.get(keyOf(task));
        if (holder) settled.set(task, [resultData(holder), outcome]);
      }
      return pending.filter((task) => !settled.has(task));
    };
    let pending = tasks;
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_KEYED_ROUNDS) {
        const keys = pending.map((task) => JSON.stringify(task.uniqueKey)).join(", ");
        throw new TasksError(
          `could not store or find the holder of unique key(s) ${keys} after ${MAX_KEYED_ROUNDS} tries: the database takes them ` +
            `for a key another task holds, written differently. Fix: on MySQL, do not end unique keys with spaces (its collations ignore them).`,
        );
      }
      const stored = new Set(await this.#dialect.insertUniqueTasks(client, pending));
      for (const task of pending) if (stored.has(task.id)) settled.set(task, [enqueuedData(task), "stored"]);
      pending = pending.filter((task) => !settled.has(task));
      const replacing = pending[0]?.onConflict === "replace";
      if (replacing) pending = settle(pending, await this.#dialect.replaceHeldTasks(client, pending), "replaced");
      if (pending.length === 0) break;
      const holders = await this.#dialect.findKeyHolders(client, pending);
      // A NEW holder that the replace did not find came after it: the next round replaces it.
      pending = settle(pending, replacing ? holders.filter((holder) => holder.status !== TaskStatus.NEW) : holders, "deduplicated");
    }
    return tasks.map((task) => settled.get(task)!);
  }

  /**
   * One batch of a bulk change. A retry whose key another transaction took after the statement looked (and that
   * committed before it wrote) fails whole; the next try no longer selects that row, the key's holder being visible.
   */
  async #batch(client: SqlClient, filter: BackendTaskFilter, act: (client: SqlClient, filter: BackendTaskFilter) => Promise<string[]>): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await act(client, filter);
      } catch (error) {
        if (!isUniqueViolation(error) || currentTransaction()?.open || attempt === MAX_BATCH_TRIES) throw error;
      }
    }
  }

  async #cancel(id: string): Promise<StoredTask | undefined> {
    const client = this.#current();
    // A cancel that changed nothing (finished, already requested, or lost a race) reports the row as it stands.
    return (await this.#dialect.cancelTask(client, id)) ?? (await this.#dialect.fetchTask(client, id));
  }

  async #retry(id: string): Promise<StoredTask | undefined> {
    const client = this.#current();
    let retried: StoredTask | undefined;
    try {
      retried = await this.#dialect.retryTask(client, id);
    } catch (error) {
      // Another transaction took the key after the statement looked and committed before it wrote: the holder is
      // visible now, and is named below. Inside the caller's transaction PostgreSQL has aborted it: say why as is.
      if (!isUniqueViolation(error) || currentTransaction()?.open) throw error;
    }
    if (retried) return retried;
    const stored = await this.#dialect.fetchTask(client, id);
    if (!stored) return undefined;
    if (!RETRYABLE.includes(stored.status)) throw new TaskNotRetryable(id, stored.status, stored.taskName);
    const [holder] = stored.uniqueKey === null ? [] : await this.#dialect.findKeyHolders(client, [stored]);
    if (holder) throw new UniqueKeyHeld({ ...stored, uniqueKey: stored.uniqueKey! }, holder);
    // Its key's holder ended between the two statements, or another retry of it won: try again.
    return this.#retry(id);
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
