// `npm run bench`: prisma-tasks against graphile-worker and pg-boss on one embedded PostgreSQL, side by side; and
// prisma-tasks on a private MariaDB (prisma-tasks-mysql), beside its PostgreSQL figures.
//
//   npm run bench                      full run: 3 runs of each figure, median (min–max); about 15–25 minutes
//   npm run bench -- --quick           smaller n, one run each; under 2 minutes
//   npm run bench -- --only prisma-tasks,pg-boss --measure drain,latency --runs 1
//   npm run bench -- --only prisma-tasks --tune     sweep prisma-tasks' --concurrency and --prefetch, 1 and 4 processes
//                                                  (--only graphile-worker or pg-boss: that library's settings)
//   npm run bench -- --only prisma-tasks --measure opentelemetry   drain without the OpenTelemetry API, with it and no
//                                                  provider, then with the SDK exporting to memory
//   npm run bench -- --only prisma-tasks,prisma-tasks-mysql         prisma-tasks on PostgreSQL and on MySQL
//   npm run bench -- --compare <git-rev>   this tree's prisma-tasks against another revision's, alternated (PostgreSQL)
//   npm run bench -- --quick --node machine    on this machine's Node instead of Node 24 (or --node <path-to-node>)
//   npm run bench -- --measure growth     drains at 0, 1M and 5M finished rows, a deep ready index, a 1M-row prune, 100
//                                         producers; writes docs/bench-growth.png (in --quick only when named)
//
// The bench runs on Node 24 (scripts/bench/node-runtime.ts: fetched once from the npm registry into .bench-node/, then
// the bench re-executes itself on it), so its producers and every worker process run on the Node the peers need; a
// peer whose package.json engines rule out the Node in use is named and skipped before anything runs.
// Every measurement gets a fresh database with the library's schema installed. PostgreSQL runs with its defaults
// (fsync and synchronous_commit on); MariaDB as scripts/db/mariadb.ts starts it (innodb_flush_log_at_trx_commit=2),
// always a private one: MYSQL_URL is not used, as DATABASE_URL is not. Worker processes and both servers are stopped
// at the end, on errors and on Ctrl-C.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startMysql, type MysqlServer } from "./db/mariadb.js";
import { startPostgres, type PostgresServer } from "./db/postgres.js";
import { graphilePeer } from "./bench/peers/graphile.js";
import { enqueueInPrismaTransaction, pgbossPeer } from "./bench/peers/pgboss.js";
import { runOnRequestedNode } from "./bench/node-runtime.js";
import { killWorkers } from "./bench/peers/common.js";
import type { QueuePeer } from "./bench/peers/types.js";
import {
  PRISMA_TASKS_BEST,
  createReference,
  drainCeiling,
  drainWithSettings,
  enqueueInTransaction,
  enqueueKeyed,
  measureLatency as latencyAtInterval,
  prismaTasksMysqlPeer,
  prismaTasksPeer,
  type WorkerSettings,
} from "./bench/prisma-tasks.js";
import { compare } from "./bench/compare.js";
import { cell, median, percentile, ratio, table, type Runs } from "./bench/report.js";
import { chartGrowth, growthNotes, growthRows, growthSizes, measureGrowth } from "./bench/growth.js";

