/**
 * graphile-worker peer for `npm run bench`.
 *
 * Version: 0.18.x, which needs Node >= 22.18 (the bench runs on Node 24 by
 * default).
 *
 * Completion: graphile-worker DELETEs a job row when it completes, so "done"
 * is "the job table has n fewer rows than when we started".
 */
import { makeWorkerUtils, run, runMigrations, Logger, type WorkerUtils } from "graphile-worker";
import pg from "pg";
import type { QueuePeer, TuneCandidate } from "./types.js";
import path from "node:path";
import { HERE, drainResult, nodeMismatch, packageVersion, runWorkers, sleep, withClient, withTimeout } from "./common.js";

const TASK = "noop";
const LATENCY_TASK = "noop_latency";
const JOBS_TABLE = "graphile_worker._private_jobs";

/** A worker process's settings beyond the library's defaults. */
export interface GraphileSettings {
  concurrency: number;
  maxPoolSize: number;
  localQueueSize?: number;
  completeJobBatchDelay?: number;
  failJobBatchDelay?: number;
  pollInterval?: number;
}

/** Best-throughput settings on a 2-core box: chosen by the sweep in the peer's settings string. */
export const GRAPHILE_BEST = {
  concurrency: 50,
  localQueueSize: 4000,
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
  pollInterval: 2000,
  maxPoolSize: 54,
} satisfies GraphileSettings;

