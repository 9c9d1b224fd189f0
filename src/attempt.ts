// One attempt at a task, for the worker and the immediate backend alike: check its args, run its function with a
// context, and turn what happened into an Outcome.
import type { Outcome, StoredTask } from "./dialects/types.js";
import { TaskCancelled, TaskTimeout, UnknownTask } from "./errors.js";
import { TaskResult, errorFromException, type ResultSource } from "./result.js";
import { serializeText } from "./serialization.js";
import { parseArgs, type AnyTask, type TaskContext } from "./task.js";
import { loadTelemetry, startProcessing, telemetryLoaded, type Processing } from "./telemetry.js";
import { readArgs, resultData } from "./backends/stored.js";

/** Retry delays are clamped to this range, whatever a task's retryDelay returns. */
const MAX_RETRY_DELAY_MS = 7 * 24 * 60 * 60 * 1000;

/** How often `onIgnoredAbort` is told that an aborted task's function still runs. */
export const IGNORED_ABORT_REPORT_MS = 30_000;

export interface AttemptContext {
  workerId: string;
  /**
   * The attempt's abort switch: pulling it (a forced stop, a lost lease, a cancel, the timeout) decides the attempt's
   * outcome by its reason; the attempt still ends only once the task's function has settled.
   */
  abort: AttemptAbort;
  source: ResultSource;
  /** Called every IGNORED_ABORT_REPORT_MS while the function runs on after the abort (it ignores its signal). */
  onIgnoredAbort?(reason: unknown, waitedMs: number): void;
}

/**
 * An attempt's abort switch. The AbortSignal a task sees (`ctx.signal`) is made the first time the task reads it: most
 * tasks never do, and a busy worker would otherwise make a controller, a signal and a listener per task.
 */
export class AttemptAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** Ends the running attempt (its promise rejects with the reason); after the attempt has settled it does nothing. */
  onAbort: ((reason: unknown) => void) | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.onAbort?.(reason);
  }
}

function failure(task: AnyTask | undefined, stored: StoredTask, error: unknown, retryable: boolean): Outcome {
  const attempt = stored.attempts;
  const recorded = errorFromException(error);
  // A cancelled attempt ends the task: no retry follows it. Its entry reads as the database writes a cancel's (its
  // stack would show only the worker's insides).
  if (error instanceof TaskCancelled) {
    return { id: stored.id, attempt, status: "CANCELLED", error: { ...recorded, traceback: "" }, finishedAt: new Date() };
  }
  if (retryable && task && attempt < stored.maxAttempts) {
    let delay: number;
    try {
      delay = Number(task.retryDelay(attempt));
    } catch (retryDelayError) {
      // The task's own retryDelay is broken: no retry can be scheduled, so the task fails with both errors.
      const broken = errorFromException(retryDelayError);
      return { id: stored.id, attempt, status: "FAILED", error: { ...broken, message: `retryDelay threw: ${broken.message} (after the attempt failed with ${recorded.exceptionClass}: ${recorded.message})` }, finishedAt: new Date() };
    }
    const clamped = Number.isFinite(delay) ? Math.min(Math.max(delay, 0), MAX_RETRY_DELAY_MS) : 0;
    return { id: stored.id, attempt, status: "NEW", error: recorded, runAfter: new Date(Date.now() + clamped) };
  }
  return { id: stored.id, attempt, status: "FAILED", error: recorded, finishedAt: new Date() };
}

/**
 * Settles as `run()` does, or rejects with the abort's reason when the abort comes first: the abort decides the
 * outcome. Either way it settles only once `run()`'s promise has: a function that ignores its signal keeps its attempt
 * (and so its row, held and heartbeated by the worker) until it returns, so its retry never runs beside it.
 */
