// The worker's heartbeat: every third of a lease, extends the leases of the tasks it holds, lets go of those another
// worker has taken over, and passes on the cancels recorded for them.
import type { Dialect, SqlClient } from "../dialects/types.js";
import { withTimeout } from "./database-errors.js";
import { messageOf, type Log } from "./log.js";
import { MaintenanceLoop, statementTimeoutFor } from "./maintenance.js";

/** Ids per heartbeat statement: a worker holding many tasks renews them in several short statements. */
const HEARTBEAT_BATCH = 1_000;

/** The tasks a worker holds at one moment, and what to do about those whose lease it no longer has. */
export interface Holding {
  readonly ids: readonly string[];
  /**
   * Called with the ids whose leases were renewed when some were not: the others were rescued by another worker (this
   * one was cut off for longer than its lease), so the attempts asked about must stop here.
   */
  lost(renewed: ReadonlySet<string>): void;
  /** Called with the held tasks whose cancel was recorded (every heartbeat until they end: repeats do no harm). */
  cancelRequested?(ids: readonly string[]): void;
}

export interface HeartbeatSetup {
  dialect: Pick<Dialect, "heartbeat">;
  sql: SqlClient;
  workerId: string;
  leaseMs: number;
  /** The tasks held now. */
  held(): Holding;
  log: Log;
  /** Told when a heartbeat could not reach the database. */
  onDatabaseError(): void;
  /** Between the starts of two heartbeats (the next waits for the last to end); a third of the lease by default. */
  intervalMs?: number;
  /** The longest one heartbeat statement may take; the interval by default (1 to 30 s). */
  timeoutMs?: number;
}

export class Heartbeat {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly #setup: HeartbeatSetup;
  readonly #loop: MaintenanceLoop;

  constructor(setup: HeartbeatSetup) {
    this.#setup = setup;
    this.intervalMs = setup.intervalMs ?? Math.max(Math.floor(setup.leaseMs / 3), 50);
    this.timeoutMs = setup.timeoutMs ?? statementTimeoutFor(this.intervalMs);
    this.#loop = new MaintenanceLoop(this.intervalMs, () => this.beat());
  }

  /** The first heartbeat comes an interval from now: claims have just set the leases. */
  start(): void {
    this.#loop.start(this.intervalMs);
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Renews every lease held now, a batch of ids per statement. Never rejects: a failure is logged and reported. */
  async beat(): Promise<void> {
    const { dialect, sql, workerId, leaseMs } = this.#setup;
    const holding = this.#setup.held();
    if (holding.ids.length === 0) return;
    const renewed = new Set<string>();
    const cancelled: string[] = [];
    try {
      for (let start = 0; start < holding.ids.length; start += HEARTBEAT_BATCH) {
        const ids = holding.ids.slice(start, start + HEARTBEAT_BATCH);
        const statement = dialect.heartbeat(sql, workerId, ids, leaseMs);
        for (const lease of await withTimeout(statement, this.timeoutMs, "a heartbeat")) {
          renewed.add(lease.id);
          if (lease.cancelRequested) cancelled.push(lease.id);
        }
      }
    } catch (error) {
      this.#setup.onDatabaseError();
      this.#setup.log({ level: "warn", event: "heartbeat-failed", message: "could not renew leases", error: messageOf(error) });
      return;
    }
    if (renewed.size < holding.ids.length) holding.lost(renewed);
    if (cancelled.length > 0) holding.cancelRequested?.(cancelled);
  }
}
