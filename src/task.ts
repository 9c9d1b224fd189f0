// task() defines a background task; Task holds its validated options, derives variants with using(), parses args.
import { z } from "zod";
import { DuplicateTaskName, InvalidTask, InvalidTaskArguments } from "./errors.js";
import type { TaskResult } from "./result.js";

/** What a running task receives beside its args. */
export interface TaskContext<A = unknown, R = unknown> {
  /** This task's own result, status RUNNING. */
  readonly result: TaskResult<A, R>;
  /** 1 for the first attempt, 2 for the first retry... */
  readonly attempt: number;
  readonly workerId: string;
  /** Aborts on timeoutMs, a forced worker shutdown, or a lost lease; pass it to fetch() and friends. */
  readonly signal: AbortSignal;
  /** The slot of the schedule that enqueued this task (withTasks' `schedules`); undefined for tasks enqueued otherwise. */
  readonly scheduledAt: Date | undefined;
}

/** Milliseconds to wait before the next attempt, given the number of the attempt that just failed (1-based). */
export type RetryDelay = (attempt: number) => number;

/** Where and when a task runs; `using()` and enqueue options may override exactly these. */
export interface TaskOverrides {
  queueName?: string;
  priority?: number;
  /** A Date, or milliseconds after enqueue. */
  runAfter?: Date | number;
  backend?: string;
}

/** Which statuses of a task hold its unique key: "queued", NEW only; "unfinished", NEW and RUNNING. */
export type UniqueWhile = "queued" | "unfinished";
/** What an enqueue whose key is held does: "skip" stores nothing; "replace" updates the waiting task instead. */
export type UniqueConflict = "skip" | "replace";

/**
 * At most one task of this name per key is waiting (or, with `while: "unfinished"`, waiting or running); another
 * enqueue with the key returns that task, `deduplicated` (or `replaced`). The database enforces it.
 */
export interface UniqueOptions<O = any> {
  /**
   * The key of an enqueue, from its args as the task's function receives them (after the schema). Without it, only
   * enqueues given a `uniqueKey` have one.
   */
  key?: (args: O) => string;
  /** Default "queued". */
  while?: UniqueWhile;
  /** Default "skip". "replace" updates a NEW holder's args, priority and runAfter; a RUNNING one is left as it is. */
  onConflict?: UniqueConflict;
}

/** A task's unique options, checked, defaults applied. `key` is absent when only enqueue's uniqueKey gives keys. */
export interface UniqueRule {
  readonly key: ((args: any) => string) | undefined;
  readonly while: UniqueWhile;
  readonly onConflict: UniqueConflict;
}

export interface EnqueueOptions extends TaskOverrides {
  /** This enqueue's unique key: overrides the task's `unique.key`; `while` and `onConflict` stay the task's. */
  uniqueKey?: string;
}

export interface TaskOptionsBase extends TaskOverrides {
  /** Stored in each row and how a worker finds the function: unique and stable across deploys. */
  name: string;
  /** Attempts in total, retries included. */
  maxAttempts?: number;
  retryDelay?: RetryDelay;
  /** Aborts `ctx.signal` and fails the attempt with TaskTimeout after this long. */
  timeoutMs?: number;
}

export interface TaskOptions<S extends z.ZodType = z.ZodType> extends TaskOptionsBase {
  /** Checked at enqueue and again before running. */
  args?: S;
  unique?: UniqueOptions;
}

/** The task's function. Its context carries the args as enqueued; its return type is left open so it can be inferred. */
export type TaskFunction<A, O, R> = (args: O, ctx: TaskContext<A>) => R | Promise<R>;

/** What every variant made by `using()` shares with the original: the part a worker needs to run a row. */
export interface TaskDefinition<A, R, O> {
  readonly name: string;
  readonly fn: TaskFunction<A, O, R>;
  readonly argsSchema: z.ZodType<O, A> | undefined;
  readonly maxAttempts: number;
  readonly retryDelay: RetryDelay;
  readonly timeoutMs: number | undefined;
  readonly unique: UniqueRule | undefined;
}

/** Where and when this variant runs by default. */
export interface TaskPlacement {
  readonly queueName: string;
  readonly priority: number;
  readonly backend: string;
  readonly runAfter: Date | number | undefined;
}