async function untilAborted<T>(abort: AttemptAbort, run: () => T | Promise<T>, context: AttemptContext): Promise<T> {
  if (abort.aborted) throw abort.reason;
  let settled: Promise<T>;
  try {
    settled = Promise.resolve(run());
  } catch (error) {
    settled = Promise.reject(error);
  }
  try {
    return await new Promise<T>((resolve, reject) => {
      // Rejecting a promise that has settled does nothing, so a later abort needs no guard.
      abort.onAbort = reject;
      settled.then(resolve, reject);
    });
  } finally {
    abort.onAbort = undefined;
    if (abort.aborted) await untilSettled(settled, abort.reason, context);
  }
}

/** Waits for an aborted attempt's function to settle, reporting every IGNORED_ABORT_REPORT_MS while it runs on. */
async function untilSettled(settled: Promise<unknown>, reason: unknown, context: AttemptContext): Promise<void> {
  const abortedAt = Date.now();
  const report = setInterval(() => context.onIgnoredAbort?.(reason, Date.now() - abortedAt), IGNORED_ABORT_REPORT_MS);
  try {
    await settled.catch(() => {});
  } finally {
    clearInterval(report);
  }
}

/** A task's `ctx`. Its result is built on first use: most tasks never read it, and it deserializes the args again. */
class Context implements TaskContext {
  readonly attempt: number;
  readonly workerId: string;
  readonly #stored: StoredTask;
  readonly #context: AttemptContext;
  #result: TaskResult | undefined;

  constructor(stored: StoredTask, context: AttemptContext) {
    this.attempt = stored.attempts;
    this.workerId = context.workerId;
    this.#stored = stored;
    this.#context = context;
  }

  get result(): TaskResult {
    this.#result ??= new TaskResult(resultData(this.#stored), this.#context.source);
    return this.#result;
  }

  get signal(): AbortSignal {
    return this.#context.abort.signal;
  }

  get scheduledAt(): Date | undefined {
    return this.#stored.scheduledAt ?? undefined;
  }
}

/**
 * Runs the attempt `stored.attempts` of a claimed task. Never throws: unknown tasks, args that no longer pass the
 * schema and return values that cannot be stored fail for good; errors thrown by the task fail the attempt and are
 * retried while attempts remain.
 */
export async function runAttempt(task: AnyTask | undefined, stored: StoredTask, context: AttemptContext): Promise<Outcome> {
  if (!telemetryLoaded()) await loadTelemetry();
  const processing = startProcessing(stored, context.workerId);
  if (!processing) return attempt(task, stored, context, undefined);
  const outcome = await attempt(task, stored, context, processing);
  processing.ended(outcome);
  return outcome;
}

async function attempt(task: AnyTask | undefined, stored: StoredTask, context: AttemptContext, processing: Processing | undefined): Promise<Outcome> {
  if (!task) return failure(task, stored, new UnknownTask(stored.taskName), false);
  let parsed: unknown;
  try {
    parsed = parseArgs(task, readArgs(stored));
  } catch (error) {
    // Stored args do not change between attempts, so args that cannot be read or fail the schema now always will.
    return failure(task, stored, error, false);
  }

  // One abort switch per attempt, the caller's: it pulls it on a forced stop or a lost lease, and the timeout here.
  const { abort } = context;
  const timer =
    task.timeoutMs === undefined
      ? undefined
      : setTimeout(() => abort.abort(new TaskTimeout(task.name, task.timeoutMs!)), task.timeoutMs);
  let value: unknown;
  try {
    const ctx = new Context(stored, context);
    const run = () => task.fn(parsed, ctx);
    value = await untilAborted(abort, processing ? () => processing.within(run) : run, context);
  } catch (error) {
    return failure(task, stored, error, true);
  } finally {
    clearTimeout(timer);
  }
  try {
    return { id: stored.id, attempt: stored.attempts, status: "COMPLETE", returnValue: serializeText(value, task.name, "returnValue"), finishedAt: new Date() };
  } catch (error) {
    // The task did its work; running it again would repeat that work and return the same kind of value.
    return failure(task, stored, error, false);
  }
}
