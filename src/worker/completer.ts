// Outcome writes, batched: finished attempts are written together, and a failed write is retried until it lands.
// While the database is unreachable, outcomes wait in memory. When it is reachable but refuses a batch (a trigger,
// a constraint, a value it cannot store), the batch is written one outcome at a time, and an outcome the database
// still refuses is recorded as FAILED with OutcomeRejected instead, so no task is held RUNNING forever.
import type { Dialect, Outcome, SqlClient } from "../dialects/types.js";
import { errorFromException } from "../result.js";
import type { Log } from "./log.js";

const MAX_BATCH = 500;
const MAX_BACKOFF_MS = 5_000;
/** Failed writes of one batch before its outcomes are written one by one (if the database answers at all). */
const FAILURES_BEFORE_SPLIT = 3;

export class Completer {
  readonly #pending: { outcome: Outcome; done: (written: boolean) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #failures = 0;
  #batchesWritten = 0;
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
    return this.#abandoned.signal.aborted ? this.#unwrittenAtAbandon : this.#pending.length;
  }

  /** The tasks whose outcomes are waiting to be written (their leases must be kept until then). */
  get ids(): string[] {
    return this.#pending.map((entry) => entry.outcome.id);
  }

  /** Queues an outcome; resolves once it is written (true) or found to belong to another worker now (false). */
  record(outcome: Outcome): Promise<boolean> {
    const written = new Promise<boolean>((done) => this.#pending.push({ outcome, done }));
    this.#schedule();
    return written;
  }

  /**
   * Resolves when everything recorded so far is written, or once `abandon()` is called (a forced stop while the
   * database is down); returns how many outcomes were left unwritten. Their leases run out and another worker
   * retries those tasks.
   */
  async drain(): Promise<number> {
    while ((this.#pending.length > 0 || this.#flushing) && !this.#abandoned.signal.aborted) {
      this.#schedule();
      await Promise.race([this.#flushing, this.#whenAbandoned]);
    }
    return this.#abandoned.signal.aborted ? this.#unwrittenAtAbandon : this.#pending.length;
  }

  /** Makes `drain()` return now, whatever is still unwritten. */
  abandon(): void {
    this.#unwrittenAtAbandon = this.#pending.length;
    this.#abandoned.abort();
    for (const entry of this.#pending.splice(0)) entry.done(false);
  }

  /** Whether the database answers at all: a refused write then says something about the outcome, not the network. */
  async #reachable(): Promise<boolean> {
    try {
      await this.client.$queryRawUnsafe("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  #schedule(): void {
    // Outcomes finishing in the same turn of the event loop share one statement.
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0 && !this.#abandoned.signal.aborted) {
        const splitting = this.#failures >= FAILURES_BEFORE_SPLIT && (await this.#reachable());
        const batch = splitting ? this.#pending.slice(0, 1) : this.#pending.slice(0, MAX_BATCH);
        let written: Set<string>;
        try {
          written = new Set(await this.dialect.recordOutcomes(this.client, this.workerId, batch.map((entry) => entry.outcome)));
        } catch (error) {
          const message = String((error as Error)?.message ?? error);
          const refused = batch[0]!.outcome;
          if (splitting && !(refused.status === "FAILED" && refused.error.exceptionClass === "OutcomeRejected")) {
            // The database answers and refuses this one outcome: record why, instead.
            this.log({ level: "error", event: "outcome-rejected", message: "the database refused an outcome; recording it as FAILED (OutcomeRejected)", taskId: batch[0]!.outcome.id, error: message });
            batch[0]!.outcome = rejected(batch[0]!.outcome, message);
            continue;
          }
          this.#failures++;
          const delay = Math.min(100 * 2 ** this.#failures, MAX_BACKOFF_MS);
          this.log({
            level: "warn",
            event: "outcome-write-failed",
            message: `could not record ${batch.length} outcome(s); retrying in ${delay} ms`,
            error: message,
          });
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        // Once split, outcomes go one at a time until the queue is empty: another refused one may follow.
        if (!splitting || this.#pending.length === batch.length) this.#failures = 0;
        this.#batchesWritten++;
        this.#pending.splice(0, batch.length);
        for (const entry of batch) entry.done(written.has(entry.outcome.id));
      }
    } finally {
      this.#flushing = undefined;
    }
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
