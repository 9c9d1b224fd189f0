// `npm run bench -- --compare <git-rev>`: this tree's prisma-tasks against another revision's, alternated in one session
// on one PostgreSQL, so both see the same machine, load and server.
//
// The other revision is unpacked (`git archive`) into .bench-compare/<commit>/, with this tree's node_modules and this
// tree's bench harness (worker config, tasks, client, ceiling loop), so only the library differs; its Prisma clients are
// generated and everything is compiled as this tree's is. Each side gets databases made by its own migration files, and
// its enqueues go through its own compiled library.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PostgresServer } from "../db/postgres.js";
import { withClient } from "./peers/common.js";
import { compileWorker, drainCeiling, drainWithSettings, PRISMA_TASKS_BEST, thisTree, type Build } from "./prisma-tasks.js";
import { cell, median, table, type Runs } from "./report.js";

// The other revision's library is loaded at run time from its compiled output: its types are not this tree's.

const ROOT = thisTree.root;
/** The harness files a compared revision gets from this tree: what the worker processes load besides the library. */
const HARNESS = ["tsconfig.worker.json", "tasks.config.ts", "tasks.ts", "client.ts", "ceiling-worker.ts"];
const BULK_CHUNK = 10_000;

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 }).trim();
}

/** Unpacks, generates and compiles `rev` beside this tree, once per commit (kept for later runs). */
export function prepareRevision(rev: string): Build {
  let sha: string;
  try {
    sha = git("rev-parse", "--verify", "--quiet", `${rev}^{commit}`);
  } catch {
    throw new Error(`bench: --compare: no commit named '${rev}' in this repository`);
  }
  const root = path.join(ROOT, ".bench-compare", sha.slice(0, 12));
  const ready = path.join(root, ".prepared");
  if (!existsSync(ready)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const archive = execFileSync("git", ["archive", "--format=tar", sha], { cwd: ROOT, maxBuffer: 1 << 30 });
    const untar = spawnSync("tar", ["-x", "-C", root], { input: archive });
    if (untar.status !== 0) throw new Error(`bench: --compare: could not unpack ${sha}: ${untar.stderr}`);
    symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
    for (const file of HARNESS) copyFileSync(path.join(ROOT, "scripts", "bench", file), path.join(root, "scripts", "bench", file));
    const generate = spawnSync(process.execPath, ["scripts/generate-clients.mjs"], { cwd: root, stdio: "inherit" });
    if (generate.status !== 0) throw new Error(`bench: --compare: could not generate ${rev}'s Prisma clients`);
    writeFileSync(ready, `${sha}\n`);
  }
  const build = { label: `${rev} (${sha.slice(0, 8)})`, root };
  compileWorker(build);
  return build;
}

/** Runs a build's PostgreSQL migrations (prisma/migrations/<name>/migration.sql, in name order) on `url`. */
async function applyMigrationFiles(build: Build, url: string): Promise<void> {
  const folder = path.join(build.root, "prisma", "migrations");
  const names = readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  await withClient(url, async (client) => {
    for (const name of names) await client.query(readFileSync(path.join(folder, name, "migration.sql"), "utf8"));
  });
}

/** A build's own pieces, loaded from its compiled output: migrations, client, library and the no-op task. */
async function partsOf(build: Build) {
  const out = path.join(build.root, ".bench-build");
  const load = (file: string) => import(pathToFileURL(file).href);
  const [client, library, tasks] = await Promise.all([
    load(path.join(out, "scripts", "bench", "client.js")),
    load(path.join(out, "src", "index.js")),
    load(path.join(out, "scripts", "bench", "tasks.js")),
  ]);
  return {
    install: (url: string) => applyMigrationFiles(build, url),
    /** The bench's Prisma client on `url`, extended with this build's withTasks (and its $tasks). */
    async connect(url: string) {
      return (await client.connect(url)).$extends(library.withTasks({ tasks: tasks.benchTasks }));
    },
    noop: tasks.noop,
  };
}

type Parts = Awaited<ReturnType<typeof partsOf>>;

export interface CompareSizes {
  drain: number;
  single: number;
  windowMs: number;
}

/** The rows compared, in order: each measures one side on a fresh database and returns its figure. */
const ROWS: [key: string, label: string][] = [
  ["enqueue-bulk", "enqueue, bulk (tasks/s)"],
  ["enqueue-single", "enqueue, sequential singles (tasks/s)"],
  ["drain-best", "drain, 1 process, best settings (tasks/s)"],
  ["drain-4p", "drain, 4 processes, best settings (tasks/s)"],
  ["drain-ceiling", "  the database's ceiling: claim and outcome statements alone (tasks/s)"],
];