/** Any task, whatever its args and return types: what registries and backends hold. */
export type AnyTask = Task<any, any, any>;
/** The args `enqueue` takes for a task (the schema's input type). */
export type ArgsOf<T> = T extends Task<infer A, infer _R, infer _O> ? A : never;
/** What the task's function resolves to: the result's `returnValue` type. */
export type ReturnOf<T> = T extends Task<infer _A, infer R, infer _O> ? R : never;
/** The args the task's function receives (the schema's output type). */
export type ParsedArgsOf<T> = T extends Task<infer _A, infer _R, infer O> ? O : never;

const TASK_DEFAULTS = {
  queueName: "default",
  priority: 0,
  backend: "default",
  maxAttempts: 1,
} as const;

const OVERRIDE_KEYS = ["queueName", "priority", "runAfter", "backend"] as const;
const ENQUEUE_KEYS = [...OVERRIDE_KEYS, "uniqueKey"] as const;
const OPTION_KEYS = new Set<string>([...OVERRIDE_KEYS, "name", "args", "maxAttempts", "retryDelay", "timeoutMs", "unique"]);
const UNIQUE_WHILE: readonly UniqueWhile[] = ["queued", "unfinished"];
const UNIQUE_CONFLICT: readonly UniqueConflict[] = ["skip", "replace"];
/** The unique_key column's width on PostgreSQL. */
const MAX_UNIQUE_KEY_LENGTH = 200;

const HOUR_MS = 60 * 60 * 1000;
/** setTimeout fires at once for longer delays, so a longer timeout would abort every task immediately. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Exponential backoff with jitter: about 1s, 2s, 4s... capped at one hour, each scaled by a random factor in
 * [0.5, 1] so tasks that failed together do not all retry together.
 */
export function defaultRetryDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(1000 * 2 ** Math.max(attempt - 1, 0), HOUR_MS);
  return Math.round(base * (0.5 + random() * 0.5));
}

/** A defined task: immutable; `using()` returns a new one. Create it with `task()`. */
export class Task<A = unknown, R = unknown, O = A> {
  readonly name: string;
  readonly queueName: string;
  readonly priority: number;
  readonly backend: string;
  readonly runAfter: Date | number | undefined;
  readonly maxAttempts: number;
  readonly retryDelay: RetryDelay;
  readonly timeoutMs: number | undefined;
  readonly unique: UniqueRule | undefined;
  readonly argsSchema: z.ZodType<O, A> | undefined;
  readonly fn: TaskFunction<A, O, R>;

  /** Use `task()`, which validates; this trusts its input. */
  constructor(definition: TaskDefinition<A, R, O>, placement: TaskPlacement) {
    this.name = definition.name;
    this.fn = definition.fn;
    this.argsSchema = definition.argsSchema;
    this.maxAttempts = definition.maxAttempts;
    this.retryDelay = definition.retryDelay;
    this.timeoutMs = definition.timeoutMs;
    this.unique = definition.unique;
    this.queueName = placement.queueName;
    this.priority = placement.priority;
    this.backend = placement.backend;
    this.runAfter = placement.runAfter instanceof Date ? new Date(placement.runAfter) : placement.runAfter;
    definitions.set(this, definition as TaskDefinition<unknown, unknown, unknown>);
    Object.freeze(this);
  }

  /** A new Task that runs the same function elsewhere or later; this one is unchanged. */
  using(overrides: TaskOverrides): Task<A, R, O> {
    const checked = checkOverrides(this.name, overrides, "using()");
    const definition = definitions.get(this) as TaskDefinition<A, R, O>;
    return new Task(definition, {
      queueName: checked.queueName ?? this.queueName,
      priority: checked.priority ?? this.priority,
      backend: checked.backend ?? this.backend,
      runAfter: checked.runAfter ?? this.runAfter,
    });
  }
}

/** The latest time both databases store and compare correctly (SQLite compares four-digit-year ISO text). */
const LATEST_RUN_AFTER = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Checks args against the task's schema and returns what its function receives. `index` is the position in an
 * enqueueMany list, for the error message. Internal (enqueue and the worker call it), so not a method of Task.
 */
