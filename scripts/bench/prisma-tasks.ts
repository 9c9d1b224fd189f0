// prisma-tasks as a benchmark peer, on PostgreSQL and on MySQL: the real tasks-worker CLI for drains, the extended
// client for enqueues.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, withTasks } from "../../src/index.js";
import { applyMigrations } from "../db/migrations.js";
import { connect, type BenchProvider } from "./client.js";
import { drainResult, runWorkers, sleep, withTimeout } from "./peers/common.js";
import type { DrainOptions, QueuePeer, TuneCandidate } from "./peers/types.js";
import { withTaskTable, type TaskTable } from "./task-table.js";
import { benchTasks, keyedNoop, latency, latencySink, noop } from "./tasks.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A source tree whose library the worker processes run: this one, or another revision's (`--compare`, which puts the
 * bench's own harness files in it). The worker processes run compiled JavaScript, as a deployed app does (and as the
 * peers' workers do): no tsx loader.
 */
export interface Build {
  label: string;
  /** The tree's root: src/, generated/ and scripts/bench/ are compiled from it. */
  root: string;
}

export const thisTree: Build = { label: "this tree", root: ROOT };

/** Where a build's JavaScript goes, and its worker CLI, worker config and ceiling loop in there. */
function outputOf(build: Build) {
  const out = path.join(build.root, ".bench-build");
  const bench = path.join(out, "scripts", "bench");
  return { out, bin: path.join(out, "src", "worker", "bin.js"), config: path.join(bench, "tasks.config.js"), ceiling: path.join(bench, "ceiling-worker.js") };
}

const compiled = new Set<string>();

/** Compiles a build's library, generated client and bench config to its .bench-build/, once per benchmark run. */
export function compileWorker(build: Build = thisTree) {
  const output = outputOf(build);
  if (compiled.has(build.root)) return output;
  rmSync(output.out, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(build.root, "scripts", "bench", "tsconfig.worker.json")], { stdio: "inherit" });
  if (tsc.status !== 0) throw new Error(`could not compile the benchmark's worker for ${build.label} (scripts/bench/tsconfig.worker.json)`);
  writeFileSync(path.join(output.out, "package.json"), '{ "type": "module" }\n');
  compiled.add(build.root);
  return output;
}

/** This tree's compiled tasks-worker CLI and the bench config it loads (compiled on first use). */
export function compiledCli(): { bin: string; config: string } {
  const { bin, config } = compileWorker();
  return { bin, config };
}

/** Best-throughput settings found on a 2-core box (`npm run bench -- --only prisma-tasks --tune` sweeps them). */
export const PRISMA_TASKS_BEST = { concurrency: 50, prefetch: 1000 };

export interface WorkerSettings {
  concurrency: number;
  prefetch?: number;
  /** The worker process registers the OpenTelemetry SDK (tracer and meter providers) before it starts. */
  openTelemetry?: boolean;
  /** Per-second schedules the workers run meanwhile (their no-op tasks are drained too); none by default. */
  schedules?: number;
  /** The library the workers run: this tree's by default. */
  build?: Build;
  /** Node flags for the worker processes; none by default. */
  nodeFlags?: string[];
}

const BULK_CHUNK = 10_000;

async function connectWithTasks(url: string) {
  return (await connect(url)).$extends(withTasks({ tasks: benchTasks }));
}

async function withPrisma<C extends { $disconnect(): Promise<void>; $queryRawUnsafe(sql: string): Promise<unknown> }, T>(
  connecting: Promise<C>,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  const client = await connecting;
  try {
    await client.$queryRawUnsafe("SELECT 1"); // open the connection before any clock starts
    return await fn(client);
  } finally {
    await client.$disconnect();
  }
}

/** Runs fn with the bench's extended client on `url`, connected first and disconnected after. */
export function withTasksClient<T>(url: string, fn: (prisma: Awaited<ReturnType<typeof connectWithTasks>>) => Promise<T>): Promise<T> {
  return withPrisma(connectWithTasks(url), fn);
}

/** Operations per second of `n` sequential calls of `op`. */
async function rate(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  return n / ((performance.now() - t0) / 1000);
}

