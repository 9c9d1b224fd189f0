// withTasks(): the Prisma client extension that adds $tasks and binds enqueues to interactive transactions.
import { Prisma } from "@prisma/client/extension";
import { createBackends, type BackendConfig, type TaskHooks } from "./backends/index.js";
import { dialectFor, type SqlClient } from "./dialects/index.js";
import { InvalidConfig, NestedTransaction } from "./errors.js";
import { TaskRegistry, type AnyTask } from "./task.js";
import { TasksClient } from "./tasks-client.js";
import type { TaskResult } from "./result.js";
import { Reporter } from "./reporter.js";
import { runInTransaction, type TransactionScope } from "./transaction.js";
import type { LogEntry } from "./worker/log.js";
import { DatabaseBackend } from "./backends/database.js";
import { InvalidSchedule } from "./errors.js";
import { resolveSchedules, type Schedule, type ScheduleConfig } from "./schedules.js";

export interface TasksConfig extends TaskHooks {
  /** Every task this app enqueues or runs. Names must be unique. */
  tasks: Iterable<AnyTask>;
  /** Backend aliases; by default one `default` database backend serving every queue. */
  backends?: Record<string, BackendConfig>;
  /**
   * Receives a structured entry for each failure that must not fail the work around it: a hook that threw, work after
   * a commit. console.error by default. A worker sends them to its own log while it runs.
   */
  log?: (entry: LogEntry) => void;
  /**
   * PostgreSQL: the client connects through a pooler in transaction mode (PgBouncer, Supavisor, a Neon pooled host), so
   * prisma-tasks sends no statement that depends on its session. By default, as the client's URL says: `pgbouncer=true`.
   */
  transactionPooler?: boolean;
  /**
   * Tasks to enqueue on a cron schedule, one per slot whatever the number of workers (each runs the scheduler unless
   * started with --no-schedules): `{ task, cron, tz?, args?, key?, backfill? }`.
   */
  schedules?: readonly ScheduleConfig[];
}

type TransactionFn = (this: unknown, ...args: unknown[]) => Promise<unknown>;

/** Connections of prisma-tasks' own pool: enough for a worker's claim, outcome write and leases side by side. */
export const POOL_SIZE = 5;

/** The `tx` clients handed to $transaction callbacks, so that `tx.$transaction` can be refused. */
const transactionClients = new WeakSet<object>();

/** The callback's `tx`: Prisma's transaction client, with a `$tasks` that stays bound to this transaction. */
function transactionClient(tx: SqlClient, $tasks: TasksClient): SqlClient {
  const client = new Proxy(tx, { get: (target, key) => (key === "$tasks" ? $tasks : Reflect.get(target, key)) });
  transactionClients.add(client);
  return client;
}

async function runAfterCommit(scope: TransactionScope, reporter: Reporter): Promise<void> {
  for (const hook of scope.afterCommit) {
    try {
      await hook();
    } catch (error) {
      reporter.afterCommitFailed(error);
    }
  }
}

/** Hooks observe; a failing hook is reported and never undoes or fails the work it observed. */
function reportingHook(name: keyof TaskHooks, hook: ((result: TaskResult) => unknown) | undefined, reporter: Reporter) {
  return (
    hook &&
    (async (result: TaskResult) => {
      try {
        await hook(result);
      } catch (error) {
        reporter.hookFailed(name, result, error);
      }
    })
  );
}

/** Workers run schedules: a schedule's task goes to a database backend that serves its queue. */
function checkScheduleBackend(schedule: Schedule, backends: ReadonlyMap<string, { kind: string; queues: readonly string[] | "*" }>): void {
  const { task } = schedule;
  const backend = backends.get(task.backend);
  const label = JSON.stringify(schedule.key);
  if (!(backend instanceof DatabaseBackend)) {
    const what = backend ? `${/^[aeiou]/.test(backend.kind) ? "an" : "a"} ${backend.kind} backend` : "not configured";
    throw new InvalidSchedule(label, "task", task, `goes to backend "${task.backend}", which is ${what}; workers run schedules, so its task must go to a { backend: "database" } entry`);
  }
  if (backend.queues !== "*" && !backend.queues.includes(task.queueName)) {
    throw new InvalidSchedule(label, "task", task, `goes to queue "${task.queueName}", which backend "${backend.alias}" does not serve (it serves ${backend.queues.join(", ")})`);
  }
}

