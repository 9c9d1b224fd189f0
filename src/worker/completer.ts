// Outcome writes, batched: finished attempts are written together, and a failed write is retried until it lands.
// While the database is unreachable, outcomes wait in memory, however often it comes and goes. When it refuses a batch
// (a trigger, a constraint, a value it cannot store), the batch is written one outcome at a time, and an outcome the
// database still refuses is recorded as FAILED with OutcomeRejected instead, so no task is held RUNNING forever.
import type { Dialect, Outcome, SqlClient, StoredTask } from "../dialects/types.js";
import { errorFromException, type TaskError } from "../result.js";
import { classifyDatabaseError } from "./database-errors.js";
import { messageOf, type Log } from "./log.js";

const MAX_BATCH = 500;
/**
 * Batches written at once, on separate connections. One statement at a time caps a busy worker at what one statement
 * writes per unit of time; a second keeps the outcomes moving while the first commits.
 */
const WRITERS = 2;
const MAX_BACKOFF_MS = 5_000;

interface Entry {
  outcome: Outcome;
  done: (written: boolean) => void;
}

export class Completer {
  readonly #pending: Entry[] = [];
  /** The batches being written now. */
  readonly #writing = new Set<Entry[]>();
  /** Writers retrying a failed write: while any is, no second writer starts (the database is likely in trouble). */
  #failing = 0;
  #scheduled = false;
  #batchesWritten = 0;
  #settled: (() => void)[] = [];
  readonly #abandoned = new AbortController();
  #unwrittenAtAbandon = 0;
  readonly #whenAbandoned = new Promise<void>((resolve) => this.#abandoned.signal.addEventListener("abort", () => resolve()));

  constructor(
    private readonly dialect: Dialect,
    private readonly client: SqlClient,
    private readonly workerId: string,
    private readonly log: Log,
  ) {}

  /** Batches written so far: a claim that overlapped a write may have missed the tasks it sent back to NEW. */
  get batchesWritten(): number {
    return this.#batchesWritten;
  }

