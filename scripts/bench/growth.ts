// How cost grows with work (issue #16): drains as the table fills with finished rows, a drain of a deep ready index, a
// prune of a million rows in its own process, and enqueues from 100 concurrent producers.
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Logger, makeWorkerUtils } from "graphile-worker";
import { PgBoss } from "pg-boss";
import { writeGrowthChart, type GrowthChart } from "./chart.js";
import { withClient, withTimeout } from "./peers/common.js";
import type { QueuePeer } from "./peers/types.js";
import { compiledCli, prismaTasksPeer, withTasksClient } from "./prisma-tasks.js";
import { median, type Runs } from "./report.js";
import { noop } from "./tasks.js";

export interface GrowthSizes {
  /** Tasks per drain as the table grows: the bench's standard n. */
  drain: number;
  /** Finished rows in the table at each drain, ascending from 0; one database grows through them. */
  finished: readonly number[];
  /** Ready tasks of the deep-index drain. */
  deep: number;
  /** Finished rows pruned: a tenth of this first, then all of it (peak RSS at both sizes shows the bound). */
  prune: number;
  producers: number;
  /** Enqueues the producers make together. */
  enqueues: number;
  /** The deep drain's clock stops after this long, as the other drains' after the bench's window. */
  deepWindowMs: number;
}

export function growthSizes(quick: boolean, drain: number): GrowthSizes {
  return quick
    ? { drain, finished: [0, 100_000, 500_000], deep: 20_000, prune: 100_000, producers: 100, enqueues: 1_000, deepWindowMs: 20_000 }
    : { drain, finished: [0, 1_000_000, 5_000_000], deep: 200_000, prune: 1_000_000, producers: 100, enqueues: 5_000, deepWindowMs: 120_000 };
}

/** What a growth measurement needs from the bench run it is part of. */
export interface GrowthRun {
  sizes: GrowthSizes;
  windowMs: number;
  freshDatabase(peer: QueuePeer): Promise<string>;
  record(row: string, peer: string, value: number): void;
  /** The figure was a drain that the window cut short: the rate over the window. */
  capped(row: string, peer: string): void;
  progress(message: string): void;
}

/** The libraries measured on PostgreSQL: prisma-tasks on MySQL is left out (seeding millions of rows there is slow). */
const POSTGRES_PEERS = ["prisma-tasks", "graphile-worker", "pg-boss"];

const rows = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let postgresVersion: string | undefined;

export async function measureGrowth(peer: QueuePeer, run: GrowthRun): Promise<void> {
  if (!POSTGRES_PEERS.includes(peer.name)) {
    run.progress(`  growth: ${peer.name} skipped (measured on PostgreSQL only)`);
    return;
  }
  await drainAsTableGrows(peer, run);
  await drainDeepIndex(peer, run);
  if (peer === prismaTasksPeer) await pruneInOwnProcess(run);
  await enqueueFromProducers(peer, run);
}

/**
 * After seeding: a VACUUM ANALYZE and a CHECKPOINT, so the drain that follows meets a table in its steady state and
 * pays neither for an autovacuum of the new rows nor for the checkpoint that writes them out.
 */
async function settle(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("vacuum (analyze)");
    await client.query("checkpoint");
    postgresVersion ??= (await client.query<{ server_version: string }>("show server_version")).rows[0]!.server_version;
  });
}

/** One drain of the bench's n at the best settings, 1 process, on tasks enqueued now; tasks/s. */
async function drainOnce(peer: QueuePeer, url: string, run: GrowthRun, key: string): Promise<number> {
  await settle(url);
  await peer.enqueueBulk(url, run.sizes.drain);
  const drained = await peer.drain(url, run.sizes.drain, { processes: 1, concurrency: "best", maxMs: run.windowMs });
  if (drained.completed < run.sizes.drain) run.capped(key, peer.name);
  return drained.perSecond;
}

/**
 * One database, drained at 0 finished rows, then grown to each size by seeding the difference and drained again. The
 * empty table's rate is the mean of that first drain and one on a fresh database after the largest: the machine's
 * load drifts over minutes of seeding, and bracketing keeps the drift out of the ratios.
 */
