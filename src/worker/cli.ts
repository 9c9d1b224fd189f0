// tasks-worker: parses the command line, loads tasks.config.ts, and runs a worker or a prune.
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { TasksWorkerConfig } from "../config.js";
import { CANCELLABLE, RETRYABLE, type TaskFilter } from "../control.js";
import { DatabaseUnreachable, TaskTableUnavailable, TasksError } from "../errors.js";
import type { TaskResult, TaskStatus } from "../result.js";
import { parseDashboardCommand, type DashboardCommand } from "../dashboard/command.js";
import { scheduleStatuses } from "../schedules.js";
import { TasksClient, runtimeOf } from "../tasks-client.js";
import { withTimeout } from "./database-errors.js";
import { LOG_LEVELS, describeDatabase, streamLog, type LogFormat, type LogLevel } from "./log.js";
import { DEFAULT_PRUNE_BATCH_SIZE, pruneTasks, type PruneProgress } from "./prune.js";
import { Worker } from "./worker.js";

export const USAGE = `Usage:
  tasks-worker [--config tasks.config.ts] [--queue emails,default | '*'] [--backend default]
               [--concurrency 10] [--interval 1] [--batch] [--max-tasks N] [--worker-id ID]
               [--no-startup-delay] [--log-format text|json] [--log-level info|warn|error]
               [--lease-ms 60000] [--prefetch N] [--connect-timeout 30] [--no-schedules]
  tasks-worker schedules [--config tasks.config.ts]
  tasks-worker prune [--config tasks.config.ts] [--min-age-days 14] [--failed-min-age-days N]
                     [--queue emails,default | '*'] [--dry-run] [--batch-size 5000]
  tasks-worker cancel [--config tasks.config.ts] ID... | --status NEW|RUNNING --task NAME [--queue Q] [--since 2h] [--dry-run]
  tasks-worker retry [--config tasks.config.ts] ID... | --status FAILED|CANCELLED --task NAME [--queue Q] [--since 2h] [--dry-run]
  tasks-worker dashboard [--config tasks.config.ts] [--port 4310] [--host 127.0.0.1] [--read-only] [--token T]
A .ts config loads with Node's own type stripping (Node 22.18 and later) or, on Node 20, with tsx (npm install -D tsx);
a .js or .mjs config needs neither.`;

/** A problem with the command line or the config: exit code 2 with a one-line reason. */
class UsageError extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A prune of many batches prints its progress every this many batches, or sooner when this long has passed. */
const PROGRESS_BATCHES = 10;
const PROGRESS_MS = 5_000;
/** The longest the command waits for the database connections to close before it exits. */
const DISCONNECT_MS = 5_000;

function number(option: string, text: string | undefined, check: (value: number) => boolean, rule: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !check(value)) throw new UsageError(`--${option} ${JSON.stringify(text)}: must be ${rule}`);
  return value;
}

/** A number of seconds from 0 to an hour, as milliseconds. */
function seconds(option: string, text: string | undefined): number | undefined {
  const value = number(option, text, (v) => Number.isFinite(v) && v >= 0 && v <= 3600, "a number of seconds from 0 to 3600");
  return value === undefined ? undefined : Math.round(value * 1000);
}

function queues(text: string | undefined): readonly string[] | "*" | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === "*") return "*";
  const names = text.split(",").map((name) => name.trim());
  if (names.some((name) => name === "")) throw new UsageError(`--queue ${JSON.stringify(text)}: give queue names separated by commas, or '*'`);
  return names;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: "string" },
        queue: { type: "string" },
        backend: { type: "string" },
        concurrency: { type: "string" },
        interval: { type: "string" },
        batch: { type: "boolean" },
        "max-tasks": { type: "string" },
        "worker-id": { type: "string" },
        "no-startup-delay": { type: "boolean" },
        "no-schedules": { type: "boolean" },
        "log-format": { type: "string" },
        "log-level": { type: "string" },
        "lease-ms": { type: "string" },
        prefetch: { type: "string" },
        "connect-timeout": { type: "string" },
        "min-age-days": { type: "string" },
        "failed-min-age-days": { type: "string" },
        "dry-run": { type: "boolean" },
        "batch-size": { type: "string" },
        status: { type: "string" },
        task: { type: "string" },
        since: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
}

