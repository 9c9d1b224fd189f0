// TaskResult: what enqueue returns and a worker records: status, timings, attempts, return value, errors.
import { TasksError, TaskResultNotReady, constructorName } from "./errors.js";

export const TaskStatus = {
  /** Enqueued, waiting for its runAfter and a free worker. */
  NEW: "NEW",
  /** A worker holds it. */
  RUNNING: "RUNNING",
  /** Returned; `returnValue` is readable. */
  COMPLETE: "COMPLETE",
  /** Threw, or could not run; see `errors`. */
  FAILED: "FAILED",
  /** Cancelled before it ran, or while it ran (unless it completed first); see `errors`. Never retried by itself. */
  CANCELLED: "CANCELLED",
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** One failed attempt, kept as plain strings so it survives storage and reads well in Prisma Studio. */
export interface TaskError {
  exceptionClass: string;
  message: string;
  traceback: string;
}

export interface TaskResultData<A = unknown, R = unknown> {
  id: string;
  status: TaskStatus;
  taskName: string;
  args: A;
  queueName: string;
  priority: number;
  backend: string;
  runAfter: Date;
  enqueuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastAttemptedAt: Date | null;
  attempts: number;
  maxAttempts: number;
  workerIds: string[];
  /** Meaningful only when status is COMPLETE. */
  returnValue: R | undefined;
  errors: TaskError[];
  /** When a cancel was asked for; on a RUNNING task, the attempt ends CANCELLED unless it completes first. */
  cancelRequestedAt: Date | null;
  /** The unique key it was enqueued with (uniqueKey or the task's unique.key), or null. */
  uniqueKey: string | null;
  /** The key of the schedule that enqueued it (withTasks' schedules), or null. */
  scheduleKey: string | null;
  /** The slot of the schedule that enqueued it, or null. */
  scheduledAt: Date | null;
}

/**
 * What an enqueue did with one task: stored it, or found its unique key held by another task, which it returned as it
 * was (deduplicated) or with this enqueue's args, priority and runAfter (replaced).
 */
export type EnqueueOutcome = "stored" | "deduplicated" | "replaced";

/** Where `refresh()` re-reads a result from: the backend that stored it; `cancel()` and `retry()` act through it. */
export interface ResultSource {
  fetch(id: string): Promise<TaskResultData<unknown, unknown>>;
  cancel?(id: string): Promise<TaskResultData<unknown, unknown>>;
  retry?(id: string): Promise<TaskResultData<unknown, unknown>>;
}

/** The statuses a task ends in: nothing changes them but a retry. */
const FINISHED: ReadonlySet<TaskStatus> = new Set([TaskStatus.COMPLETE, TaskStatus.FAILED, TaskStatus.CANCELLED]);

/** A snapshot of one enqueued task; `refresh()` brings it up to date in place. */
export class TaskResult<A = unknown, R = unknown> {
  #data: TaskResultData<A, R>;
  readonly #source: ResultSource | undefined;
  readonly #outcome: EnqueueOutcome;

  /** `outcome`: what the enqueue that returns this result did; "stored" for results read back. */
  constructor(data: TaskResultData<A, R>, source?: ResultSource, outcome: EnqueueOutcome = "stored") {
    this.#data = snapshot(data);
    this.#source = source;
    this.#outcome = outcome;
  }

  get id(): string {
    return this.#data.id;
  }
  get status(): TaskStatus {
    return this.#data.status;
  }
  get taskName(): string {
    return this.#data.taskName;
  }
  get args(): A {
    return this.#data.args;
  }
  get queueName(): string {
    return this.#data.queueName;
  }
  get priority(): number {
    return this.#data.priority;
  }
  get backend(): string {
    return this.#data.backend;
  }
  get runAfter(): Date {
    return this.#data.runAfter;
  }
  get enqueuedAt(): Date {
    return this.#data.enqueuedAt;
  }
  get startedAt(): Date | null {
    return this.#data.startedAt;
  }
  get finishedAt(): Date | null {
    return this.#data.finishedAt;
  }
  get lastAttemptedAt(): Date | null {
    return this.#data.lastAttemptedAt;
  }
  get attempts(): number {
    return this.#data.attempts;
  }
  get maxAttempts(): number {
    return this.#data.maxAttempts;
  }
  get workerIds(): readonly string[] {
    return this.#data.workerIds;
  }
  get errors(): readonly TaskError[] {
    return this.#data.errors;
  }
  get cancelRequestedAt(): Date | null {
    return this.#data.cancelRequestedAt;
  }
  get uniqueKey(): string | null {
    return this.#data.uniqueKey;
  }
  get scheduleKey(): string | null {
    return this.#data.scheduleKey;
  }
  get scheduledAt(): Date | null {
    return this.#data.scheduledAt;
  }
  /** The enqueue that returned this result stored nothing: another task held the unique key, and this is that task. */
  get deduplicated(): boolean {
    return this.#outcome === "deduplicated";
  }
  /** The enqueue that returned this result gave its args, priority and runAfter to the waiting task that held the key. */
  get replaced(): boolean {
    return this.#outcome === "replaced";
  }

  /** What the task returned. Throws while the task is not COMPLETE, so `null` always means the task returned null. */
  get returnValue(): R {
    if (this.#data.status !== TaskStatus.COMPLETE) {
      throw new TaskResultNotReady(this.#data.id, this.#data.status, this.#data.taskName);
    }
    return this.#data.returnValue as R;
  }

  get isFinished(): boolean {
    return FINISHED.has(this.#data.status);
  }

  /** Re-reads this result from its backend and updates this object in place. */
  async refresh(): Promise<this> {
    return this.#update("refresh", (source) => source.fetch);
  }

  /**
   * Cancels the task (see `$tasks.cancel`) and updates this object in place: NEW becomes CANCELLED and never runs;
   * RUNNING records the request; a finished task is left as it is. The status after the call says which happened.
   */
  async cancel(): Promise<this> {
    return this.#update("cancel", (source) => source.cancel);
  }

  /** Sends a FAILED or CANCELLED task back to NEW to run again (see `$tasks.retry`) and updates this object in place. */
  async retry(): Promise<this> {
    return this.#update("retry", (source) => source.retry);
  }

  async #update(action: string, method: (source: ResultSource) => ResultSource["fetch"] | undefined): Promise<this> {
    const act = this.#source && method(this.#source);
    if (act === undefined) {
      throw new TasksError(
        `Task "${this.#data.taskName}" result "${this.#data.id}" cannot ${action}: it was built without a ` +
          `backend to act through. Fix: use the TaskResult returned by $tasks.enqueue or $tasks.getResult.`,
      );
    }
    this.#data = snapshot((await act.call(this.#source, this.#data.id)) as TaskResultData<A, R>);
    return this;
  }

  /** A plain object of every field; `returnValue` is present only when COMPLETE, so this never throws. */
  toJSON(): TaskResultData<A, R> & { isFinished: boolean } {
    const data = this.#data;
    return {
      ...data,
      workerIds: [...data.workerIds],
      errors: data.errors.map((error) => ({ ...error })),
      returnValue: data.status === TaskStatus.COMPLETE ? data.returnValue : undefined,
      isFinished: this.isFinished,
    };
  }
}

/** Copies and freezes the lists, so a caller holding a result cannot change what it reports. */
function snapshot<A, R>(data: TaskResultData<A, R>): TaskResultData<A, R> {
  return {
    ...data,
    workerIds: Object.freeze([...data.workerIds]) as string[],
    errors: Object.freeze(data.errors.map((error) => Object.freeze({ ...error }))) as TaskError[],
  };
}

/** How many `cause` links a traceback follows; a cause chain can be cyclic. */
const MAX_CAUSES = 5;

/** Turns any thrown value (an Error, a string, null, a plain object...) into a storable TaskError; never throws. */
export function errorFromException(err: unknown): TaskError {
  const { exceptionClass, message, traceback } = describeException(err);
  return { exceptionClass: storableText(exceptionClass), message: storableText(message), traceback: storableText(traceback) };
}

/**
 * Text PostgreSQL's jsonb accepts: NUL characters and lone surrogates (half an emoji) would make the outcome write
 * fail, and the task could then never be recorded.
 */
function storableText(text: string): string {
  const withoutNul = text.includes("\u0000") ? text.replaceAll("\u0000", "\\u0000") : text;
  return (withoutNul as string & { toWellFormed(): string }).toWellFormed();
}

function describeException(err: unknown): TaskError {
  try {
    if (err instanceof Error) {
      let traceback = stackOf(err);
      let cause: unknown = err.cause;
      for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth++) {
        traceback += `\nCaused by: ${cause instanceof Error ? stackOf(cause) : String(cause)}`;
        cause = cause instanceof Error ? cause.cause : undefined;
      }
      return { exceptionClass: errorClassName(err), message: String(err.message), traceback };
    }
    if (err === null) return { exceptionClass: "null", message: "null", traceback: "" };
    if (typeof err === "object") {
      const { name, message, stack } = err as { name?: unknown; message?: unknown; stack?: unknown };
      return {
        exceptionClass: typeof name === "string" && name ? name : (constructorName(err) ?? "Object"),
        message: typeof message === "string" ? message : safeJson(err),
        traceback: typeof stack === "string" ? stack : "",
      };
    }
    return { exceptionClass: typeof err, message: String(err), traceback: "" };
  } catch {
    return { exceptionClass: "unknown", message: "a thrown value that could not be read", traceback: "" };
  }
}

/** `class Foo extends Error {}` keeps the inherited name "Error"; its constructor name says more. */
function errorClassName(err: Error): string {
  if (err.name && err.name !== "Error") return err.name;
  return constructorName(err) ?? "Error";
}

function stackOf(err: Error): string {
  return typeof err.stack === "string" ? err.stack : `${errorClassName(err)}: ${String(err.message)}`;
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
