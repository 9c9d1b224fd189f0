// Worker log lines: one per state change, as text for people or JSON for machines.
export type LogFormat = "text" | "json";

export interface LogEntry {
  level: "info" | "warn" | "error";
  event: string;
  message: string;
  taskId?: string;
  taskName?: string;
  queue?: string;
  attempt?: number;
  durationMs?: number;
  error?: string;
  [field: string]: unknown;
}

/** Writes one entry. `enabled`, when given, says whether entries of a level are kept: a worker skips building the ones
 * that are not (a busy worker would build two info entries per task). */
export type Log = ((entry: LogEntry) => void) & { enabled?(level: LogLevel): boolean };

/** The least severe level a log keeps: info keeps everything, error keeps errors only. */
export type LogLevel = LogEntry["level"];
export const LOG_LEVELS: readonly LogLevel[] = ["info", "warn", "error"];

/** An error's message for a log line: an Error's message, or anything else as text. */
export function messageOf(error: unknown): string {
  return String((error as Error | null)?.message ?? error);
}

/**
 * An error's reason in one line. Prisma's messages start with where it was called from ("Invalid `prisma.$queryRaw()`
 * invocation:", sometimes with lines of the caller's code) and end with the driver's reason, its last paragraph;
 * other errors keep every line (Node's for a native addon built for another Node version spans five).
 */
export function reasonOf(error: unknown): string {
  const message = messageOf(error).trim();
  const reason = /^Invalid `[^`\n]*` invocation/.test(message) ? message.split(/\n\s*\n/).at(-1)! : message;
  return reason.split("\n").map((line) => line.trim()).filter(Boolean).join(" ");
}

/** Where a worker connects, for its log lines: a connection URL as host:port/database, never its user or password. */
export function describeDatabase(where: string): string {
  let url: URL;
  try {
    url = new URL(where);
  } catch {
    return where;
  }
  if (!url.hostname) return where;
  const port = url.port || (/^postgres(ql)?:$/.test(url.protocol) ? "5432" : "");
  // The schema tells apart several apps (or tenants) in one database; other parameters may hold secrets.
  const schema = url.searchParams.get("schema");
  return `${url.hostname}${port ? `:${port}` : ""}/${decodeURIComponent(url.pathname.slice(1))}${schema ? `?schema=${schema}` : ""}`;
}

const TASK_FIELDS = ["taskId", "taskName", "queue", "attempt", "durationMs"] as const;

function formatEntry(entry: LogEntry, format: LogFormat, now: Date = new Date()): string {
  if (format === "json") return JSON.stringify({ time: now.toISOString(), ...entry });
  // Built by hand: a busy worker formats two of these per task.
  let line = `${now.toISOString()} ${LEVELS[entry.level]} ${entry.message}`;
  for (const key of TASK_FIELDS) if (entry[key] !== undefined) line += ` ${key}=${entry[key]}`;
  if (entry.error !== undefined) line += ` error=${JSON.stringify(entry.error)}`;
  return line;
}

const LEVELS = { info: "INFO ", warn: "WARN ", error: "ERROR" } as const;

/**
 * A log that writes formatted lines of `level` and above: info to stdout, warnings and errors to stderr. Lines logged in
 * one turn of the event loop go out in one write (a busy worker logs two lines per task); `flush()` writes what is
 * pending now.
 */
export function streamLog(format: LogFormat, level: LogLevel = "info"): Log & { flush(): void } {
  const least = LOG_LEVELS.indexOf(level);
  const enabled = (entryLevel: LogLevel) => LOG_LEVELS.indexOf(entryLevel) >= least;
  let out = "";
  let err = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (out) process.stdout.write(out);
    if (err) process.stderr.write(err);
    out = "";
    err = "";
  };
  const log = (entry: LogEntry) => {
    if (!enabled(entry.level)) return;
    const line = `${formatEntry(entry, format)}\n`;
    if (entry.level === "info") out += line;
    else err += line;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return Object.assign(log, { flush, enabled });
}