const WORKER_ONLY = ["backend", "concurrency", "interval", "batch", "max-tasks", "worker-id", "no-startup-delay", "log-level", "lease-ms", "prefetch", "connect-timeout", "no-schedules"] as const;
const PRUNE_ONLY = ["min-age-days", "failed-min-age-days", "dry-run", "batch-size"] as const;
const CONTROL_ONLY = ["status", "task", "since"] as const;

/** Refuses the filter options of cancel and retry when given to another command. */
function refuseControlOptions(has: (name: string) => boolean): void {
  const misplaced = CONTROL_ONLY.find(has);
  if (misplaced) throw new UsageError(`--${misplaced} belongs to "tasks-worker cancel" and "tasks-worker retry"`);
}

export type Command =
  | { kind: "help" }
  | { kind: "work"; config: string; logFormat: LogFormat; logLevel: LogLevel; worker: Record<string, unknown> }
  | {
      kind: "prune";
      config: string;
      minAgeDays: number;
      failedMinAgeDays: number;
      queues: readonly string[] | "*";
      dryRun: boolean;
      batchSize: number;
    }
  | { kind: "schedules"; config: string }
  | ControlCommand
  | DashboardCommand;

/** `tasks-worker cancel` or `retry`: of the tasks named by id, or of those a filter matches. */
export type ControlCommand =
  | { kind: "cancel" | "retry"; config: string; ids: readonly string[] }
  | { kind: "cancel" | "retry"; config: string; filter: TaskFilter; dryRun: boolean };