const quietLogger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[graphile-worker ${level}] ${message}`);
});

function settingsFor(concurrency: number | "best"): GraphileSettings {
  if (concurrency === "best") return GRAPHILE_BEST;
  // Library defaults apart from concurrency (and a pool big enough for it).
  return { concurrency, maxPoolSize: Math.max(10, concurrency + 2) };
}

async function withUtils<T>(url: string, fn: (u: WorkerUtils) => Promise<T>): Promise<T> {
  const utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
  try {
    return await fn(utils);
  } finally {
    await utils.release();
  }
}

/** Jobs waiting to be fetched, counted through graphile's own partial index (cheap with a large backlog). */
const countAvailable = (c: pg.Client) =>
  c.query<{ n: number }>(`select count(*)::int as n from ${JOBS_TABLE} where is_available = true`).then((r) => r.rows[0].n);

/** Drains n queued jobs with `processes` worker processes at these settings (the sweep calls it directly). */
async function drainWithSettings(url: string, n: number, processes: number, settings: GraphileSettings, maxMs?: number, nodeFlags: string[] = []) {
  return withClient(url, async (client) => {
    // The drain's jobs were queued after any seeded backlog (ids are a sequence): counting from the first of them is a
    // primary-key range, however many failed rows the backlog left, where a count of the whole table reads them all.
    const first = (await client.query<{ id: string | null }>(`select min(id)::text as id from ${JOBS_TABLE} where is_available = true`)).rows[0]!.id ?? "0";
    const countFromFirst = () =>
      client.query<{ n: number }>(`select count(*)::int as n from ${JOBS_TABLE} where id >= $1`, [first]).then((r) => r.rows[0]!.n);
    const before = await countFromFirst();
    if (before < n) throw new Error(`graphile drain: only ${before} jobs queued, expected >= ${n}`);
    const target = before - n;
    return runWorkers({
      label: "graphile-worker",
      command: () => ({ modulePath: path.join(HERE, "graphile-worker.mjs"), execArgv: nodeFlags, args: [JSON.stringify({ url, task: TASK, ...settings })] }),
      processes,
      n,
      maxMs,
      remaining: async (exact) => {
        const queued = exact ? 0 : await countAvailable(client);
        return queued > 0 ? queued : (await countFromFirst()) - target;
      },
    });
  });
}

const BULK_CHUNK = 10_000;

/** What `--tune` tries: concurrency × local queue size, completions batched with no delay, a pool of concurrency + 4. */
const TUNE_CANDIDATES: GraphileSettings[] = [24, 50, 100].flatMap((concurrency) =>
  [500, 1000, 2000, 4000].map((localQueueSize) => ({ ...GRAPHILE_BEST, concurrency, localQueueSize, maxPoolSize: concurrency + 4 })),
);

export const graphilePeer: QueuePeer = {
  name: "graphile-worker",
  version: packageVersion("graphile-worker"),
  unsupportedNode: nodeMismatch("graphile-worker"),
  settings:
    `best: concurrency=${GRAPHILE_BEST.concurrency}/process, localQueue.size=${GRAPHILE_BEST.localQueueSize}, ` +
    `completeJobBatchDelay=${GRAPHILE_BEST.completeJobBatchDelay}ms, failJobBatchDelay=${GRAPHILE_BEST.failJobBatchDelay}ms, ` +
    `pg pool=${GRAPHILE_BEST.maxPoolSize} (concurrency + 4); chosen by \`--only graphile-worker --tune\` on Node 24 over ` +
    `concurrency 10–100 × localQueue.size 100–4000 in three sweeps: a bigger local queue was faster in each (1 process, ` +
    `medians: size 500 10.5k–13.2k jobs/s, 2000 17.6k–19.1k; in a later, busier sweep 4000 beat 2000 at concurrency 50 ` +
    `and 100, 10.3k–10.9k against 7.6k–8.1k, and at 4 processes 7.1k–7.9k against 5.6k–8.1k), concurrency 24–100 within ` +
    `noise of each other; numeric concurrency = library defaults + concurrency=N; ` +
    `LISTEN/NOTIFY wakeups, pollInterval 2000ms (default); bulk enqueue = WorkerUtils.addJobs in chunks of ${BULK_CHUNK}; ` +
    `single enqueue = WorkerUtils.addJob; latency worker uses the best settings`,

  async install(url) {
    await runMigrations({ connectionString: url, logger: quietLogger });
  },

  async enqueueBulk(url, n) {
    return withUtils(url, async (utils) => {
      await utils.withPgClient((c) => c.query("select 1")); // warm-up: open the connection
      const t0 = performance.now();
      for (let done = 0; done < n; done += BULK_CHUNK) {
        const size = Math.min(BULK_CHUNK, n - done);
        await utils.addJobs(Array.from({ length: size }, () => ({ identifier: TASK, payload: {} })));
      }
      return n / ((performance.now() - t0) / 1000);
    });
  },

  async enqueueSingle(url, n) {
    return withUtils(url, async (utils) => {
      await utils.withPgClient((c) => c.query("select 1")); // warm-up: open the connection
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await utils.addJob(TASK, {});
      return n / ((performance.now() - t0) / 1000);
    });
  },

  async drain(url, n, { processes, concurrency, maxMs, nodeFlags }) {
    return drainResult(await drainWithSettings(url, n, processes, settingsFor(concurrency), maxMs, nodeFlags));
  },

  // graphile-worker deletes jobs that complete; the finished rows it keeps are jobs that failed for good.
  async seedFinished(url, n) {
    await withClient(url, async (client) => {
      await client.query(`insert into graphile_worker._private_tasks (identifier) values ($1) on conflict do nothing`, [TASK]);
      await client.query(
        `insert into ${JOBS_TABLE} (task_id, payload, attempts, max_attempts, last_error)
         select t.id, '{}'::json, 1, 1, 'failed for the backlog benchmark'
         from graphile_worker._private_tasks t, generate_series(1, $2) where t.identifier = $1`,
        [TASK, n],
      );
      await client.query(`analyze ${JOBS_TABLE}`);
    });
  },

  tuneCandidates: TUNE_CANDIDATES.map(
    (settings): TuneCandidate => ({
      label: `concurrency ${settings.concurrency} localQueue.size ${settings.localQueueSize}`,
      drain: async (url, n, processes) => drainResult(await drainWithSettings(url, n, processes, settings)),
    }),
  ),

  async latency(url, n, gapMs) {
    const samples: number[] = [];
    let resolveAll!: () => void;
    const allDone = new Promise<void>((r) => (resolveAll = r));
    const cfg = GRAPHILE_BEST;
    const runner = await run({
      connectionString: url,
      maxPoolSize: cfg.maxPoolSize,
      concurrency: cfg.concurrency,
      pollInterval: cfg.pollInterval,
      noHandleSignals: true,
      logger: quietLogger,
      taskList: {
        [LATENCY_TASK]: async (payload) => {
          samples.push(Date.now() - (payload as { t: number }).t);
          if (samples.length >= n) resolveAll();
        },
      },
      preset: {
        worker: {
          localQueue: { size: cfg.localQueueSize },
          completeJobBatchDelay: cfg.completeJobBatchDelay,
          failJobBatchDelay: cfg.failJobBatchDelay,
        },
      },
    });
    try {
      await withUtils(url, async (utils) => {
        await sleep(200); // let the worker go idle (LISTEN established)
        for (let i = 0; i < n; i++) {
          await utils.addJob(LATENCY_TASK, { t: Date.now() });
          if (gapMs > 0) await sleep(gapMs);
        }
      });
      await withTimeout(allDone, 30_000, () => `graphile latency: only ${samples.length}/${n} jobs ran`);
      return samples.slice(0, n);
    } finally {
      await runner.stop();
    }
  },

};

export default graphilePeer;
