// Outcome writes, batched: finished attempts are written together, and a failed write is retried until it lands.
import type { Dialect, Outcome, SqlClient } from "../dialects/types.js";
import type { Log } from "./log.js";

const MAX_BATCH = 500;
const MAX_BACKOFF_MS = 5_000;

export class Completer {
  readonly #pending: { outcome: Outcome; done: (written: boolean) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #failures = 0;
  #batchesWritten = 0;

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
    return this.#pending.length;
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

  /** Resolves when everything recorded so far is written. */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      this.#schedule();
      await this.#flushing;
    }
  }

  #schedule(): void {
    // Outcomes finishing in the same turn of the event loop share one statement.
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.slice(0, MAX_BATCH);
        let written: Set<string>;
        try {
          written = new Set(await this.dialect.recordOutcomes(this.client, this.workerId, batch.map((entry) => entry.outcome)));
        } catch (error) {
          this.#failures++;
          const delay = Math.min(100 * 2 ** this.#failures, MAX_BACKOFF_MS);
          this.log({
            level: "warn",
            event: "outcome-write-failed",
            message: `could not record ${batch.length} outcome(s); retrying in ${delay} ms`,
            error: String((error as Error)?.message ?? error),
          });
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        this.#failures = 0;
        this.#batchesWritten++;
        this.#pending.splice(0, batch.length);
        for (const entry of batch) entry.done(written.has(entry.outcome.id));
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