export function parseCommand(argv: readonly string[]): Command {
  if (argv[0] === "dashboard") {
    // Help is asked the same way for every command; the usage text names the dashboard's options.
    if (argv.slice(1).some((arg) => arg === "--help" || arg === "-h")) return { kind: "help" };
    return parseDashboardCommand(argv.slice(1), (message) => new UsageError(message));
  }
  const { values, positionals } = parse(argv);
  if (values.help) return { kind: "help" };
  if (positionals[0] === "cancel" || positionals[0] === "retry") return parseControl(positionals[0], values, positionals.slice(1));
  const config = values.config ?? "tasks.config.ts";
  if (positionals[0] === "schedules" && positionals.length === 1) {
    const misplaced = Object.keys(values).find((name) => name !== "config");
    if (misplaced) throw new UsageError(`--${misplaced} is not a schedules option; schedules takes --config`);
    return { kind: "schedules", config };
  }
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== "prune")) {
    throw new UsageError(`unknown command ${JSON.stringify(positionals.join(" "))}; the commands are "prune", "schedules", "cancel", "retry" and "dashboard"`);
  }
  const logFormat = (values["log-format"] ?? "text") as LogFormat;
  if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`--log-format ${JSON.stringify(logFormat)}: must be text or json`);
  const has = (name: string) => (values as Record<string, unknown>)[name] !== undefined;
  if (positionals[0] === "prune") {
    const misplaced = WORKER_ONLY.find(has);
    if (misplaced) throw new UsageError(`--${misplaced} is a worker option; prune takes --min-age-days, --failed-min-age-days, --queue, --dry-run, --batch-size`);
    refuseControlOptions(has);
    const minAgeDays = number("min-age-days", values["min-age-days"], (v) => Number.isFinite(v) && v >= 0, "a number of days, 0 or more") ?? 14;
    const failedMinAgeDays =
      number("failed-min-age-days", values["failed-min-age-days"], (v) => Number.isFinite(v) && v >= 0, "a number of days, 0 or more") ?? minAgeDays;
    const batchSize =
      number("batch-size", values["batch-size"], (v) => Number.isInteger(v) && v >= 1 && v <= 1_000_000, "a whole number from 1 to 1000000") ??
      DEFAULT_PRUNE_BATCH_SIZE;
    const dryRun = values["dry-run"] ?? false;
    return { kind: "prune", config, minAgeDays, failedMinAgeDays, queues: queues(values.queue) ?? "*", dryRun, batchSize };
  }
  const misplaced = PRUNE_ONLY.find(has);
  if (misplaced) throw new UsageError(`--${misplaced} belongs to "tasks-worker prune"`);
  refuseControlOptions(has);
  const logLevel = (values["log-level"] ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level ${JSON.stringify(logLevel)}: must be info, warn or error`);
  const worker: Record<string, unknown> = {
    queues: queues(values.queue),
    backend: values.backend,
    concurrency: number("concurrency", values.concurrency, (v) => Number.isInteger(v) && v >= 1 && v <= 1000, "a whole number from 1 to 1000"),
    interval: number("interval", values.interval, (v) => Number.isFinite(v) && v > 0 && v <= 3600, "a number of seconds above 0, at most 3600"),
    batch: values.batch,
    maxTasks: number("max-tasks", values["max-tasks"], (v) => Number.isSafeInteger(v) && v >= 1, "a whole number, 1 or more"),
    workerId: values["worker-id"],
    startupDelay: values["no-startup-delay"] ? false : undefined,
    leaseMs: number("lease-ms", values["lease-ms"], (v) => Number.isInteger(v) && v >= 100, "a whole number of milliseconds, 100 or more"),
    prefetch: number("prefetch", values.prefetch, (v) => Number.isInteger(v) && v >= 0 && v <= 10_000, "a whole number from 0 to 10000"),
    connectTimeoutMs: seconds("connect-timeout", values["connect-timeout"]),
    schedules: values["no-schedules"] ? false : undefined,
  };
  if (typeof worker.workerId === "string" && (worker.workerId.length < 1 || worker.workerId.length > 64)) {
    throw new UsageError(`--worker-id ${JSON.stringify(worker.workerId)}: must be 1 to 64 characters`);
  }
  for (const key of Object.keys(worker)) if (worker[key] === undefined) delete worker[key];
  return { kind: "work", config, logFormat, logLevel, worker };
}

/** Whether this Node strips TypeScript types itself: 22.18 and later, 24, or older 22s with the flag. */
function nodeLoadsTypeScript(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/**
 * Lets this process import a TypeScript config where Node cannot: through tsx, an optional peer the app installs.
 * Its loader is global (not namespaced), so the config shares this process's prisma-tasks modules.
 */
async function registerTsx(path: string): Promise<void> {
  let tsx: typeof import("tsx/esm/api");
  try {
    tsx = await import("tsx/esm/api");
  } catch (error) {
    if ((error as { code?: unknown })?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new UsageError(
      `config ${path} is TypeScript, which Node ${process.versions.node} cannot load by itself: ` +
        `install tsx (npm install --save-dev tsx), use Node 22.18 or later, or give a .js or .mjs config`,
    );
  }
  tsx.register();
}

/** Why Node's own type stripping could not load a config that tsx might have: imports by .js names, enums... */
function typeStrippingHint(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX") return "";
  return " (Node loads TypeScript itself here: import local files by their .ts names and use only erasable syntax, or give a .js or .mjs config)";
}

/**
 * Loads the config and returns the extended client and the config. A JavaScript config (a compiled app) loads as it
 * is; a TypeScript one through Node's own type stripping where there is one, else through tsx: no build step.
 */
async function loadConfig(path: string): Promise<{ prisma: { $tasks: TasksClient; $disconnect(): Promise<void> }; config: TasksWorkerConfig }> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`config file not found: ${file} (pass --config PATH)`);
  const typescript = /\.[cm]?tsx?$/.test(file);
  const stripsTypes = typescript && nodeLoadsTypeScript();
  if (typescript && !stripsTypes) await registerTsx(path);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    const hint = stripsTypes ? typeStrippingHint(error) : "";
    throw new UsageError(`config ${path} failed to load: ${(error as Error)?.message?.split("\n")[0] ?? String(error)}${hint}`);
  }
  // A config compiled to CommonJS arrives as { default: { default: config } }.
  const exported = module.default as { prisma?: unknown; default?: unknown } | undefined;
  const config = (exported && !("prisma" in exported) && exported.default ? exported.default : exported) as TasksWorkerConfig | undefined;
  if (typeof config !== "object" || config === null || !("prisma" in config)) {
    throw new UsageError(`config ${path} must export default defineConfig({ prisma }) `);
  }
  let prisma: unknown;
  try {
    prisma = typeof config.prisma === "function" ? await (config.prisma as () => unknown)() : config.prisma;
  } catch (error) {
    throw new UsageError(`config ${path}: its prisma function threw: ${(error as Error)?.message ?? String(error)}`);
  }
  const tasks = (prisma as { $tasks?: unknown } | undefined)?.$tasks;
  if (!(tasks instanceof TasksClient)) {
    throw new UsageError(`config ${path}: prisma must be a PrismaClient extended with withTasks(...)`);
  }
  for (const task of config.tasks ?? []) {
    if (!runtimeOf(tasks).registry.has(task.name)) throw new UsageError(`config ${path}: task "${task.name}" is not given to withTasks({ tasks })`);
  }
  return { prisma: prisma as { $tasks: TasksClient; $disconnect(): Promise<void> }, config };
}

/** Runs the command; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    command = parseCommand(argv);
    if (command.kind === "help") {
      console.log(USAGE);
      return 0;
    }
    loaded = await loadConfig(command.config);
  } catch (error) {
    if (error instanceof UsageError || error instanceof TasksError) {
      console.error(`tasks-worker: ${error.message}`);
      return 2;
    }
    throw error;
  }
  try {
    if (command.kind === "prune") return await prune(command, loaded.prisma);
    if (command.kind === "work") return await work(command, loaded);
    if (command.kind === "schedules") return await schedules(loaded.prisma);
    // The dashboard's module, and its dependencies, load only for its command.
    if (command.kind === "dashboard") return await (await import("../dashboard/cli.js")).serveDashboard(command, loaded.prisma);
    return await control(command, loaded.prisma);
  } catch (error) {
    if (error instanceof TasksError) {
      console.error(`tasks-worker: ${error.message}`);
      return 2;
    }
    console.error("tasks-worker: fatal error:", error);
    return 1;
  } finally {
    // Bounded: closing a pool waits for its statements, and a database that hangs must not keep the process alive.
    await withTimeout(loaded.prisma.$disconnect(), DISCONNECT_MS, "disconnecting").catch(() => {});
  }
}

async function work(command: Extract<Command, { kind: "work" }>, loaded: Awaited<ReturnType<typeof loadConfig>>): Promise<number> {
  const log = streamLog(command.logFormat, command.logLevel);
  const worker = new Worker({ ...loaded.config.worker, ...command.worker, directUrl: loaded.config.directUrl, prisma: loaded.prisma, log });
  const { options } = worker;
  const queues = worker.queues === "*" ? "* (all)" : worker.queues.join(",");
  log({
    level: "info",
    event: "worker-started",
    message: `worker ${options.workerId} started: queues=${queues} concurrency=${options.concurrency} database=${describeDatabase(worker.database)}`,
    workerId: options.workerId,
  });
  let stoppedBy: NodeJS.Signals | undefined;
  let forced = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy === undefined) {
      stoppedBy = signal;
      log({ level: "info", event: "stopping", message: `${signal}: finishing running tasks, then exiting (send again to abort them)` });
      void worker.stop();
    } else {
      forced = true;
      log({ level: "warn", event: "aborting", message: `${signal} again: aborting running tasks` });
      void worker.stop({ abort: true });
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    await worker.run();
  } catch (error) {
    if (!(error instanceof DatabaseUnreachable || error instanceof TaskTableUnavailable)) throw error;
    log.flush();
    console.error(`tasks-worker: ${error.message}`);
    return 1;
  } finally {
    log.flush();
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
  log({ level: "info", event: "worker-stopped", message: `worker ${options.workerId} stopped` });
  log.flush();
  return exitCode(forced, stoppedBy, (options.batch || options.maxTasks !== undefined) && !worker.drained);
}

/**
 * 1 after a forced stop. A --batch or --max-tasks run that a signal stopped before its work ran out: 128 + the signal's
 * number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process that signal ended, so a cron job or CI step
 * does not report an unfinished run as done. Otherwise 0.
 */
function exitCode(forced: boolean, stoppedBy: NodeJS.Signals | undefined, unfinished: boolean): number {
  if (forced) return 1;
  if (stoppedBy !== undefined && unfinished) return 128 + constants.signals[stoppedBy];
  return 0;
}

async function prune(command: Extract<Command, { kind: "prune" }>, prisma: { $tasks: TasksClient }): Promise<number> {
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  const started = Date.now();
  const scope = command.queues === "*" ? "all queues" : `queues ${command.queues.join(",")}`;
  let reported = started;
  const onBatch = (progress: PruneProgress) => {
    const now = Date.now();
    if (progress.batches % PROGRESS_BATCHES !== 0 && now - reported < PROGRESS_MS) return;
    reported = now;
    console.log(
      `prune (${scope}): deleted ${progress.complete + progress.failed} so far (${progress.complete} COMPLETE, ` +
        `${progress.failed} FAILED or CANCELLED) in ${progress.batches} batch(es), ${((now - started) / 1000).toFixed(1)} s`,
    );
  };
  const request = {
    completeBefore: new Date(started - command.minAgeDays * DAY_MS),
    failedBefore: new Date(started - command.failedMinAgeDays * DAY_MS),
    queues: command.queues,
  };
  const counts = await pruneTasks(dialect, sql, request, { batchSize: command.batchSize, dryRun: command.dryRun, onBatch });
  const verb = command.dryRun ? "would delete" : "deleted";
  console.log(
    `prune (${scope}): ${verb} ${counts.complete} COMPLETE task(s) finished over ${command.minAgeDays} day(s) ago and ` +
      `${counts.failed} FAILED or CANCELLED task(s) finished over ${command.failedMinAgeDays} day(s) ago`,
  );
  return 0;
}

/** `tasks-worker schedules`: each schedule with its key, cron, time zone, last stored slot and next three slots. */
async function schedules(prisma: { $tasks: TasksClient }): Promise<number> {
  const { schedules, dialect, sql } = runtimeOf(prisma.$tasks);
  if (schedules.length === 0) {
    console.log("no schedules: withTasks({ tasks, schedules: [{ task, cron }] }) configures them");
    return 0;
  }
  for (const status of await scheduleStatuses(schedules, (keys) => dialect.lastScheduledSlots(sql, keys))) {
    const backfill = status.backfill === undefined ? "" : ` backfill=${status.backfill}ms`;
    console.log(`${status.key}: task=${status.taskName} cron=${JSON.stringify(status.cron)} tz=${status.tz}${backfill}`);
    console.log(`  last slot: ${status.lastSlot?.toISOString() ?? "none yet"}`);
    console.log(`  next slots: ${status.nextSlots.map((slot) => slot.toISOString()).join(", ")}`);
  }
  return 0;
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** `--since 2h`: the time that long ago. */
function since(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (!match) throw new UsageError(`--since ${JSON.stringify(text)}: must be a duration such as 30s, 15m, 2h or 7d`);
  return new Date(Date.now() - Number(match[1]) * DURATION_UNITS_MS[match[2]!]!);
}

function parseControl(kind: "cancel" | "retry", values: ReturnType<typeof parse>["values"], ids: readonly string[]): ControlCommand {
  const config = values.config ?? "tasks.config.ts";
  const has = (name: string) => (values as Record<string, unknown>)[name] !== undefined;
  const misplaced = [...WORKER_ONLY, "min-age-days", "failed-min-age-days", "batch-size"].find(has);
  const form = `${kind} takes task ids, or --status, --task, --queue, --since and --dry-run`;
  if (misplaced) throw new UsageError(`--${misplaced} is not a ${kind} option; ${form}`);
  const filtered = (["status", "task", "queue", "since", "dry-run"] as const).find(has);
  if (ids.length > 0) {
    if (filtered) throw new UsageError(`--${filtered} with task ids: ${kind} takes task ids, or a filter (--status and --task), not both`);
    return { kind, config, ids };
  }
  const statuses = kind === "cancel" ? CANCELLABLE : RETRYABLE;
  if (values.status === undefined) throw new UsageError(`${kind} needs task ids, or --status ${statuses.join("|")} --task NAME`);
  if (!statuses.includes(values.status as TaskStatus)) {
    throw new UsageError(`--status ${JSON.stringify(values.status)}: ${kind} takes ${statuses.join(" or ")}`);
  }
  if (!values.task) throw new UsageError(`--task NAME is required with --status: a bulk ${kind} names the task it acts on`);
  if (values.queue !== undefined && !/^[^,*\s]+$/.test(values.queue)) throw new UsageError(`--queue ${JSON.stringify(values.queue)}: give one queue name`);
  const filter: TaskFilter = { status: values.status as TaskStatus, taskName: values.task, queueName: values.queue, since: since(values.since) };
  return { kind, config, filter, dryRun: values["dry-run"] ?? false };
}

async function control(command: ControlCommand, prisma: { $tasks: TasksClient }): Promise<number> {
  if ("filter" in command) return controlMany(command, prisma);
  let failures = 0;
  for (const id of command.ids) {
    try {
      if (command.kind === "cancel") {
        // Read first: a cancel reports CANCELLED whether it made the task so or found it so.
        const before = await prisma.$tasks.getResult(id);
        const result = before.status === "CANCELLED" ? before : await prisma.$tasks.cancel(id);
        console.log(`${id} ${result.taskName}: ${before.status === "CANCELLED" ? "already CANCELLED; unchanged" : cancelled(result)}`);
      } else {
        const result = await prisma.$tasks.retry(id);
        console.log(`${id} ${result.taskName}: ${retried(result)}`);
      }
    } catch (error) {
      if (!(error instanceof TasksError)) throw error;
      console.error(`tasks-worker: ${error.message}`);
      failures++;
    }
  }
  return failures === 0 ? 0 : 1;
}

function cancelled(result: TaskResult): string {
  if (result.status === "CANCELLED") return "CANCELLED";
  if (result.status === "RUNNING") return "RUNNING; cancel requested: the attempt ends CANCELLED unless it completes first";
  return `already ${result.status}; unchanged`;
}

function retried(result: TaskResult): string {
  return result.status === "NEW" ? `NEW again; attempt ${result.attempts + 1} of ${result.maxAttempts} runs next` : result.status;
}

async function controlMany(command: Extract<ControlCommand, { filter: TaskFilter }>, prisma: { $tasks: TasksClient }): Promise<number> {
  const { filter, dryRun } = command;
  const change = command.kind === "cancel" ? await prisma.$tasks.cancelMany(filter, { dryRun }) : await prisma.$tasks.retryMany(filter, { dryRun });
  const [would, did] =
    command.kind === "retry"
      ? ["would retry", "retried"]
      : filter.status === "NEW"
        ? ["would cancel", "cancelled"]
        : ["would request the cancel of", "requested the cancel of"];
  const scope = [
    `status ${filter.status}`,
    `task ${filter.taskName}`,
    ...(filter.queueName ? [`queue ${filter.queueName}`] : []),
    ...(filter.since ? [`since ${filter.since.toISOString()}`] : []),
  ].join(", ");
  console.log(`${command.kind}${dryRun ? " --dry-run" : ""}: ${dryRun ? would : did} ${change.count} task(s) (${scope})`);
  for (const id of change.ids) console.log(id);
  return 0;
}