  get size(): number {
    if (this.#abandoned.signal.aborted) return this.#unwrittenAtAbandon;
    let size = this.#pending.length;
    for (const batch of this.#writing) size += batch.length;
    return size;
  }

  /** The tasks whose outcomes are waiting to be written or being written (their leases must be kept until then). */
  get ids(): string[] {
    const ids = this.#pending.map((entry) => entry.outcome.id);
    for (const batch of this.#writing) for (const entry of batch) ids.push(entry.outcome.id);
    return ids;
  }

  /**
   * Queues an outcome; `done` is called once it is written (true) or found to belong to another worker now (false).
   * After abandon(), nothing is written any more: `done(false)` at once. `done` must not throw.
   */
  record(outcome: Outcome, done: (written: boolean) => void): void {
    if (this.#abandoned.signal.aborted) {
      this.#unwrittenAtAbandon++;
      done(false);
      return;
    }
    this.#pending.push({ outcome, done });
    if (!this.#scheduled) {
      // Outcomes finishing in the same turn of the event loop share one statement.
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#pump();
      });
    }
  }

  /**
   * Resolves when everything recorded so far is written, or once `abandon()` is called (a forced stop while the
   * database is down); returns how many outcomes were left unwritten. Their leases run out and another worker
   * retries those tasks.
   */
  async drain(): Promise<number> {
    while ((this.#pending.length > 0 || this.#writing.size > 0) && !this.#abandoned.signal.aborted) {
      this.#pump();
      await Promise.race([new Promise<void>((resolve) => this.#settled.push(resolve)), this.#whenAbandoned]);
    }
    return this.#abandoned.signal.aborted ? this.#unwrittenAtAbandon : this.#pending.length;
  }

  /** Makes `drain()` return now, whatever is still unwritten. */
  abandon(): void {
    if (this.#abandoned.signal.aborted) return;
    this.#unwrittenAtAbandon = this.size;
    this.#abandoned.abort();
    for (const entry of this.#pending.splice(0)) entry.done(false);
    for (const batch of this.#writing) for (const entry of batch) entry.done(false);
  }

  /** Starts writers for what is pending, up to WRITERS at once (one while a write is failing). */
  #pump(): void {
    while (this.#pending.length > 0 && !this.#abandoned.signal.aborted && this.#writing.size < (this.#failing > 0 ? 1 : WRITERS)) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      this.#writing.add(batch);
      void this.#write(batch).finally(() => {
        this.#writing.delete(batch);
        this.#pump();
        for (const settled of this.#settled.splice(0)) settled();
      });
    }
  }

  /**
   * Writes one batch, retrying until it lands. Only a refusal (the database's answer about the rows) splits the batch
   * to find the outcome it refuses; any other error (an outage, a timeout) is retried with the outcomes kept.
   */
  async #write(batch: Entry[]): Promise<void> {
    let failures = 0;
    let split = false;
    // After a failed try, some of its outcomes may have landed all the same (the answer was lost with the connection,
    // or the first of a dialect's statements committed): from then on, rows are checked for this worker's own write.
    let uncertain = false;
    let rest = batch;
    try {
      while (rest.length > 0 && !this.#abandoned.signal.aborted) {
        // Once split, the rest of the batch goes one outcome at a time: another refused one may follow.
        const part = split ? rest.slice(0, 1) : rest;
        let written: Set<string>;
        try {
          written = await this.#writeOnce(part, uncertain);
        } catch (error) {
          uncertain = true;
          if (this.#refused(part, error)) {
            split = true;
            continue;
          }
          if (failures++ === 0) this.#failing++;
          await this.#waitToRetry(part.length, failures, error);
          continue;
        }
        if (failures > 0) {
          failures = 0;
          this.#failing--;
        }
        this.#batchesWritten++;
        // abandon() reported every outcome of this batch unwritten while the write was under way: once is enough.
        if (this.#abandoned.signal.aborted) return;
        rest = rest.slice(part.length);
        for (const entry of part) entry.done(written.has(entry.outcome.id));
      }
    } finally {
      if (failures > 0) this.#failing--;
    }
  }

  /**
   * Writes the outcomes; returns the ids written. When an earlier try may have written some (`uncertain`), an outcome
   * found unwritten counts as written if its row shows this worker's write of it.
   */
  async #writeOnce(part: readonly Entry[], uncertain: boolean): Promise<Set<string>> {
    const written = new Set(await this.dialect.recordOutcomes(this.client, this.workerId, part.map((entry) => entry.outcome)));
    if (uncertain) {
      for (const { outcome } of part) {
        if (written.has(outcome.id)) continue;
        const row = await this.dialect.fetchTask(this.client, outcome.id);
        if (row && showsOwnWrite(row, outcome, this.workerId)) written.add(outcome.id);
      }
    }
    return written;
  }

  /**
   * Whether `error` is the database refusing these rows, dealt with here: a batch is then to be written one outcome at
   * a time, and a single refused outcome is recorded as FAILED (OutcomeRejected) instead, saying why.
   */
  #refused(part: readonly Entry[], error: unknown): boolean {
    if (classifyDatabaseError(error) !== "refusal") return false;
    if (part.length > 1) return true;
    const entry = part[0]!;
    // The database refuses even the record of its refusal: nothing else to write, so it is retried like an outage.
    if (isRejected(entry.outcome)) return false;
    const message = messageOf(error);
    this.log({ level: "error", event: "outcome-rejected", message: "the database refused an outcome; recording it as FAILED (OutcomeRejected)", taskId: entry.outcome.id, error: message });
    entry.outcome = rejected(entry.outcome, message);
    return true;
  }

  /** After a failed write that is not a refusal (an outage, a timeout): says so, then waits longer after each failure. */
  async #waitToRetry(outcomes: number, failures: number, error: unknown): Promise<void> {
    const delay = Math.min(100 * 2 ** failures, MAX_BACKOFF_MS);
    this.log({ level: "warn", event: "outcome-write-failed", message: `could not record ${outcomes} outcome(s); retrying in ${delay} ms`, error: messageOf(error) });
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function isRejected(outcome: Outcome): boolean {
  return outcome.status === "FAILED" && outcome.error.exceptionClass === "OutcomeRejected";
}

function sameError(stored: TaskError | undefined, error: TaskError): boolean {
  return stored !== undefined && stored.exceptionClass === error.exceptionClass && stored.message === error.message;
}

/**
 * Whether a row shows this worker's write of `outcome`. Attempt n's worker is the row's n-th worker id, and a failed
 * attempt n left the n-th error (every earlier attempt ended in an error: a retry or a rescue); a rescue writes its own
 * error (WorkerLost) and time, so it is never mistaken for this worker's write.
 */
export function showsOwnWrite(row: StoredTask, outcome: Outcome, workerId: string): boolean {
  const attempt = outcome.attempt;
  if (row.workerIds[attempt - 1] !== workerId) return false;
  switch (outcome.status) {
    case "COMPLETE":
      return row.status === "COMPLETE" && row.attempts === attempt && row.finishedAt?.getTime() === outcome.finishedAt.getTime();
    case "FAILED":
    case "CANCELLED":
      // A cancel recorded during the attempt turns a FAILED outcome into CANCELLED.
      return (row.status === "FAILED" || row.status === "CANCELLED") && row.attempts === attempt && sameError(row.errors[attempt - 1], outcome.error);
    case "NEW":
      // Sent back to NEW, the task may since have been claimed again (by any worker): later attempts follow this one.
      return row.attempts >= attempt && sameError(row.errors[attempt - 1], outcome.error);
  }
}

/** The outcome a database refused, turned into a FAILED outcome that says so. */
function rejected(outcome: Outcome, reason: string): Outcome {
  return {
    id: outcome.id,
    attempt: outcome.attempt,
    status: "FAILED",
    finishedAt: new Date(),
    error: {
      exceptionClass: "OutcomeRejected",
      message: errorFromException(new Error(`the database refused to record this attempt's ${outcome.status} outcome: ${reason}`)).message,
      traceback: "",
    },
  };
}
