// Where failures that must not fail the work around them (a hook that throws, work after a commit) are reported: the
// app's log (withTasks({ log }), console.error by default), or a worker's own log while that worker runs.
import { errorFromException, type TaskResult } from "./result.js";
import type { Log, LogEntry } from "./worker/log.js";

/** withTasks' log when none is given: one line on stderr, then the error's traceback. */
function consoleLog(entry: LogEntry): void {
  const traceback = typeof entry.traceback === "string" && entry.traceback ? `\n${entry.traceback}` : "";
  console.error(`prisma-tasks: ${entry.message}: ${entry.error}${traceback}`);
}

export class Reporter {
  readonly #appLog: Log;
  /** The logs of the workers running now, latest last: reports go to the latest. */
  readonly #workerLogs: Log[] = [];

  constructor(appLog: Log = consoleLog) {
    this.#appLog = appLog;
  }

  /** Sends reports to a worker's `log` until the returned function is called, when that worker stops. */
  redirect(log: Log): () => void {
    this.#workerLogs.push(log);
    return () => {
      const index = this.#workerLogs.lastIndexOf(log);
      if (index >= 0) this.#workerLogs.splice(index, 1);
    };
  }

  /** Never throws: a log that throws is itself reported on stderr, with what it was given. */
  report(entry: LogEntry): void {
    try {
      (this.#workerLogs.at(-1) ?? this.#appLog)(entry);
    } catch (error) {
      consoleLog(entry);
      console.error("prisma-tasks: the log given to withTasks threw:", error);
    }
  }

  hookFailed(hook: string, result: TaskResult, error: unknown): void {
    const { exceptionClass, message, traceback } = errorFromException(error);
    this.report({
      level: "error",
      event: "hook-failed",
      message: `the ${hook} hook threw for task "${result.taskName}" (${result.id})`,
      hook,
      taskId: result.id,
      taskName: result.taskName,
      queue: result.queueName,
      attempt: result.attempts,
      error: `${exceptionClass}: ${message}`,
      traceback,
    });
  }

  afterCommitFailed(error: unknown): void {
    const { exceptionClass, message, traceback } = errorFromException(error);
    this.report({
      level: "error",
      event: "after-commit-failed",
      message: "work scheduled for after the commit failed",
      error: `${exceptionClass}: ${message}`,
      traceback,
    });
  }
}