export function parseArgs<T extends AnyTask>(task: T, args: unknown, index?: number): ParsedArgsOf<T> {
  if (task.argsSchema === undefined) return args as ParsedArgsOf<T>;
  let parsed: z.ZodSafeParseResult<ParsedArgsOf<T>>;
  try {
    parsed = task.argsSchema.safeParse(args);
  } catch (error) {
    if (error instanceof z.core.$ZodAsyncError) {
      throw new InvalidTask({
        taskName: task.name,
        field: "args",
        value: task.argsSchema,
        rule: "must check synchronously (no async refine or transform): move async checks into the task function",
      });
    }
    throw error;
  }
  if (!parsed.success) throw new InvalidTaskArguments(task.name, parsed.error.issues, index);
  return parsed.data;
}

/** When a task enqueued at `now` may run: the override or the task's runAfter, as a Date; `now` when neither. */
export function resolveRunAfter(task: AnyTask, now: Date, override?: Date | number): Date {
  const runAfter = override === undefined ? task.runAfter : checkRunAfter(task.name, override);
  if (runAfter === undefined) return new Date(now);
  const resolved = runAfter instanceof Date ? new Date(runAfter) : new Date(now.getTime() + runAfter);
  if (!(resolved.getTime() <= LATEST_RUN_AFTER)) {
    throw new InvalidTask({
      taskName: task.name,
      field: "runAfter",
      value: runAfter,
      rule: "must resolve to a time no later than 9999-12-31T23:59:59.999Z",
    });
  }
  return resolved;
}

/** Lets the registry tell a `using()` variant (same definition) from a different task that reuses a name. */
const definitions = new WeakMap<AnyTask, TaskDefinition<unknown, unknown, unknown>>();

/** Defines a task whose args are checked by a zod schema; the function receives the schema's output. */
export function task<S extends z.ZodType, R>(
  options: TaskOptionsBase & { args: S; unique?: UniqueOptions<z.output<S>> },
  fn: (args: z.output<S>, ctx: TaskContext<z.input<S>>) => R,
): Task<z.input<S>, Awaited<R>, z.output<S>>;
/** Defines a task without a schema; the function's first parameter type is the args type. */
export function task<A = void, R = unknown>(
  options: TaskOptionsBase & { args?: undefined; unique?: UniqueOptions<A> },
  fn: (args: A, ctx: TaskContext<A>) => R,
): Task<A, Awaited<R>>;
export function task(options: TaskOptions, fn: TaskFunction<unknown, unknown, unknown>): AnyTask {
  if (typeof options !== "object" || options === null) {
    throw new InvalidTask({
      field: "options",
      value: options,
      rule: 'must be an object such as { name: "accounts.sendWelcomeEmail" }',
    });
  }
  const name = checkName(options.name);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new InvalidTask({
        taskName: name,
        field: key,
        value: (options as unknown as Record<string, unknown>)[key],
        rule: `is not a task() option; the options are ${[...OPTION_KEYS].join(", ")}`,
      });
    }
  }
  if (typeof fn !== "function") {
    throw new InvalidTask({
      taskName: name,
      field: "the task function",
      value: fn,
      rule: "must be a function, passed as task()'s second argument: task({ name }, async (args, ctx) => ...)",
    });
  }
  const overrides = checkOverrides(name, pick(options, OVERRIDE_KEYS), "task()");
  const definition: TaskDefinition<unknown, unknown, unknown> = {
    name,
    fn,
    argsSchema: checkArgsSchema(name, options.args),
    maxAttempts: checkMaxAttempts(name, options.maxAttempts),
    retryDelay: checkRetryDelay(name, options.retryDelay),
    timeoutMs: checkTimeoutMs(name, options.timeoutMs),
    unique: checkUnique(name, options.unique),
  };
  return new Task(definition, {
    queueName: overrides.queueName ?? TASK_DEFAULTS.queueName,
    priority: overrides.priority ?? TASK_DEFAULTS.priority,
    backend: overrides.backend ?? TASK_DEFAULTS.backend,
    runAfter: overrides.runAfter,
  });
}

/** Checks the options given to enqueue; unknown keys are refused so a typo never silently changes nothing. */
export function validateEnqueueOptions(taskName: string, options: unknown): EnqueueOptions {
  const checked: EnqueueOptions = checkOverrides(taskName, options, "enqueue options", ENQUEUE_KEYS);
  const uniqueKey = (options as { uniqueKey?: unknown } | undefined)?.uniqueKey;
  if (uniqueKey !== undefined) checked.uniqueKey = checkUniqueKey(taskName, "uniqueKey", uniqueKey);
  return checked;
}

