// A worker's periodic jobs (heartbeat, rescue, reports): a run starts an interval after the previous one started, or as
// soon as it ended when it took longer, so a slow database never makes runs overlap or pile up.

/** The longest a maintenance statement may take by default: its loop's interval, within these bounds. */
const MIN_STATEMENT_TIMEOUT_MS = 1_000;
const MAX_STATEMENT_TIMEOUT_MS = 30_000;

/** How long one statement of a job run every `intervalMs` may take before the job gives up on it. */
export function statementTimeoutFor(intervalMs: number): number {
  return Math.min(Math.max(intervalMs, MIN_STATEMENT_TIMEOUT_MS), MAX_STATEMENT_TIMEOUT_MS);
}

export class MaintenanceLoop {
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> | undefined;
  #stopped = false;

  /** `run` must not reject: a job reports its own failures and tries again next time. */
  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
  ) {}

  /** Runs the job now (or after `delayMs`), then every interval (never two runs at once), until stop(). */
  start(delayMs = 0): void {
    this.#schedule(delayMs);
  }

  /** Stops scheduling runs; resolves once a run under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (delayMs <= 0) {
      const started = performance.now();
      const next = () => {
        this.#current = undefined;
        this.#schedule(this.intervalMs - (performance.now() - started));
      };
      this.#current = this.run().then(next, next);
      return;
    }
    // Unreferenced: a pending run never keeps a process alive that has nothing else to do.
    this.#timer = setTimeout(() => this.#schedule(0), delayMs);
    this.#timer.unref();
  }
}