function cliArgs(settings: WorkerSettings, config: string): string[] {
  // Warnings and errors only, as the peers' workers log (graphile-worker's info line per job is silenced likewise).
  const args = ["--config", config, "--concurrency", String(settings.concurrency), "--no-startup-delay", "--log-level", "warn"];
  if (settings.prefetch !== undefined) args.push("--prefetch", String(settings.prefetch));
  return args;
}

/** As the peers poll: tasks still queued above `target` while there are any (one count), the exact remainder after. */
function remainingAbove(table: TaskTable, target: number) {
  return async (exact: boolean) => {
    const queued = exact ? 0 : await table.queued();
    return queued > target ? queued - target : (await table.unfinished()) - target;
  };
}

/** Drains n queued no-op tasks with `processes` compiled tasks-worker processes. */
export async function drainWithSettings(url: string, n: number, processes: number, settings: WorkerSettings, maxMs?: number) {
  const { bin, config } = compileWorker(settings.build);
  return withTaskTable(url, async (table) => {
    const before = await table.unfinished();
    if (before < n) throw new Error(`prisma-tasks drain: only ${before} tasks queued, expected >= ${n}`);
    const target = before - n;
    return runWorkers({
      label: "prisma-tasks",
      command: () => ({
        modulePath: bin,
        args: cliArgs(settings, config),
        execArgv: settings.nodeFlags ?? [],
        env: {
          ...process.env,
          BENCH_DATABASE_URL: url,
          BENCH_OPENTELEMETRY: settings.openTelemetry ? "1" : "",
          BENCH_SCHEDULES: String(settings.schedules ?? 0),
        },
        stdout: "ignore",
      }),
      processes,
      n,
      maxMs,
      remaining: remainingAbove(table, target),
    });
  });
}

/**
 * The database's ceiling for a one-process drain at `settings` (PostgreSQL only): the dialect's claim and outcome
 * statements alone in a tight loop (scripts/bench/ceiling-worker.ts), claims of prefetch/2 tasks, two out at once, as
 * the worker sends them. Timed as a drain is.
 */
export async function drainCeiling(url: string, n: number, settings: WorkerSettings, maxMs?: number) {
  const { ceiling } = compileWorker(settings.build);
  const claim = Math.max(1, Math.ceil((settings.prefetch ?? settings.concurrency) / 2));
  return withTaskTable(url, async (table) => {
    const target = (await table.unfinished()) - n;
    return runWorkers({
      label: "ceiling",
      command: () => ({
        modulePath: ceiling,
        args: [],
        env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_CLAIM: String(claim), BENCH_LANES: "2" },
      }),
      processes: 1,
      n,
      maxMs,
      remaining: remainingAbove(table, target),
    });
  });
}

function settingsFor(concurrency: DrainOptions["concurrency"]): WorkerSettings {
  return concurrency === "best" ? PRISMA_TASKS_BEST : { concurrency };
}

/**
 * Enqueues n `bench.latency` tasks gapMs apart to an idle worker in this process; each one's ms from enqueue to start.
 * `interval`: the worker's polling interval in seconds (the library's default, 1, when absent).
 */
export async function measureLatency(url: string, n: number, gapMs: number, interval?: number): Promise<number[]> {
  const samples: number[] = [];
  let resolveAll!: () => void;
  const allDone = new Promise<void>((resolve) => (resolveAll = resolve));
  latencySink.record = (delayMs) => {
    samples.push(delayMs);
    if (samples.length >= n) resolveAll();
  };
  // The worker in this process with its own client, as the peers run theirs; a separate producer client.
  const workerClient = await connectWithTasks(url);
  const worker = new Worker({ prisma: workerClient, ...PRISMA_TASKS_BEST, interval, startupDelay: false });
  const running = worker.run();
  try {
    await withPrisma(connectWithTasks(url), async (producer) => {
      await sleep(200); // let the worker go idle (LISTEN established on PostgreSQL)
      for (let i = 0; i < n; i++) {
        await producer.$tasks.enqueue(latency, { t: Date.now() });
        if (gapMs > 0) await sleep(gapMs);
      }
    });
    await withTimeout(allDone, 30_000, () => `prisma-tasks latency: only ${samples.length}/${n} tasks ran`);
    return samples.slice(0, n);
  } finally {
    await worker.stop();
    await running;
    await workerClient.$disconnect();
    latencySink.record = undefined;
  }
}

const VERSION = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;