/**
 * The unique key of an enqueue of `task` with these args (parsed by its schema), or null when it has none: the
 * enqueue's uniqueKey, else the task's unique.key. `index` is the position in an enqueueMany list.
 */
export function uniqueKeyOf(task: AnyTask, args: unknown, uniqueKey: string | undefined, index?: number): string | null {
  if (uniqueKey !== undefined) return uniqueKey;
  const key = task.unique?.key;
  if (key === undefined) return null;
  return checkUniqueKey(task.name, index === undefined ? "unique.key(args)" : `unique.key(argsList[${index}])`, key(args));
}

/** The tasks a client or worker knows, by name. */
export class TaskRegistry implements Iterable<AnyTask> {
  readonly #byName = new Map<string, AnyTask>();

  constructor(tasks: Iterable<AnyTask> = []) {
    for (const each of tasks) this.register(each);
  }

  /** Adds a task. A `using()` variant of a task already here is accepted and changes nothing. */
  register(candidate: AnyTask): this {
    if (!(candidate instanceof Task)) {
      throw new InvalidTask({
        field: "tasks",
        value: candidate,
        rule: "must hold only tasks made by task(); wrap functions with task({ name }, fn)",
      });
    }
    const existing = this.#byName.get(candidate.name);
    if (existing === undefined) {
      this.#byName.set(candidate.name, candidate);
    } else if (definitions.get(existing) !== definitions.get(candidate)) {
      throw new DuplicateTaskName(candidate.name);
    }
    return this;
  }

  get(name: string): AnyTask | undefined {
    return this.#byName.get(name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  get size(): number {
    return this.#byName.size;
  }

  [Symbol.iterator](): Iterator<AnyTask> {
    return this.#byName.values();
  }
}

function pick(options: object, keys: readonly string[]): Record<string, unknown> {
  const record = options as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (key in record) picked[key] = record[key];
  return picked;
}

/**
 * Shared by task(), using() and enqueue: the same four options obey the same rules everywhere. `accepted`: the keys
 * `where` takes (enqueue also takes uniqueKey, which its caller checks).
 */
function checkOverrides(taskName: string, options: unknown, where: string, accepted: readonly string[] = OVERRIDE_KEYS): TaskOverrides {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidTask({
      taskName,
      field: where,
      value: options,
      rule: 'must be an object such as { queueName: "emails", runAfter: 60_000 }',
    });
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!accepted.includes(key)) {
      throw new InvalidTask({
        taskName,
        field: key,
        value: record[key],
        rule: `is not accepted by ${where}; it accepts only ${accepted.join(", ")}`,
      });
    }
  }
  const checked: TaskOverrides = {};
  if (record.queueName !== undefined) checked.queueName = checkQueueName(taskName, record.queueName);
  if (record.priority !== undefined) checked.priority = checkPriority(taskName, record.priority);
  if (record.runAfter !== undefined) checked.runAfter = checkRunAfter(taskName, record.runAfter);
  if (record.backend !== undefined) checked.backend = checkBackend(taskName, record.backend);
  return checked;
}

function checkName(value: unknown): string {
  const fail = (rule: string): never => {
    throw new InvalidTask({ field: "name", value, rule });
  };
  if (value === undefined) fail('is required: task({ name: "accounts.sendWelcomeEmail" }, fn)');
  if (typeof value !== "string") return fail("must be a string");
  if (value.trim() === "") fail('must not be empty; use a stable name such as "accounts.sendWelcomeEmail"');
  if (value.length > 200) fail(`must be at most 200 characters (it has ${value.length})`);
  return value;
}

function checkQueueName(taskName: string, value: unknown): string {
  const fail = (rule: string): never => {
    throw new InvalidTask({ taskName, field: "queueName", value, rule });
  };
  if (typeof value !== "string") return fail('must be a string such as "emails"');
  if (value.trim() === "") fail('must not be empty; omit it for "default"');
  if (value.length > 64) fail(`must be at most 64 characters (it has ${value.length})`);
  // Workers are told their queues as "--queue a,b" or "*", so those spellings cannot name a queue.
  if (value !== value.trim()) fail("must not start or end with whitespace");
  if (value.includes(",")) fail('must not contain ","; workers list queues separated by commas');
  if (value === "*") fail('must not be "*", which workers read as "every queue"');
  return value;
}

