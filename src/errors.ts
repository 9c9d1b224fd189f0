// The error classes prisma-tasks throws, each naming the task, the offending value and the fix.
import type { z } from "zod";

/** Base of every error prisma-tasks throws, so `catch (e) { if (e instanceof TasksError) ... }` catches them all. */
export class TasksError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** How messages show a value: short, unambiguous, and never throwing (values come from users). */
function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
      case "number":
        return Object.is(value, -0) ? "-0" : String(value);
      case "bigint":
        return `${value}n`;
      case "boolean":
      case "undefined":
        return String(value);
      case "symbol":
        return value.toString();
      case "function":
        return value.name ? `function ${value.name}` : "an anonymous function";
    }
    if (value === null) return "null";
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? "an invalid Date" : `Date ${value.toISOString()}`;
    }
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const json = JSON.stringify(value);
      return json.length > 80 ? `${json.slice(0, 77)}...` : json;
    }
    return `an instance of ${constructorName(value as object) ?? "an unnamed class"}`;
  } catch {
    return "an unprintable value";
  }
}

export function constructorName(value: object): string | undefined {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === "function" && ctor.name ? ctor.name : undefined;
}

/** One step of a path into args, spelled as JavaScript would access it: `.user`, `[2]`, `["first name"]`. */
export function pathSegment(key: PropertyKey): string {
  if (typeof key === "number") return `[${key}]`;
  if (typeof key === "symbol") return `[${key.toString()}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function taskLabel(taskName: string | undefined): string {
  return taskName === undefined ? "task()" : `Task "${taskName}"`;
}

/** A task definition, a `.using()` override or an enqueue option breaks a rule. */
export class InvalidTask extends TasksError {
  readonly taskName: string | undefined;
  readonly field: string;
  readonly value: unknown;

  /** `rule` reads as the fix, e.g. "must be an integer between -100 and 100". */
  constructor(params: { taskName?: string | undefined; field: string; value: unknown; rule: string }) {
    super(`${taskLabel(params.taskName)}: ${params.field} ${params.rule}; got ${describeValue(params.value)}.`);
    this.taskName = params.taskName;
    this.field = params.field;
    this.value = params.value;
  }
}

/** Two different task definitions share one name, so a worker could not tell which function a row means. */
export class DuplicateTaskName extends TasksError {
  readonly taskName: string;

  constructor(taskName: string) {
    super(
      `Two different tasks are named "${taskName}". The name is stored in each row and is how a worker ` +
        `finds the function, so it must be unique: rename one of them (e.g. "<module>.<function>").`,
    );
    this.taskName = taskName;
  }
}

/**
 * Spells a zod issue path the way a user reads their own args: `args.items[2].name`, or `argsList[637].name` for an
 * enqueueMany item, as SerializationError names paths.
 */
function formatIssuePath(path: readonly PropertyKey[], index: number | undefined): string {
  return `${index === undefined ? "args" : `argsList[${index}]`}${path.map(pathSegment).join("")}`;
}

/** The args given to enqueue (or read back by a worker) do not match the task's `args` schema. */
export class InvalidTaskArguments extends TasksError {
  readonly taskName: string;
  readonly issues: readonly z.core.$ZodIssue[];
  /** Position in the list given to `enqueueMany`, when the args came from one. */
  readonly index: number | undefined;

  constructor(taskName: string, issues: readonly z.core.$ZodIssue[], index?: number) {
    const lines = issues.map((issue) => `  - ${formatIssuePath(issue.path, index)}: ${issue.message}`);
    super(
      `Task "${taskName}" got invalid arguments:\n${lines.join("\n")}\n` +
        `Fix: pass arguments that match the task's args schema.`,
    );
    this.taskName = taskName;
    this.issues = issues;
    this.index = index;
  }
}

/** A value in args or in a return value would not come back from storage as it went in. */
export class SerializationError extends TasksError {
  readonly taskName: string;
  /** Where the value sits, e.g. `args.user.createdAt` or `returnValue.items[2]`. */
  readonly path: string;
  readonly reason: string;

  constructor(taskName: string, path: string, reason: string, fix: string) {
    super(`Task "${taskName}": cannot store ${path}: ${reason}. Fix: ${fix}.`);
    this.taskName = taskName;
    this.path = path;
    this.reason = reason;
  }
}