export async function compare(
  rev: string,
  server: PostgresServer,
  sizes: CompareSizes,
  runs: number,
  progress: (message: string) => void,
): Promise<void> {
  progress(`--compare: preparing ${rev} (unpack, generate, compile; kept in .bench-compare/)`);
  compileWorker(thisTree);
  const other = prepareRevision(rev);
  const builds = [thisTree, other];
  const parts = new Map<Build, Parts>(await Promise.all(builds.map(async (build) => [build, await partsOf(build)] as const)));
  const figures = new Map<string, Map<Build, Runs>>(ROWS.map(([key]) => [key, new Map(builds.map((build) => [build, []]))]));
  let databases = 0;

  /** Runs fn on a fresh database with `build`'s migrations, through a client extended with `build`'s library. */
  async function onFreshDatabase<T>(build: Build, fn: (url: string, prisma: any, noop: unknown) => Promise<T>): Promise<T> {
    const url = await server.createDatabase(`bench_compare_${databases++}`);
    const { install, connect, noop } = parts.get(build)!;
    await install(url);
    const prisma = await connect(url);
    try {
      await prisma.$queryRawUnsafe("SELECT 1"); // connected before any clock starts
      return await fn(url, prisma, noop);
    } finally {
      await prisma.$disconnect();
    }
  }
  /** Enqueues n no-op tasks in bulk; tasks/s. */
  async function enqueueBulk(prisma: any, noop: unknown, n: number): Promise<number> {
    const t0 = performance.now();
    for (let done = 0; done < n; done += BULK_CHUNK) {
      await prisma.$tasks.enqueueMany(noop, Array.from({ length: Math.min(BULK_CHUNK, n - done) }, () => undefined));
    }
    return n / ((performance.now() - t0) / 1000);
  }
  /** A fresh database with n no-op tasks queued by `build`. */
  const queued = (build: Build, n: number) => onFreshDatabase(build, async (url, prisma, noop) => (await enqueueBulk(prisma, noop, n), url));

  const measure: Record<string, (build: Build) => Promise<number>> = {
    "enqueue-bulk": (build) => onFreshDatabase(build, (_url, prisma, noop) => enqueueBulk(prisma, noop, sizes.drain)),
    "enqueue-single": (build) =>
      onFreshDatabase(build, async (_url, prisma, noop) => {
        const t0 = performance.now();
        for (let i = 0; i < sizes.single; i++) await prisma.$tasks.enqueue(noop);
        return sizes.single / ((performance.now() - t0) / 1000);
      }),
    async "drain-best"(build) {
      const drained = await drainWithSettings(await queued(build, sizes.drain), sizes.drain, 1, { ...PRISMA_TASKS_BEST, build }, sizes.windowMs);
      return drained.completed / (drained.elapsedMs / 1000);
    },
    async "drain-4p"(build) {
      const drained = await drainWithSettings(await queued(build, sizes.drain), sizes.drain, 4, { ...PRISMA_TASKS_BEST, build }, sizes.windowMs);
      return drained.completed / (drained.elapsedMs / 1000);
    },
    async "drain-ceiling"(build) {
      const drained = await drainCeiling(await queued(build, sizes.drain), sizes.drain, { ...PRISMA_TASKS_BEST, build }, sizes.windowMs);
      return drained.completed / (drained.elapsedMs / 1000);
    },
  };

  // Untimed, once per side: each library's enqueue code warmed up in this process, so neither side pays for it.
  for (const build of builds) {
    await onFreshDatabase(build, async (_url, prisma, noop) => {
      await enqueueBulk(prisma, noop, 2_000);
      for (let i = 0; i < 200; i++) await prisma.$tasks.enqueue(noop);
    });
  }
  for (let run = 0; run < runs; run++) {
    for (const [index, [key]] of ROWS.entries()) {
      // Each measurement alternates which side goes first, run to run and row to row.
      const order = (run + index) % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order) {
        progress(`--compare ${run + 1}/${runs}: ${key}, ${build.label}`);
        figures.get(key)!.get(build)!.push(await measure[key]!(build));
      }
    }
  }

  const body = ROWS.map(([key, label]) => {
    const [ours, theirs] = builds.map((build) => figures.get(key)!.get(build)!);
    return [label, cell(ours), cell(theirs), `${(median(ours!) / median(theirs!)).toFixed(2)}×`];
  });
  console.log(`\nprisma-tasks, this tree vs ${other.label}, alternated in one session (n: drain ${sizes.drain.toLocaleString("en-US")}, ` +
    `single enqueues ${sizes.single.toLocaleString("en-US")}; ${runs === 1 ? "1 run" : `median (min–max) of ${runs} runs`})\n`);
  console.log(table(["", "this tree", other.label, "this / other"], body));
  console.log(`\nBoth sides ran with --concurrency ${PRISMA_TASKS_BEST.concurrency} --prefetch ${PRISMA_TASKS_BEST.prefetch} and this tree's bench harness.`);
}