function checkPriority(taskName: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < -100 || value > 100) {
    throw new InvalidTask({
      taskName,
      field: "priority",
      value,
      rule: "must be an integer between -100 and 100 (higher runs sooner)",
    });
  }
  return value;
}

function checkBackend(taskName: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 64) {
    throw new InvalidTask({
      taskName,
      field: "backend",
      value,
      rule: 'must be a non-empty string of at most 64 characters naming a backend alias given to withTasks, such as "default"',
    });
  }
  return value;
}

function checkRunAfter(taskName: string, value: unknown): Date | number {
  const valid =
    value instanceof Date
      ? !Number.isNaN(value.getTime())
      : typeof value === "number" && Number.isFinite(value) && value >= 0;
  if (!valid) {
    throw new InvalidTask({
      taskName,
      field: "runAfter",
      value,
      rule: "must be a valid Date, or a finite, non-negative number of milliseconds from enqueue",
    });
  }
  return value as Date | number;
}

function checkMaxAttempts(taskName: string, value: unknown): number {
  if (value === undefined) return TASK_DEFAULTS.maxAttempts;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 1000) {
    throw new InvalidTask({
      taskName,
      field: "maxAttempts",
      value,
      rule: "must be an integer between 1 and 1000 (1 means no retries)",
    });
  }
  return value;
}

function checkTimeoutMs(taskName: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new InvalidTask({
      taskName,
      field: "timeoutMs",
      value,
      rule: `must be a positive number of milliseconds, at most ${MAX_TIMEOUT_MS} (about 24.8 days); omit it for no timeout`,
    });
  }
  return value;
}

function checkRetryDelay(taskName: string, value: unknown): RetryDelay {
  if (value === undefined) return defaultRetryDelay;
  if (typeof value !== "function") {
    throw new InvalidTask({
      taskName,
      field: "retryDelay",
      value,
      rule: "must be a function (attempt) => milliseconds; omit it for exponential backoff",
    });
  }
  return value as RetryDelay;
}

function checkArgsSchema(taskName: string, value: unknown): z.ZodType | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || typeof (value as z.ZodType).safeParse !== "function") {
    throw new InvalidTask({
      taskName,
      field: "args",
      value,
      rule: "must be a zod schema, such as z.object({ userId: z.number() })",
    });
  }
  return value as z.ZodType;
}

function checkUniqueKey(taskName: string, field: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_UNIQUE_KEY_LENGTH) {
    throw new InvalidTask({
      taskName,
      field,
      value,
      rule: `must be a non-empty string of at most ${MAX_UNIQUE_KEY_LENGTH} characters, such as "sync:42"`,
    });
  }
  return value;
}

function checkUnique(taskName: string, value: unknown): UniqueRule | undefined {
  if (value === undefined) return undefined;
  const fail = (field: string, got: unknown, rule: string): never => {
    throw new InvalidTask({ taskName, field: `unique${field}`, value: got, rule });
  };
  if (typeof value !== "object" || value === null) {
    return fail("", value, 'must be an object such as { key: (args) => `sync:${args.accountId}`, while: "queued" }');
  }
  const { key, while: holdWhile = "queued", onConflict = "skip", ...rest } = value as Record<string, unknown>;
  for (const extra of Object.keys(rest)) fail(`.${extra}`, rest[extra], "is not a unique option; the options are key, while, onConflict");
  if (key !== undefined && typeof key !== "function") fail(".key", key, "must be a function (args) => string, such as (args) => `sync:${args.accountId}`");
  if (!UNIQUE_WHILE.includes(holdWhile as UniqueWhile)) fail(".while", holdWhile, 'must be "queued" (NEW) or "unfinished" (NEW or RUNNING)');
  if (!UNIQUE_CONFLICT.includes(onConflict as UniqueConflict)) fail(".onConflict", onConflict, 'must be "skip" or "replace"');
  return { key: key as UniqueRule["key"], while: holdWhile as UniqueWhile, onConflict: onConflict as UniqueConflict };
}