/** No stored result has this id. */
export class TaskResultDoesNotExist extends TasksError {
  readonly id: string;

  constructor(id: string) {
    super(
      `No task result with id ${describeValue(id)}. It may have been pruned (tasks-worker prune), ` +
        `its enqueueing transaction may have rolled back, or the id is wrong: check where the id came from.`,
    );
    this.id = id;
  }
}

/** `returnValue` was read before the task completed; `null` stays a legitimate return value this way. */
export class TaskResultNotReady extends TasksError {
  readonly id: string;
  readonly status: string;
  readonly taskName: string | undefined;

  constructor(id: string, status: string, taskName?: string) {
    const fix =
      status === "FAILED" || status === "CANCELLED"
        ? `the task ${status === "FAILED" ? "failed" : "was cancelled"}, so it has no return value: read result.errors instead`
        : "await result.refresh() until result.status is COMPLETE before reading returnValue";
    super(`${taskLabel(taskName)} result "${id}" has no return value while its status is ${status}. Fix: ${fix}.`);
    this.id = id;
    this.status = status;
    this.taskName = taskName;
  }
}

/**
 * getResult (or cancel, retry by id) was called where no backend keeps results to find by id (the immediate backend
 * keeps none).
 */
export class GetResultNotSupported extends TasksError {
  readonly id: string;
  /** The aliases of the configured backends, none of which keeps results. */
  readonly backendAliases: readonly string[];

  constructor(id: string, backendAliases: readonly string[], action: "getResult" | "cancel" | "retry" = "getResult") {
    const use = action === "getResult" ? "it is final, and refresh() works on it" : `result.${action}() acts on its task`;
    super(
      `${action}(${describeValue(id)}): no configured backend keeps results to find by id (${quoteList(backendAliases)}: ` +
        `immediate backends run each task before enqueue returns and keep nothing after; supportsGetResult is false). ` +
        `Fix: use the TaskResult that enqueue returned (${use}), or enqueue to a ` +
        `database backend when results must be found by id later.`,
    );
    this.id = id;
    this.backendAliases = backendAliases;
  }
}

/** The *_meta column of a stored row cannot be applied to its value: it was edited, or written by other software. */
export class CorruptStoredValue extends TasksError {
  readonly taskId: string;
  readonly taskName: string;
  readonly column: "args_meta" | "return_value_meta";

  constructor(params: { taskId: string; taskName: string; column: "args_meta" | "return_value_meta" }, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const value = params.column === "args_meta" ? "args" : "return value";
    super(
      `Task "${params.taskName}" (${params.taskId}): the stored ${value} cannot be read back, because its ` +
        `${params.column} column is not what prisma-tasks wrote (${reason}). Fix: put back the ${params.column} ` +
        `prisma-tasks stored (null when the value is plain JSON), or delete the row; edit only the plain JSON column.`,
      { cause },
    );
    this.taskId = params.taskId;
    this.taskName = params.taskName;
    this.column = params.column;
  }
}

/** A task or enqueue call names a backend alias that was not given to withTasks. */
export class UnknownBackend extends TasksError {
  readonly alias: string;
  readonly knownAliases: readonly string[];
  readonly taskName: string | undefined;

  constructor(alias: string, knownAliases: readonly string[], taskName?: string) {
    const known = `configured: ${quoteList(knownAliases)}`;
    super(
      `${taskLabel(taskName)}: unknown backend ${describeValue(alias)} (${known}). ` +
        `Fix: add it to withTasks({ backends }) or pick a configured alias with the backend option.`,
    );
    this.alias = alias;
    this.knownAliases = knownAliases;
    this.taskName = taskName;
  }
}

/** Enqueueing to a queue that the chosen backend does not list, so no worker would ever run the task. */
export class QueueNotServed extends TasksError {
  readonly taskName: string;
  readonly queueName: string;
  readonly backendAlias: string;
  readonly servedQueues: readonly string[];

  constructor(taskName: string, queueName: string, backendAlias: string, servedQueues: readonly string[]) {
    super(
      `Task "${taskName}": queue ${describeValue(queueName)} is not served by backend "${backendAlias}" ` +
        `(it serves ${quoteList(servedQueues)}). Fix: add the queue to that backend's queues in withTasks, ` +
        `or enqueue with a queueName it serves.`,
    );
    this.taskName = taskName;
    this.queueName = queueName;
    this.backendAlias = backendAlias;
    this.servedQueues = servedQueues;
  }
}