async function drainAsTableGrows(peer: QueuePeer, run: GrowthRun): Promise<void> {
  const url = await run.freshDatabase(peer);
  const drains = new Map<number, number>();
  let seeded = 0;
  let seedingMs = 0;
  for (const size of run.sizes.finished) {
    if (size > seeded) {
      const t0 = performance.now();
      await peer.seedFinished(url, size - seeded);
      const inserted = performance.now() - t0;
      await settle(url);
      const took = performance.now() - t0;
      seedingMs += took;
      run.progress(`  ${peer.name}: ${rows(seeded)} → ${rows(size)} finished rows in ${seconds(took)} (INSERT ${seconds(inserted)}, VACUUM ANALYZE and CHECKPOINT ${seconds(took - inserted)})`);
      seeded = size;
    }
    drains.set(size, await drainOnce(peer, url, run, `growth-drain-${size}`));
    run.progress(`  ${peer.name}: drain with ${rows(size)} finished rows: ${Math.round(drains.get(size)!).toLocaleString("en-US")} tasks/s`);
  }
  const after = await drainOnce(peer, await run.freshDatabase(peer), run, "growth-drain-0");
  run.progress(`  ${peer.name}: drain of a fresh empty table again: ${Math.round(after).toLocaleString("en-US")} tasks/s`);
  const empty = (drains.get(0)! + after) / 2;
  for (const [size, perSecond] of drains) {
    run.record(`growth-drain-${size}`, peer.name, size === 0 ? empty : perSecond);
    if (size > 0) run.record(`growth-ratio-${size}`, peer.name, perSecond / empty);
  }
  run.record("growth-seed", peer.name, seedingMs / 1000);
}

async function drainDeepIndex(peer: QueuePeer, run: GrowthRun): Promise<void> {
  const n = run.sizes.deep;
  const url = await run.freshDatabase(peer);
  const t0 = performance.now();
  await peer.enqueueBulk(url, n);
  const enqueued = performance.now() - t0;
  const drained = await peer.drain(url, n, { processes: 1, concurrency: "best", maxMs: run.sizes.deepWindowMs });
  if (drained.completed < n) run.capped("growth-deep", peer.name);
  run.record("growth-deep", peer.name, drained.perSecond);
  run.progress(`  ${peer.name}: ${rows(n)} ready tasks enqueued in ${seconds(enqueued)}, drained at ${Math.round(drained.perSecond).toLocaleString("en-US")} tasks/s`);
}

// Loaded into the prune process with --import: its peak RSS, written where the bench reads it, as the process exits.
const PEAK_RSS_ON_EXIT =
  'data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>writeFileSync(process.env.BENCH_PEAK_RSS_FILE,String(process.resourceUsage().maxRSS)))';

interface PruneRun {
  elapsedMs: number;
  peakRssKb: number;
  /** The CLI's last line: what it deleted. */
  summary: string;
}

/** How long a prune of the bench's sizes may run before the bench gives up on it (it takes seconds). */
const PRUNE_TIMEOUT_MS = 10 * 60_000;

/**
 * `tasks-worker prune --min-age-days 0` compiled, in a process of its own. The bench config says "ready" once connected
 * and waits for "go", so the clock runs from "go" to the process's exit.
 */
