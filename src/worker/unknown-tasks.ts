// The unknown-task report: a worker claims only tasks it has a function for, and warns, now and then, about ready
// tasks it leaves waiting (rolling deploys: a newer release enqueues a task that older workers do not have).
import type { Dialect, SqlClient, UnknownTaskCount, UnknownTasksRequest } from "../dialects/types.js";
import { withTimeout } from "./database-errors.js";
import { messageOf, type Log } from "./log.js";
import { MaintenanceLoop, statementTimeoutFor } from "./maintenance.js";

/** How often the report looks, by default. */
const REPORT_EVERY_MS = 60_000;
/** Ready tasks looked at per report, in claim order: the ones this worker would take next if it could. */
const WINDOW = 10_000;
/** Names listed in one warning. */
const NAMES_SHOWN = 10;

export interface UnknownTaskReportSetup {
  dialect: Pick<Dialect, "countUnknownTasks">;
  sql: SqlClient;
  /** What this worker claims: its queues, backend and task names. */
  request: Omit<UnknownTasksRequest, "window">;
  log: Log;
  intervalMs?: number;
  timeoutMs?: number;
}

export class UnknownTaskReport {
  readonly #setup: UnknownTaskReportSetup;
  readonly #request: UnknownTasksRequest;
  readonly #timeoutMs: number;
  readonly #loop: MaintenanceLoop;

  constructor(setup: UnknownTaskReportSetup) {
    this.#setup = setup;
    this.#request = { ...setup.request, window: WINDOW };
    const intervalMs = setup.intervalMs ?? REPORT_EVERY_MS;
    this.#timeoutMs = setup.timeoutMs ?? statementTimeoutFor(intervalMs);
    this.#loop = new MaintenanceLoop(intervalMs, () => this.report().then(() => undefined));
  }

  /** Reports now (a worker's first lines say what it leaves waiting), then every interval. */
  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Logs a warning when ready tasks have names this worker does not know; returns their counts. Never rejects. */
  async report(): Promise<UnknownTaskCount[]> {
    const { dialect, sql, log } = this.#setup;
    let counts: UnknownTaskCount[];
    try {
      counts = await withTimeout(dialect.countUnknownTasks(sql, this.#request), this.#timeoutMs, "the count of unknown tasks");
    } catch (error) {
      log({ level: "warn", event: "unknown-tasks-failed", message: "could not count ready tasks of unknown names", error: messageOf(error) });
      return [];
    }
    if (counts.length > 0) log({ level: "warn", event: "unknown-tasks", message: describe(counts), unknownTasks: counts });
    return counts;
  }
}

function describe(counts: readonly UnknownTaskCount[]): string {
  const total = counts.reduce((sum, each) => sum + each.count, 0);
  const shown = counts.slice(0, NAMES_SHOWN).map((each) => `${each.taskName} (${each.count})`);
  if (counts.length > NAMES_SHOWN) shown.push(`${counts.length - NAMES_SHOWN} more name(s)`);
  return (
    `${total} ready task(s) among the next ${WINDOW} have names this worker does not know: ${shown.join(", ")}; ` +
    `they stay NEW until a worker that has them runs. Fix: deploy workers whose withTasks({ tasks }) includes them`
  );
}