export function withTasks(config: TasksConfig) {
  if (typeof config !== "object" || config === null || config.tasks === undefined) {
    throw new InvalidConfig('withTasks needs { tasks: [...] }. Fix: withTasks({ tasks: [sendWelcomeEmail], backends: { default: { backend: "database" } } }).');
  }
  if (config.transactionPooler !== undefined && typeof config.transactionPooler !== "boolean") {
    throw new InvalidConfig(`withTasks option transactionPooler: ${JSON.stringify(config.transactionPooler)} must be true or false (or left out, to follow the URL's pgbouncer=true).`);
  }
  const registry = new TaskRegistry(config.tasks);
  const schedules = resolveSchedules(config.schedules, registry);
  const reporter = new Reporter(config.log);
  const hooks: TaskHooks = {
    onEnqueued: reportingHook("onEnqueued", config.onEnqueued, reporter),
    onStarted: reportingHook("onStarted", config.onStarted, reporter),
    onFinished: reportingHook("onFinished", config.onFinished, reporter),
  };

  return Prisma.defineExtension((client) => {
    const sqlClient = client as unknown as SqlClient;
    const dialect = dialectFor(client, { transactionPooler: config.transactionPooler });
    const pool = dialect.openPool(POOL_SIZE);
    const sql = pool ?? sqlClient;
    const backends = createBackends(config.backends, { dialect, client: sql }, hooks);
    try {
      for (const schedule of schedules) checkScheduleBackend(schedule, backends);
    } catch (error) {
      // The pool has connected to nothing yet; ended, it keeps nothing open for a client the app cannot use.
      void pool?.end();
      throw error;
    }
    const $tasks = new TasksClient({
      registry,
      schedules,
      backends,
      dialect,
      client: sqlClient,
      sql,
      hooks,
      reporter,
    });
    const baseDisconnect = (client as unknown as { $disconnect: TransactionFn }).$disconnect;

    async function $disconnect(this: unknown): Promise<unknown> {
      await pool?.end();
      return baseDisconnect.call(this);
    }
    const baseTransaction = (client as unknown as { $transaction: TransactionFn }).$transaction;

    // `prisma.$tasks` finds the caller's transaction through AsyncLocalStorage; `tx.$tasks` is bound to its own,
    // so a `tx` kept past its callback refuses to enqueue instead of silently writing outside the transaction.
    async function $transaction(this: unknown, ...args: unknown[]): Promise<unknown> {
      const [callback, options] = args;
      if (typeof callback !== "function") return baseTransaction.apply(this, args);
      if (typeof this === "object" && this !== null && transactionClients.has(this)) throw new NestedTransaction();
      let scope: TransactionScope | undefined;
      const result = await baseTransaction.call(
        this,
        (tx: SqlClient) => {
          scope = { tx, open: true, afterCommit: [] };
          const current = scope;
          const client = transactionClient(tx, $tasks.forTransaction(current));
          return runInTransaction(current, async () => {
            try {
              return await (callback as (tx: unknown) => unknown)(client);
            } finally {
              current.open = false;
            }
          });
        },
        options,
      );
      if (scope) await runAfterCommit(scope, reporter);
      return result;
    }

    // Typed without $transaction, so the client keeps Prisma's own $transaction types.
    const members = { $tasks, $transaction, $disconnect } as unknown as { $tasks: TasksClient };
    return client.$extends({ name: "prisma-tasks", client: members });
  });
}
