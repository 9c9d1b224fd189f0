// The rescuer: every half lease, recovers tasks whose worker went silent (its lease ran out), in bounded batches: back
// to NEW while attempts remain, FAILED with WorkerLost on the last.
import type { Dialect, RescueCounts, SqlClient } from "../dialects/types.js";
import { withTimeout } from "./database-errors.js";
import { messageOf, type Log } from "./log.js";
import { MaintenanceLoop, statementTimeoutFor } from "./maintenance.js";

/** Rows recovered per statement. */
const RESCUE_BATCH = 1_000;

export interface RescuerSetup {
  dialect: Pick<Dialect, "rescueExpired">;
  sql: SqlClient;
  /** This worker's lease: how long it waits after a database error before taking anyone's tasks. */
  leaseMs: number;
  log: Log;
  /** When any statement of this worker last failed to reach the database (performance.now()), or -Infinity. */
  databaseFailedAt(): number;
  /** Told when a rescue could not reach the database. */
  onDatabaseError(): void;
  /** Told when tasks went back to NEW, ready to claim. */
  onRequeued(): void;
  /** Between the starts of two rescues (the next waits for the last to end); half the lease by default. */
  intervalMs?: number;
  /** The longest one rescue statement may take; the interval by default (1 to 30 s). */
  timeoutMs?: number;
  batchSize?: number;
}

export class Rescuer {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly batchSize: number;
  readonly #setup: RescuerSetup;
  readonly #loop: MaintenanceLoop;
  #stopped = false;
  /** A rescue could not reach the database: the next one first checks that the database answers again. */
  #cutOff = false;
  /** When the database answered again after a failed rescue (performance.now()). */
  #restoredAt = -Infinity;

  constructor(setup: RescuerSetup) {
    this.#setup = setup;
    this.intervalMs = setup.intervalMs ?? Math.max(Math.floor(setup.leaseMs / 2), 50);
    this.timeoutMs = setup.timeoutMs ?? statementTimeoutFor(this.intervalMs);
    this.batchSize = setup.batchSize ?? RESCUE_BATCH;
    this.#loop = new MaintenanceLoop(this.intervalMs, () => this.rescue().then(() => undefined));
  }

  /** Rescues now, then every interval (never two rescues at once). */
  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    this.#stopped = true;
    return this.#loop.stop();
  }

  /**
   * Recovers every expired lease, a batch per statement until a batch comes back short; returns the counts. Never
   * rejects: a failure is logged and reported, and what it did not reach waits for the next rescue.
   */
  async rescue(): Promise<RescueCounts> {
    const { dialect, sql, leaseMs, log } = this.#setup;
    const total = { requeued: 0, failed: 0 };
    // Right after an outage every worker's heartbeats are overdue, the live ones' too: give them a lease to renew
    // before taking anyone's tasks, or tasks whose outcomes are about to be written would run again. A lease from when
    // the database answered again, not from the last failure seen, which may be long before the outage ended.
    if (performance.now() - Math.max(this.#setup.databaseFailedAt(), this.#restoredAt) < leaseMs) return total;
    try {
      if (this.#cutOff) {
        await withTimeout(sql.$queryRawUnsafe("SELECT 1"), this.timeoutMs, "a check that the database answers");
        this.#cutOff = false;
        this.#restoredAt = performance.now();
        return total;
      }
      for (;;) {
        const counts = await withTimeout(dialect.rescueExpired(sql, this.batchSize), this.timeoutMs, "a rescue of expired leases");
        total.requeued += counts.requeued;
        total.failed += counts.failed;
        if (counts.requeued + counts.failed < this.batchSize || this.#stopped) break;
      }
    } catch (error) {
      this.#cutOff = true;
      this.#setup.onDatabaseError();
      log({ level: "warn", event: "rescue-failed", message: "could not check for expired leases", error: messageOf(error) });
    }
    if (total.requeued + total.failed > 0) {
      log({ level: "warn", event: "rescued", message: `recovered tasks of silent workers: ${total.requeued} back to NEW, ${total.failed} FAILED (WorkerLost)` });
      if (total.requeued > 0) this.#setup.onRequeued();
    }
    return total;
  }
}