/** `tx.$tasks` was used after its interactive transaction committed or rolled back. */
export class TransactionClosed extends TasksError {
  readonly taskName: string | undefined;

  /** `action`: what was attempted, e.g. "enqueue into" or `cancel task "<id>" in`. */
  constructor(taskName?: string, action = "enqueue into") {
    super(
      `${taskName === undefined ? "prisma-tasks" : `Task "${taskName}"`}: cannot ${action} a transaction that has ` +
        `already committed or rolled back (through a tx kept past its $transaction callback, or from code the ` +
        `callback started that ran after it returned). Fix: await the call inside the callback, or make it outside ` +
        `any transaction on purpose.`,
    );
    this.taskName = taskName;
  }
}

/** A transaction was opened inside another one, which Prisma's interactive transactions cannot do. */
export class NestedTransaction extends TasksError {
  constructor() {
    super(
      "prisma-tasks: $transaction was called on a transaction client (tx); interactive transactions cannot nest. " +
        "Fix: do the work (and tx.$tasks.enqueue) directly on the outer tx.",
    );
  }
}

/** A worker claimed a row whose task name is not registered with it. */
export class UnknownTask extends TasksError {
  readonly taskName: string;

  constructor(taskName: string) {
    super(
      `Task "${taskName}" is not registered with this worker. Fix: add it to the tasks given to withTasks ` +
        `(and the worker's config), and deploy workers from the same code as the app that enqueues.`,
    );
    this.taskName = taskName;
  }
}

/** A task ran longer than its `timeoutMs` and was aborted through `ctx.signal`. */
export class TaskTimeout extends TasksError {
  readonly taskName: string;
  readonly timeoutMs: number;

  constructor(taskName: string, timeoutMs: number) {
    super(
      `Task "${taskName}" ran longer than its timeoutMs of ${timeoutMs} ms and was aborted. ` +
        `Fix: make it faster, let it stop early when ctx.signal aborts, or raise timeoutMs.`,
    );
    this.taskName = taskName;
    this.timeoutMs = timeoutMs;
  }
}

/** The worker running a task stopped renewing its lease (crashed, killed or cut off), so the task was recovered. */
export class WorkerLost extends TasksError {
  readonly workerId: string;

  constructor(workerId: string) {
    super(
      `Worker "${workerId}" stopped renewing its lease while running this task, so it is presumed dead ` +
        `(crashed, killed, or cut off from the database). Fix: check that worker's logs; give the task ` +
        `maxAttempts > 1 so it is retried after such a loss.`,
    );
    this.workerId = workerId;
  }
}

/** A running task was stopped by a forced worker shutdown (a second SIGTERM/SIGINT, or stop({ abort: true })). */
export class TaskAborted extends TasksError {
  readonly taskName: string;
  readonly workerId: string;

  constructor(taskName: string, workerId: string) {
    super(
      `Task "${taskName}" was aborted because worker "${workerId}" was forced to stop before it finished. ` +
        `Fix: stop workers with a single SIGTERM and let running tasks finish; give the task maxAttempts > 1 ` +
        `so an aborted attempt is retried.`,
    );
    this.taskName = taskName;
    this.workerId = workerId;
  }
}

/** A task was cancelled ($tasks.cancel, result.cancel() or tasks-worker cancel): the entry its errors end with. */
export class TaskCancelled extends TasksError {
  readonly taskName: string;
  readonly id: string;

  constructor(taskName: string, id: string) {
    super(`Task "${taskName}" (${id}) was cancelled. Fix: $tasks.retry("${id}") or tasks-worker retry ${id} runs it again.`);
    this.taskName = taskName;
    this.id = id;
  }
}

/** retry() was asked of a task that is not FAILED or CANCELLED: it is waiting, running, or has completed. */
export class TaskNotRetryable extends TasksError {
  readonly id: string;
  readonly status: string;
  readonly taskName: string;

