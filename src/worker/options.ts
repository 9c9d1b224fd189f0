// Worker options: defaults and validation shared by the programmatic Worker and the tasks-worker CLI.
import { randomBytes } from "node:crypto";
import { InvalidConfig } from "../errors.js";

export interface WorkerOptions {
  /** Queue names to take tasks from, or "*" for all; by default the backend's queues (all, when it lists none). */
  queues?: readonly string[] | "*";
  /** The database backend alias whose tasks to run. */
  backend?: string;
  /** Tasks run at once. */
  concurrency?: number;
  /** Extra tasks claimed ahead of free slots, so a busy worker does not wait on the database between tasks. */
  prefetch?: number;
  /** Seconds between polls when idle (PostgreSQL also wakes on NOTIFY at once). */
  interval?: number;
  /** Exit once no task is ready, instead of waiting for more. */
  batch?: boolean;
  /** Exit after running this many tasks. */
  maxTasks?: number;
  /** 1-64 characters; unique per running worker. Random by default. */
  workerId?: string;
  /** Wait a random part of one interval before the first claim, so workers started together spread out. */
  startupDelay?: boolean;
  /** A RUNNING task whose worker has not heartbeated for this long is recovered by another worker. */
  leaseMs?: number;
  /**
   * How long the worker keeps trying to reach the database when it starts before run() rejects with
   * DatabaseUnreachable. Once it has reached it, it rides out outages however long they last.
   */
  connectTimeoutMs?: number;
  /** Run the scheduler, which enqueues the slots of withTasks' schedules (true by default; --no-schedules). */
  schedules?: boolean;
}

export interface ResolvedWorkerOptions {
  queues: readonly string[] | "*" | undefined;
  backend: string;
  concurrency: number;
  prefetch: number;
  intervalMs: number;
  batch: boolean;
  maxTasks: number | undefined;
  workerId: string;
  startupDelay: boolean;
  leaseMs: number;
  connectTimeoutMs: number;
  schedules: boolean;
}

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

function fail(option: string, value: unknown, rule: string): never {
  throw new InvalidConfig(`Worker option ${option}: ${JSON.stringify(value)} ${rule}.`);
}

function integer(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(option, value, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function defaultWorkerId(): string {
  return `worker-${randomBytes(6).toString("hex")}`;
}

export function resolveWorkerOptions(options: WorkerOptions = {}): ResolvedWorkerOptions {
  const concurrency = integer("concurrency", options.concurrency ?? 10, 1, 1000);
  const interval = options.interval ?? 1;
  if (typeof interval !== "number" || !Number.isFinite(interval) || interval <= 0 || interval > 3600) {
    fail("interval", interval, "must be a number of seconds greater than 0 and at most 3600");
  }
  const workerId = options.workerId ?? defaultWorkerId();
  if (typeof workerId !== "string" || workerId.length < 1 || workerId.length > 64 || workerId.trim() !== workerId) {
    fail("workerId", workerId, "must be 1 to 64 characters with no leading or trailing spaces");
  }
  const queues = options.queues;
  if (queues !== undefined && queues !== "*") {
    if (!Array.isArray(queues) || queues.length === 0 || queues.some((queue) => typeof queue !== "string" || !queue.trim())) {
      fail("queues", queues, 'must be a non-empty list of queue names, or "*" for every queue');
    }
  }
  if (options.schedules !== undefined && typeof options.schedules !== "boolean") fail("schedules", options.schedules, "must be true or false");
  const leaseMs = integer("leaseMs", options.leaseMs ?? DEFAULT_LEASE_MS, 100, 24 * 60 * 60 * 1000);
  return {
    queues,
    backend: options.backend ?? "default",
    concurrency,
    prefetch: integer("prefetch", options.prefetch ?? concurrency, 0, 10_000),
    intervalMs: interval * 1000,
    batch: options.batch ?? false,
    maxTasks: options.maxTasks === undefined ? undefined : integer("maxTasks", options.maxTasks, 1, Number.MAX_SAFE_INTEGER),
    workerId,
    startupDelay: options.startupDelay ?? true,
    leaseMs,
    connectTimeoutMs: integer("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 0, 60 * 60 * 1000),
    schedules: options.schedules ?? true,
  };
}