async function pruneProcess(url: string): Promise<PruneRun> {
  const { bin, config } = compiledCli();
  const dir = mkdtempSync(path.join(tmpdir(), "bench-prune-"));
  const rssFile = path.join(dir, "peak-rss");
  try {
    const child = fork(bin, ["prune", "--config", config, "--min-age-days", "0"], {
      execArgv: ["--import", PEAK_RSS_ON_EXIT],
      env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_PEAK_RSS_FILE: rssFile },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          child.once("message", () => resolve());
          void exited.then((code) => reject(new Error(`prune process exited (code ${code}) before it was ready`)));
        }),
        60_000,
        () => "prune process: not ready after 60 s",
      );
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
    const t0 = performance.now();
    child.send({ type: "go" });
    let code: number | null;
    try {
      code = await withTimeout(exited, PRUNE_TIMEOUT_MS, () => `tasks-worker prune: still running after ${PRUNE_TIMEOUT_MS / 1000} s`);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
    const elapsedMs = performance.now() - t0;
    if (code !== 0) throw new Error(`tasks-worker prune exited with code ${code}:\n${output}`);
    return { elapsedMs, peakRssKb: Number(readFileSync(rssFile, "utf8")), summary: output.trim().split("\n").at(-1) ?? "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** prisma-tasks only: prunes a tenth of the rows, then all of them, each seeded into a fresh database. */
async function pruneInOwnProcess(run: GrowthRun): Promise<void> {
  for (const [n, key] of [[run.sizes.prune / 10, "growth-prune-small"], [run.sizes.prune, "growth-prune"]] as const) {
    const url = await run.freshDatabase(prismaTasksPeer);
    const t0 = performance.now();
    await prismaTasksPeer.seedFinished(url, n);
    await settle(url);
    run.progress(`  prisma-tasks: ${rows(n)} finished rows to prune seeded in ${seconds(performance.now() - t0)}`);
    const pruned = await pruneProcess(url);
    const left = await withClient(url, (client) => client.query<{ n: number }>("select count(*)::int as n from task_results")).then((r) => r.rows[0]!.n);
    if (left !== 0) throw new Error(`prune of ${rows(n)} rows left ${rows(left)} behind: ${pruned.summary}`);
    const rssMb = pruned.peakRssKb / 1024;
    run.progress(`  prisma-tasks: prune of ${rows(n)} rows in ${seconds(pruned.elapsedMs)}, peak RSS ${rssMb.toFixed(0)} MB (${pruned.summary})`);
    run.record(`${key}-rss`, prismaTasksPeer.name, rssMb);
    if (key === "growth-prune") {
      run.record("growth-prune-s", prismaTasksPeer.name, pruned.elapsedMs / 1000);
      run.record("growth-prune-rate", prismaTasksPeer.name, n / (pruned.elapsedMs / 1000));
    }
  }
}

/** n calls of `op`, at most `producers` in flight (each producer awaits its call before its next); calls/s. */
async function concurrently(n: number, producers: number, op: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (started < n) {
        started++;
        await op();
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Each library's single enqueue through one client with its default pool, from `producers` loops at once. The first
 * call of each loop, untimed, opens the pool's connections. The peers' job and queue names are their bench modules'.
 */
const PRODUCERS: Record<string, (url: string, n: number, producers: number) => Promise<number>> = {
  "prisma-tasks": (url, n, producers) =>
    withTasksClient(url, async (prisma) => {
      await concurrently(producers, producers, () => prisma.$tasks.enqueue(noop));
      return concurrently(n, producers, () => prisma.$tasks.enqueue(noop));
    }),

  async "graphile-worker"(url, n, producers) {
    const logger = new Logger(() => (level, message) => {
      if (level === "error" || level === "warning") console.error(`[graphile-worker ${level}] ${message}`);
    });
    const utils = await makeWorkerUtils({ connectionString: url, logger });
    try {
      await concurrently(producers, producers, () => utils.addJob("noop", {}));
      return await concurrently(n, producers, () => utils.addJob("noop", {}));
    } finally {
      await utils.release();
    }
  },

  async "pg-boss"(url, n, producers) {
    // As the pg-boss peer's producers: no maintenance timers; NOTIFY on send for its `notify: true` queues.
    const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, useListenNotify: true });
    boss.on("error", (error) => console.error("[pg-boss error]", (error as Error)?.message ?? error));
    await boss.start();
    try {
      await concurrently(producers, producers, () => boss.send("noop", {}));
      return await concurrently(n, producers, () => boss.send("noop", {}));
    } finally {
      await boss.stop({ graceful: false });
    }
  },
};

async function enqueueFromProducers(peer: QueuePeer, run: GrowthRun): Promise<void> {
  const url = await run.freshDatabase(peer);
  const perSecond = await PRODUCERS[peer.name]!(url, run.sizes.enqueues, run.sizes.producers);
  run.record("growth-producers", peer.name, perSecond);
}

/** The report's rows for the growth figures: key and label. */
export function growthRows(sizes: GrowthSizes): [key: string, label: string][] {
  const [empty, ...grown] = sizes.finished;
  return [
    [`growth-drain-${empty}`, `drain of ${rows(sizes.drain)}, empty table, 1 process, best settings (tasks/s; mean of 2)`],
    ...grown.flatMap((size): [string, string][] => [
      [`growth-drain-${size}`, `  the same table grown to ${rows(size)} finished rows (tasks/s)`],
      [`growth-ratio-${size}`, `    / empty table (1.00 = no slowdown)`],
    ]),
    ["growth-seed", `  seeding ${rows(sizes.finished.at(-1)!)} finished rows, with VACUUM ANALYZE (s, lower is better)`],
    ["growth-deep", `drain of ${rows(sizes.deep)} ready tasks, 1 process, best settings (tasks/s; window ${sizes.deepWindowMs / 1000} s)`],
    ["growth-prune-s", `prune of ${rows(sizes.prune)} finished rows, own process (s, lower is better)`],
    ["growth-prune-rate", "  rows deleted per second"],
    ["growth-prune-rss", "  peak RSS of the prune process (MB)"],
    ["growth-prune-small-rss", `  the same for ${rows(sizes.prune / 10)} rows (MB)`],
    ["growth-producers", `enqueue, ${sizes.producers} concurrent producers, one client (tasks/s)`],
  ];
}

/** Targets of issue #16 for prisma-tasks. */
const TARGET_RATIO = 0.9;

/** The closing lines on growth: each library's largest-table ratio, prisma-tasks' prune, what the peers do instead. */
export function growthNotes(results: ReadonlyMap<string, ReadonlyMap<string, Runs>>, sizes: GrowthSizes): string[] {
  const largest = sizes.finished.at(-1)!;
  const lines: string[] = [];
  const ratios = results.get(`growth-ratio-${largest}`);
  for (const [name, runs] of ratios ?? []) {
    const value = median(runs);
    const verdict = name === prismaTasksPeer.name ? `: target >= ${TARGET_RATIO}, ${value >= TARGET_RATIO ? "met" : "NOT met"}` : "";
    lines.push(`${name}: drain with ${rows(largest)} finished rows at ${value.toFixed(2)}x the empty table's rate${verdict}.`);
  }
  const seconds = results.get("growth-prune-s")?.get(prismaTasksPeer.name);
  const rss = results.get("growth-prune-rss")?.get(prismaTasksPeer.name);
  const smallRss = results.get("growth-prune-small-rss")?.get(prismaTasksPeer.name);
  if (seconds && rss) {
    lines.push(
      `prisma-tasks prune of ${rows(sizes.prune)} finished rows: ${median(seconds).toFixed(1)} s, peak RSS ${median(rss).toFixed(0)} MB` +
        (smallRss ? ` (${median(smallRss).toFixed(0)} MB for ${rows(sizes.prune / 10)} rows: batches of 5,000, memory does not grow with the rows)` : "") +
        ".",
    );
    lines.push(
      "  The peers have no such command to compare: graphile-worker deletes a job as it completes (only permanently failed jobs stay); " +
        "pg-boss deletes completed jobs in its supervisor's maintenance, after the queue's deleteAfterSeconds (7 days by default).",
    );
  }
  if (results.has("growth-producers")) {
    lines.push(
      `Concurrent producers: ${sizes.producers} async loops in one process over one client with the library's default pool: ` +
        "prisma-tasks' own pool of 5 connections ($tasks.enqueue), graphile-worker's WorkerUtils pool of 10 (addJob), pg-boss's pool of 10 (send).",
    );
    lines.push(
      "  Each of these enqueues NOTIFYs, and PostgreSQL lets one transaction that has notified commit at a time (a lock held through " +
        "its WAL flush), so concurrent producers get no group commit: expect about the sequential rate, not a multiple of it.",
    );
  }
  return lines;
}

/**
 * Writes the drain rate against finished rows (medians) as docs/bench-growth.png and .json, or for a --quick run or one
 * without all three PostgreSQL libraries under .bench-build/, so such a run never replaces the committed chart.
 */
export async function chartGrowth(
  results: ReadonlyMap<string, ReadonlyMap<string, Runs>>,
  peers: readonly QueuePeer[],
  sizes: GrowthSizes,
  quick: boolean,
  root: string,
): Promise<string | undefined> {
  const measured = peers.filter((peer) => results.get("growth-drain-0")?.has(peer.name));
  if (measured.length === 0) return undefined;
  const chart: GrowthChart = {
    finishedRows: [...sizes.finished],
    series: measured.map((peer) => ({
      name: `${peer.name} ${peer.version}`,
      perSecond: sizes.finished.map((size) => {
        const runs = results.get(`growth-drain-${size}`)?.get(peer.name);
        return runs ? median(runs) : null;
      }),
    })),
    drain: sizes.drain,
    runs: Math.max(...measured.map((peer) => results.get("growth-drain-0")!.get(peer.name)!.length)),
    node: process.version,
    postgres: postgresVersion ?? "unknown",
    date: new Date().toISOString().slice(0, 10),
  };
  // Only a full-size run of all three PostgreSQL libraries replaces the committed chart.
  const complete = !quick && ["prisma-tasks", "graphile-worker", "pg-boss"].every((name) => measured.some((peer) => peer.name === name));
  const base = complete ? path.join(root, "docs", "bench-growth") : path.join(root, ".bench-build", "bench-growth");
  return writeGrowthChart(chart, base);
}