  constructor(id: string, status: string, taskName: string) {
    const fix =
      status === "NEW"
        ? "none needed: it is already waiting to run"
        : status === "RUNNING"
          ? "wait for the attempt to end (or cancel it), then retry"
          : "it completed; enqueue it again to run it once more";
    super(`Task "${taskName}" result "${id}" cannot be retried while its status is ${status}: only FAILED and CANCELLED tasks can. Fix: ${fix}.`);
    this.id = id;
    this.status = status;
    this.taskName = taskName;
  }
}

/** retry() found the task's unique key held by another task: waiting, or running under unique.while "unfinished". */
export class UniqueKeyHeld extends TasksError {
  readonly id: string;
  readonly taskName: string;
  readonly uniqueKey: string;
  /** The task that holds the key. */
  readonly holderId: string;

  constructor(task: { id: string; taskName: string; uniqueKey: string }, holder: { id: string; status: string }) {
    super(
      `Task "${task.taskName}" result "${task.id}" cannot be retried: its unique key ${describeValue(task.uniqueKey)} is ` +
        `held by task ${holder.id} (${holder.status}). Fix: let ${holder.id} finish (or cancel it) and retry then, or ` +
        `leave this one as it is: ${holder.id} does the same work.`,
    );
    this.id = task.id;
    this.taskName = task.taskName;
    this.uniqueKey = task.uniqueKey;
    this.holderId = holder.id;
  }
}

/** cancelMany or retryMany was given a filter it cannot use. */
export class InvalidTaskFilter extends TasksError {
  readonly field: string;
  readonly value: unknown;

  /** `rule` reads as the fix, e.g. "must be FAILED or CANCELLED". */
  constructor(action: string, field: string, value: unknown, rule: string) {
    super(`${action}: filter${field === "filter" ? "" : `.${field}`} ${rule}; got ${describeValue(value)}.`);
    this.field = field;
    this.value = value;
  }
}

/** A worker could not reach its database when it started: a wrong address, a database that is down, or refused logins. */
export class DatabaseUnreachable extends TasksError {
  /** Where the worker tried to connect: host:port/database, or the provider. */
  readonly database: string;

  constructor(database: string, reason: string, waitedMs: number | undefined, options?: ErrorOptions) {
    const waited = waitedMs === undefined ? "" : ` within ${Math.round(waitedMs / 100) / 10} s`;
    const fix = waitedMs === undefined
      ? "check the connection settings (URL, user, password, database name)"
      : "check the connection settings and that the database is running, or wait longer (connectTimeoutMs, --connect-timeout)";
    super(`could not reach the database at ${database}${waited}: ${reason}. Fix: ${fix}.`, options);
    this.database = database;
  }
}

/**
 * A worker reached its database but cannot read the task_results table it needs: the migrations are not applied (no
 * table, or a column a later release added is missing), or the database user may not read it. A --batch run ends
 * with it; a long-running worker logs its message and waits for the table.
 */
export class TaskTableUnavailable extends TasksError {
  /** Where the worker is connected: host:port/database, or the provider. */
  readonly database: string;

  constructor(database: string, reason: string, options?: ErrorOptions) {
    super(
      `cannot read the task_results table at ${database}: ${reason}. Fix: apply this release's migrations to that database ` +
        "(with the TaskResult model in your schema: npx prisma migrate dev, or npx prisma migrate deploy in production).",
      options,
    );
    this.database = database;
  }
}

/** withTasks or a worker was given a configuration it cannot use. */
export class InvalidConfig extends TasksError {}

/** A schedule given to withTasks breaks a rule: said when withTasks (or a worker) starts, before anything runs. */
export class InvalidSchedule extends InvalidConfig {
  /** The schedule's key, or its place in the list when it has none yet. */
  readonly schedule: string;
  readonly field: string;
  readonly value: unknown;

  /** `rule` reads as the fix, e.g. "must be a cron expression of 5 fields (6 with seconds)". */
  constructor(schedule: string, field: string, value: unknown, rule: string, options?: ErrorOptions) {
    super(`Schedule ${schedule}: ${field} ${rule}; got ${describeValue(value)}.`, options);
    this.schedule = schedule;
    this.field = field;
    this.value = value;
  }
}

function quoteList(values: readonly string[]): string {
  return values.length === 0 ? "none" : values.map((v) => JSON.stringify(v)).join(", ");
}