const WAKE_UPS: Record<BenchProvider, string> = {
  postgresql: "LISTEN/NOTIFY wake-ups, --interval 1 (default)",
  mysql: "no NOTIFY on MySQL: idle workers poll every --interval 1 s (default)",
};

/** prisma-tasks on one database: PostgreSQL (`prisma-tasks`) or MySQL (`prisma-tasks-mysql`). */
function prismaTasksOn(provider: BenchProvider, name: string): QueuePeer {
  return {
    name,
    version: VERSION,
    settings:
      `best: --concurrency ${PRISMA_TASKS_BEST.concurrency} --prefetch ${PRISMA_TASKS_BEST.prefetch}; numeric concurrency = ` +
      `--concurrency N with the default prefetch (= N); tasks-worker CLI compiled to JavaScript (tsc, like a deployed app), --log-level warn; ` +
      `${WAKE_UPS[provider]}; bulk enqueue = $tasks.enqueueMany in chunks of ${BULK_CHUNK}`,

    async install(url) {
      await applyMigrations({ provider, url });
    },

    async enqueueBulk(url, n) {
      return withPrisma(connectWithTasks(url), async (prisma) => {
        const t0 = performance.now();
        for (let done = 0; done < n; done += BULK_CHUNK) {
          const size = Math.min(BULK_CHUNK, n - done);
          await prisma.$tasks.enqueueMany(noop, Array.from({ length: size }, () => undefined));
        }
        return n / ((performance.now() - t0) / 1000);
      });
    },

    async enqueueSingle(url, n) {
      return withPrisma(connectWithTasks(url), (prisma) => rate(n, () => prisma.$tasks.enqueue(noop)));
    },

    async drain(url, n, { processes, concurrency, maxMs, nodeFlags }) {
      return drainResult(await drainWithSettings(url, n, processes, { ...settingsFor(concurrency), nodeFlags }, maxMs));
    },

    latency: (url, n, gapMs) => measureLatency(url, n, gapMs),

    async seedFinished(url, n) {
      await withTaskTable(url, (table) => table.seedFinished(noop.name, n));
    },

    tuneCandidates: [20, 50, 100].flatMap((concurrency) =>
      [200, 500, 1000].map(
        (prefetch): TuneCandidate => ({
          label: `--concurrency ${concurrency} --prefetch ${prefetch}`,
          drain: async (url, n, processes) => drainResult(await drainWithSettings(url, n, processes, { concurrency, prefetch })),
        }),
      ),
    ),
  };
}

export const prismaTasksPeer = prismaTasksOn("postgresql", "prisma-tasks");
export const prismaTasksMysqlPeer = prismaTasksOn("mysql", "prisma-tasks-mysql");

/** prisma-tasks only: n enqueues, each in its own interactive transaction; tasks/s. */
export async function enqueueInTransaction(url: string, n: number): Promise<number> {
  return withPrisma(connectWithTasks(url), (prisma) => rate(n, () => prisma.$transaction(async (tx) => tx.$tasks.enqueue(noop))));
}

/**
 * prisma-tasks only: n sequential enqueues with a unique key; tasks/s. "free": each key is new, so each enqueue stores
 * its task (one statement); "held": every key is held by the first task, so each later enqueue is deduplicated.
 */
export async function enqueueKeyed(url: string, n: number, keys: "free" | "held"): Promise<number> {
  return withPrisma(connectWithTasks(url), (prisma) => rate(n, (i) => prisma.$tasks.enqueue(keyedNoop, keys === "free" ? i : 0)));
}

/** The row an enqueue of bench.noop writes, as a plain Prisma create: the floor for one enqueue. */
function referenceRow() {
  return {
    id: randomUUID(),
    taskName: noop.name,
    args: "null",
    argsMeta: { values: ["undefined"] },
    maxAttempts: 1,
  } as const;
}

/** Reference: n sequential `prisma.taskResult.create` of an enqueue-sized row, plain or each in its own transaction. */
export async function createReference(url: string, n: number, inTransaction: boolean): Promise<number> {
  return withPrisma(connect(url), (prisma) =>
    inTransaction
      ? rate(n, () => prisma.$transaction(async (tx) => tx.taskResult.create({ data: referenceRow(), select: { id: true } })))
      : rate(n, () => prisma.taskResult.create({ data: referenceRow(), select: { id: true } })),
  );
}