const MEASUREMENTS = ["drain", "enqueue", "latency", "backlog", "opentelemetry", "growth"] as const;
type Measurement = (typeof MEASUREMENTS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    measure: { type: "string" },
    runs: { type: "string" },
    tune: { type: "boolean", default: false },
    compare: { type: "string" },
    node: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (flags.help) {
  console.log(
    "Usage: npm run bench -- [--quick] [--only prisma-tasks,prisma-tasks-mysql,graphile-worker,pg-boss] " +
      `[--measure ${MEASUREMENTS.join(",")}] [--runs N] [--tune] [--compare <git-rev>] [--node machine|<path-to-node>]`,
  );
  process.exit(0);
}
await runOnRequestedNode(flags.node);

const quick = flags.quick;
const size = quick
  ? { drain: 2_000, single: 300, latency: 50, gapMs: 20, backlog: 100_000, windowMs: 4_000 }
  : { drain: 20_000, single: 5_000, latency: 200, gapMs: 20, backlog: 1_000_000, windowMs: 30_000 };
const runs = flags.runs ? Number(flags.runs) : quick ? 1 : 3;
const growth = growthSizes(quick, size.drain);
/** Per-second schedules configured in the drain that measures the scheduler's cost. */
const DRAIN_SCHEDULES = 10;
/** Hides @opentelemetry/api from a worker process (`node --import` it, as telemetry.test.ts does): the drain of an app
 * without OpenTelemetry. */
const WITHOUT_OPENTELEMETRY = fileURLToPath(new URL("../test/fixtures/without-opentelemetry.mjs", import.meta.url));
/** The Node flag of the capped-young-generation drain (see measureDrain). */
const YOUNG_GENERATION_FLAG = "--max-semi-space-size=8";
/** The shorter polling interval (seconds) of the second latency figure: what MySQL's polling workers can be set to. */
const FAST_INTERVAL = 0.1;

const allPeers = [prismaTasksPeer, prismaTasksMysqlPeer, graphilePeer, pgbossPeer];
/** prisma-tasks on PostgreSQL and on MySQL: the peers compared with the others, and with each other. */
const ourPeers: readonly QueuePeer[] = [prismaTasksPeer, prismaTasksMysqlPeer];
const only = flags.only?.split(",").map((name) => name.trim());
const chosen = only ? allPeers.filter((peer) => only.includes(peer.name)) : allPeers;
/** Peers whose library this Node is too old for (engines.node): named up front and in the report, not run. */
const unsupported = chosen.filter((peer) => peer.unsupportedNode);
const peers = chosen.filter((peer) => !peer.unsupportedNode);
// growth seeds and drains hundreds of thousands of rows even at --quick sizes (about 1.5 minutes for the three PostgreSQL
// libraries), which would take --quick past 3 minutes: with --quick it runs only when named.
const measure = (flags.measure?.split(",").map((name) => name.trim()) ?? MEASUREMENTS.filter((m) => !quick || m !== "growth")) as Measurement[];
if (chosen.length === 0 || !Number.isInteger(runs) || runs < 1 || measure.some((m) => !MEASUREMENTS.includes(m))) {
  console.error(`bench: --only takes ${allPeers.map((p) => p.name).join(",")}; --measure takes ${MEASUREMENTS.join(",")}; --runs a whole number`);
  process.exit(2);
}

/** Every figure, by row key and library name: one value per run. */
const results = new Map<string, Map<string, Runs>>();
function record(row: string, peer: string, value: number): void {
  if (!results.has(row)) results.set(row, new Map());
  const byPeer = results.get(row)!;
  byPeer.set(peer, [...(byPeer.get(peer) ?? []), value]);
}
const timeCapped = new Set<string>();

let server: PostgresServer | undefined;
let mysqlServer: MysqlServer | undefined;
let databases = 0;

/** A new database with the library's schema: no measurement sees another's rows, dead tuples or bloat. */
async function freshDatabase(peer: QueuePeer): Promise<string> {
  const name = `bench_${peer.name.replace(/\W/g, "_")}_${databases++}`;
  const url = await (peer === prismaTasksMysqlPeer ? mysqlServer! : server!).createDatabase(name);
  await peer.install(url);
  return url;
}

function progress(message: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
}

async function measureDrain(peer: QueuePeer): Promise<void> {
  const n = size.drain;
  let url: string;
  // Concurrency 10, otherwise defaults, against the peers; not on MySQL, whose drains are slower and compared with
  // prisma-tasks' own at its best settings. The bulk enqueue that fills the first table is the bulk-enqueue figure.
  if (peer !== prismaTasksMysqlPeer) {
    url = await freshDatabase(peer);
    record("enqueue-bulk", peer.name, await peer.enqueueBulk(url, n));
    const c10 = await peer.drain(url, n, { processes: 1, concurrency: 10, maxMs: size.windowMs });
    if (c10.completed < n) timeCapped.add(`drain-c10/${peer.name}`);
    record("drain-c10", peer.name, c10.perSecond);
  }

  url = await freshDatabase(peer);
  const bulk = await peer.enqueueBulk(url, n);
  if (peer === prismaTasksMysqlPeer) record("enqueue-bulk", peer.name, bulk);
  const best = await peer.drain(url, n, { processes: 1, concurrency: "best", maxMs: size.windowMs });
  if (best.completed < n) timeCapped.add(`drain-best/${peer.name}`);
  record("drain-best", peer.name, best.perSecond);
  record("rss", peer.name, best.peakRssMb[0]!);

  // The same with V8's young generation capped at 8 MB a semi-space: Node 24's V8 lets it grow to 32 MB (Node 20's to
  // 16 MB), and a worker that allocates fast and keeps little fills it, in memory and in cache misses. Every library's
  // workers get the same flag.
  if (peer !== prismaTasksMysqlPeer) {
    url = await freshDatabase(peer);
    await peer.enqueueBulk(url, n);
    const capped = await peer.drain(url, n, { processes: 1, concurrency: "best", maxMs: size.windowMs, nodeFlags: [YOUNG_GENERATION_FLAG] });
    if (capped.completed < n) timeCapped.add(`drain-semi/${peer.name}`);
    record("drain-semi", peer.name, capped.perSecond);
    record("rss-semi", peer.name, capped.peakRssMb[0]!);
  }

  if (peer === prismaTasksPeer) {
    // The database's ceiling for that drain: the same claim and outcome statements alone, in a tight loop.
    url = await freshDatabase(peer);
    await peer.enqueueBulk(url, n);
    const ceiling = await drainCeiling(url, n, PRISMA_TASKS_BEST, size.windowMs);
    record("drain-ceiling", peer.name, ceiling.completed / (ceiling.elapsedMs / 1000));
    record("ceiling-ratio", peer.name, best.perSecond / (ceiling.completed / (ceiling.elapsedMs / 1000)));

    // The same drain with 10 per-second schedules configured: the scheduler's cost (its slots' tasks run too).
    url = await freshDatabase(peer);
    await peer.enqueueBulk(url, n);
    const scheduled = await drainWithSettings(url, n, 1, { ...PRISMA_TASKS_BEST, schedules: DRAIN_SCHEDULES }, size.windowMs);
    if (scheduled.completed < n) timeCapped.add(`drain-schedules/${peer.name}`);
    record("drain-schedules", peer.name, scheduled.completed / (scheduled.elapsedMs / 1000));
  }

  url = await freshDatabase(peer);
  await peer.enqueueBulk(url, n);
  const four = await peer.drain(url, n, { processes: 4, concurrency: "best", maxMs: size.windowMs });
  if (four.completed < n) timeCapped.add(`drain-4p/${peer.name}`);
  record("drain-4p", peer.name, four.perSecond);
}

async function measureEnqueue(peer: QueuePeer): Promise<void> {
  const n = size.single;
  let url = await freshDatabase(peer);
  record("enqueue-single", peer.name, await peer.enqueueSingle(url, n));
  if (peer === pgbossPeer) record("enqueue-tx", peer.name, await enqueueInPrismaTransaction(await freshDatabase(peer), n));
  if (peer !== prismaTasksPeer) return;
  url = await freshDatabase(peer);
  record("enqueue-keyed", peer.name, await enqueueKeyed(url, n, "free"));
  url = await freshDatabase(peer);
  record("enqueue-keyed-held", peer.name, await enqueueKeyed(url, n, "held"));
  url = await freshDatabase(peer);
  record("enqueue-tx", peer.name, await enqueueInTransaction(url, n));
  url = await freshDatabase(peer);
  record("create", peer.name, await createReference(url, n, false));
  url = await freshDatabase(peer);
  record("create-tx", peer.name, await createReference(url, n, true));
}

async function measureLatency(peer: QueuePeer): Promise<void> {
  const url = await freshDatabase(peer);
  const samples = await peer.latency(url, size.latency, size.gapMs);
  for (const p of [50, 95, 99]) record(`latency-p${p}`, peer.name, percentile(samples, p));
  if (!ourPeers.includes(peer)) return;
  // MySQL's idle workers poll, so its latency is the interval's: the same figures with a shorter one.
  const fast = await latencyAtInterval(await freshDatabase(peer), size.latency, size.gapMs, FAST_INTERVAL);
  for (const p of [50, 99]) record(`latency-fast-p${p}`, peer.name, percentile(fast, p));
}

async function measureBacklog(peer: QueuePeer): Promise<void> {
  const url = await freshDatabase(peer);
  const t0 = performance.now();
  await peer.seedFinished(url, size.backlog);
  progress(`  ${peer.name}: ${size.backlog.toLocaleString("en-US")} finished rows in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  await peer.enqueueBulk(url, size.drain);
  const result = await peer.drain(url, size.drain, { processes: 1, concurrency: "best", maxMs: size.windowMs });
  if (result.completed < size.drain) timeCapped.add(`drain-backlog/${peer.name}`);
  record("drain-backlog", peer.name, result.perSecond);
  // The empty-table figure to compare with, measured in the same round.
  const emptyUrl = await freshDatabase(peer);
  await peer.enqueueBulk(emptyUrl, size.drain);
  const empty = await peer.drain(emptyUrl, size.drain, { processes: 1, concurrency: "best", maxMs: size.windowMs });
  record("drain-backlog-empty", peer.name, empty.perSecond);
  record("backlog-slowdown", peer.name, result.perSecond / empty.perSecond);
}

/**
 * prisma-tasks only: the best-settings drain three ways, each on a fresh database, same round: without
 * @opentelemetry/api (hidden from the worker process, as in an app that does not install it), with the API installed
 * and no provider registered, and with the SDK's tracer and meter providers registered, exporting to memory.
 */
async function measureOpenTelemetry(peer: QueuePeer): Promise<void> {
  if (peer !== prismaTasksPeer) return;
  const n = size.drain;
  const drains: Record<string, number> = {};
  const variants: [key: string, settings: Partial<WorkerSettings>][] = [
    ["otel-absent", { nodeFlags: ["--import", WITHOUT_OPENTELEMETRY] }],
    ["otel-off", {}],
    ["otel-on", { openTelemetry: true }],
  ];
  for (const [key, settings] of variants) {
    const url = await freshDatabase(peer);
    await peer.enqueueBulk(url, n);
    const drained = await drainWithSettings(url, n, 1, { ...PRISMA_TASKS_BEST, ...settings }, size.windowMs);
    if (drained.completed < n) timeCapped.add(`drain-${key}/${peer.name}`);
    drains[key] = drained.completed / (drained.elapsedMs / 1000);
    record(`drain-${key}`, peer.name, drains[key]!);
  }
  record("otel-off-ratio", peer.name, drains["otel-off"]! / drains["otel-absent"]!);
  record("otel-ratio", peer.name, drains["otel-on"]! / drains["otel-off"]!);
}

const steps: Record<Measurement, (peer: QueuePeer) => Promise<void>> = {
  drain: measureDrain,
  enqueue: measureEnqueue,
  latency: measureLatency,
  backlog: measureBacklog,
  opentelemetry: measureOpenTelemetry,
  growth: (peer) =>
    measureGrowth(peer, {
      sizes: growth,
      windowMs: size.windowMs,
      freshDatabase,
      record,
      capped: (row, name) => timeCapped.add(`${row}/${name}`),
      progress,
    }),
};

/** Each peer's tune candidates (prisma-tasks' --concurrency × --prefetch, the peers' own knobs), 1 and 4 processes. */
async function tune(): Promise<void> {
  const n = size.drain;
  for (const peer of peers) {
    for (const processes of [1, 4]) {
      const rows: string[][] = [];
      for (const candidate of peer.tuneCandidates ?? []) {
        const figures: Runs = [];
        for (let run = 0; run < runs; run++) {
          const url = await freshDatabase(peer);
          await peer.enqueueBulk(url, n);
          figures.push((await candidate.drain(url, n, processes)).perSecond);
        }
        rows.push([candidate.label, cell(figures)]);
        progress(`  tune ${peer.name}, ${processes} process(es): ${rows.at(-1)!.join(": ")} jobs/s`);
      }
      if (rows.length === 0) continue;
      console.log(`\n${peer.name} drain of ${n.toLocaleString("en-US")} no-op jobs, ${processes} worker process(es), Node ${process.versions.node} (jobs/s)\n`);
      console.log(table(["settings", "jobs/s"], rows));
    }
  }
}

function printReport(): void {
  const rows: [key: string, label: string][] = [
    ["drain-c10", "drain, 1 process, concurrency 10 (tasks/s)"],
    ["drain-best", "drain, 1 process, best settings (tasks/s)"],
    ["drain-ceiling", "  the database's ceiling: claim and outcome statements alone (tasks/s)"],
    ["ceiling-ratio", "  prisma-tasks / ceiling (1.00 = the worker costs nothing)"],
    ["drain-schedules", `  the same with ${DRAIN_SCHEDULES} per-second schedules configured (tasks/s)`],
    ["drain-4p", "drain, 4 processes, best settings (tasks/s)"],
    ["drain-backlog", `drain with ${size.backlog.toLocaleString("en-US")} finished rows (tasks/s)`],
    ["drain-backlog-empty", "  same round, empty table (tasks/s)"],
    ["backlog-slowdown", "  backlog / empty (1.00 = no slowdown)"],
    ["enqueue-single", "enqueue, sequential singles (tasks/s)"],
    ["enqueue-keyed", "  the same with a unique key, each new (tasks/s)"],
    ["enqueue-keyed-held", "  the same with a held key: deduplicated (enqueues/s)"],
    ["enqueue-tx", "enqueue, each in its own $transaction (tasks/s)"],
    ["enqueue-bulk", "enqueue, bulk (tasks/s)"],
    ["create", "  reference: prisma.taskResult.create (rows/s)"],
    ["create-tx", "  reference: the same in a $transaction (rows/s)"],
    ["latency-p50", "latency enqueue → start, p50 (ms, lower is better)"],
    ["latency-p95", "latency enqueue → start, p95 (ms)"],
    ["latency-p99", "latency enqueue → start, p99 (ms)"],
    ["latency-fast-p50", `  p50 with --interval ${FAST_INTERVAL} (ms)`],
    ["latency-fast-p99", `  p99 with --interval ${FAST_INTERVAL} (ms)`],
    ["rss", "worker peak RSS, best settings (MB, lower is better)"],
    ["drain-semi", `drain, 1 process, best settings, node ${YOUNG_GENERATION_FLAG} (tasks/s)`],
    ["rss-semi", `  worker peak RSS with ${YOUNG_GENERATION_FLAG} (MB, lower is better)`],
    ["drain-otel-absent", "drain, best settings, without @opentelemetry/api (tasks/s)"],
    ["drain-otel-off", "  same round, the API installed, no provider (tasks/s)"],
    ["otel-off-ratio", "  API without a provider / without the API (1.00 = no cost)"],
    ["drain-otel-on", "  same round, SDK providers exporting to memory (tasks/s)"],
    ["otel-ratio", "  SDK exporting to memory / API without a provider"],
    ...growthRows(growth),
  ];
  const ours = prismaTasksPeer.name;
  const others = peers.filter((peer) => !ourPeers.includes(peer));
  const bothDatabases = peers.includes(prismaTasksPeer) && peers.includes(prismaTasksMysqlPeer);
  const header = ["", ...peers.map((peer) => `${peer.name} ${peer.version}`)];
  if (peers.includes(prismaTasksPeer)) header.push(...others.map((peer) => `pt / ${peer.name}`));
  if (bothDatabases) header.push("MySQL / PostgreSQL");
  const body = rows
    .filter(([key]) => results.has(key))
    .map(([key, label]) => {
      const byPeer = results.get(key)!;
      const cells = peers.map((peer) => cell(byPeer.get(peer.name), timeCapped.has(`${key}/${peer.name}`) ? " †" : ""));
      const ratios = peers.includes(prismaTasksPeer) ? others.map((peer) => ratio(byPeer.get(ours), byPeer.get(peer.name))) : [];
      if (bothDatabases) ratios.push(ratio(byPeer.get(prismaTasksMysqlPeer.name), byPeer.get(ours)));
      return [label, ...cells, ...ratios];
    });
  const sizes =
    `n: drain ${size.drain.toLocaleString("en-US")}, single enqueues ${size.single.toLocaleString("en-US")}, ` +
    `latency ${size.latency} tasks ${size.gapMs} ms apart; ${runs === 1 ? "1 run" : `median (min–max) of ${runs} runs`}`;
  console.log(`\nprisma-tasks vs peers (${quick ? "--quick, " : ""}${sizes}; Node ${process.versions.node})\n`);
  console.log(table(header, body));
  if (timeCapped.size > 0) console.log(`\n† did not finish within ${size.windowMs / 1000} s: the rate over that window`);
  console.log("\nSettings:");
  for (const peer of peers) console.log(`  ${peer.name}: ${peer.settings}`);
  if (mysqlServer) console.log(`  MySQL server: ${mysqlServer.version} (scripts/db/mariadb.ts, innodb_flush_log_at_trx_commit=2)`);
  const create = results.get("create")?.get(ours);
  const enqueue = results.get("enqueue-single")?.get(ours);
  if (create && enqueue) {
    console.log(`\nprisma-tasks single enqueue runs at ${((median(enqueue) / median(create)) * 100).toFixed(0)}% of a plain create's rate.`);
  }
  const best = results.get("drain-best")?.get(ours);
  const scheduled = results.get("drain-schedules")?.get(ours);
  if (best && scheduled) {
    console.log(`prisma-tasks drain with ${DRAIN_SCHEDULES} per-second schedules configured runs at ${(median(scheduled) / median(best)).toFixed(2)}x the rate without.`);
  }
  const keyed = results.get("enqueue-keyed")?.get(ours);
  if (keyed && enqueue) {
    console.log(`prisma-tasks single enqueue with a unique key runs at ${(median(keyed) / median(enqueue)).toFixed(2)}x the rate of one without.`);
  }
  printMysqlNote();
  const notes = growthNotes(results, growth);
  if (notes.length > 0) console.log(`\nHow cost grows with work:\n${notes.map((line) => `  ${line}`).join("\n")}`);
  for (const peer of unsupported) console.log(`\nNot run: ${peer.unsupportedNode}`);
}

/** The closing note on MySQL: its figures beside PostgreSQL's from this run (medians), and the ratio. */
function printMysqlNote(): void {
  const mysql = prismaTasksMysqlPeer.name;
  const figures: [key: string, what: string, unit: string][] = [
    ["drain-best", "drain, 1 process", "tasks/s"],
    ["drain-4p", "drain, 4 processes", "tasks/s"],
    ["drain-backlog", `drain with ${size.backlog.toLocaleString("en-US")} finished rows`, "tasks/s"],
    ["backlog-slowdown", "  backlog / empty", ""],
    ["enqueue-bulk", "bulk enqueue", "tasks/s"],
    ["enqueue-single", "single enqueue", "tasks/s"],
    ["latency-p50", "latency p50, --interval 1", "ms"],
    ["latency-p99", "latency p99, --interval 1", "ms"],
    ["latency-fast-p50", `latency p50, --interval ${FAST_INTERVAL}`, "ms"],
    ["latency-fast-p99", `latency p99, --interval ${FAST_INTERVAL}`, "ms"],
  ];
  const lines = figures
    .filter(([key]) => results.get(key)?.has(mysql))
    .map(([key, what, unit]) => {
      const mine = results.get(key)!.get(mysql)!;
      const postgres = results.get(key)!.get(prismaTasksPeer.name);
      const beside = postgres ? ` vs ${cell(postgres)} on PostgreSQL: ${ratio(mine, postgres)}` : "";
      return `  ${what}: ${cell(mine)}${unit && ` ${unit}`}${beside}`;
    });
  if (lines.length === 0) return;
  console.log(`\nprisma-tasks on MySQL (${mysqlServer?.version ?? "MySQL"}), this run, MySQL / PostgreSQL:`);
  for (const line of lines) console.log(line);
  console.log(
    "  MySQL's idle workers poll (no NOTIFY), so its latency follows --interval; each claim is an interactive transaction " +
      "(SET TRANSACTION ISOLATION LEVEL, BEGIN, SELECT ... FOR UPDATE SKIP LOCKED, UPDATE, COMMIT) where PostgreSQL's is one statement.",
  );
}

/** Set once shutdown begins: on Ctrl-C, SIGTERM, or when the run ends. */
let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    await killWorkers();
    await server?.stop();
    await mysqlServer?.stop();
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    process.stderr.write(`\nbench: ${signal}: stopping worker processes and the database servers\n`);
    void shutdown().finally(() => process.exit(130));
  });
}

const started = performance.now();
let exitCode = 0;
for (const peer of unsupported) {
  console.error(`bench: not running ${peer.name}: ${peer.unsupportedNode}`);
  exitCode = 1;
}
try {
  progress(`Node ${process.versions.node} (${process.execPath})`);
  progress("starting PostgreSQL (embedded, default settings: fsync on)");
  server = await startPostgres({ useDatabaseUrl: false });
  if (peers.includes(prismaTasksMysqlPeer) && flags.compare === undefined && !flags.tune) {
    progress("starting MariaDB (private, scripts/db/mariadb.ts)");
    mysqlServer = await startMysql({ useMysqlUrl: false });
  }
  if (flags.compare !== undefined) {
    await compare(flags.compare, server, size, runs, progress);
  } else if (flags.tune) {
    await tune();
  } else {
    for (const step of measure) {
      for (let run = 0; run < runs; run++) {
        for (const peer of peers) {
          progress(`${step} ${run + 1}/${runs}: ${peer.name}`);
          await steps[step](peer);
        }
      }
    }
    printReport();
    if (measure.includes("growth")) {
      const chart = await chartGrowth(results, peers, growth, quick, path.resolve(import.meta.dirname, ".."));
      if (chart) console.log(`\nchart: ${chart}`);
    }
  }
  progress(`done; settings used for prisma-tasks best: --concurrency ${PRISMA_TASKS_BEST.concurrency} --prefetch ${PRISMA_TASKS_BEST.prefetch}`);
} catch (error) {
  // After Ctrl-C the measurement in flight fails as its connections drop; that is not worth reporting.
  if (!stopping) console.error("bench: failed:", error);
  exitCode = 1;
}
if (stopping) await new Promise(() => {}); // the signal handler exits once everything is stopped
await shutdown();
process.exit(exitCode);
