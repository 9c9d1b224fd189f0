/**
 * pg-boss peer for `npm run bench`.
 *
 * Version: 10.x — pg-boss 11 requires Node >= 22 and 12 requires >= 22.12;
 * 10.4.2 declares node >= 20.
 *
 * pg-boss 10 has no teamSize/teamConcurrency any more: a worker (`work()`)
 * polls, fetches up to `batchSize` jobs, hands the array to the handler and
 * then completes the whole batch. After each fetch it sleeps for the rest of
 * `pollingIntervalSeconds` (minimum 0.5s) — even when the queue is not empty.
 * So throughput ≈ workers × batchSize / pollingInterval, capped by the DB.
 *
 * Completion: completed jobs stay in pgboss.job with state='completed'
 * (moved to pgboss.archive after archiveCompletedAfterSeconds, 12h by default);
 * we count both, with default retention.
 */
import PgBoss from "pg-boss";
import type { DrainOptions, QueuePeer } from "./types.js";
import path from "node:path";
import { HERE, drainResult, packageVersion, runWorkers, sleep, withClient, withTimeout } from "./common.js";
import type pg from "pg";

const QUEUE = "noop";
const LATENCY_QUEUE = "noop_latency";

/** Best-throughput settings found on a 2-core box. */
export const PGBOSS_BEST = {
  workers: 1,
  batchSize: 4000,
  pollingIntervalSeconds: 0.5,
  max: 10,
};

function workerConfig(url: string, concurrency: number | "best") {
  if (concurrency === "best") return { url, queue: QUEUE, ...PGBOSS_BEST };
  // "N jobs in flight per process": one work() with batchSize N, the minimum polling interval.
  return { url, queue: QUEUE, workers: 1, batchSize: concurrency, pollingIntervalSeconds: 0.5, max: 10 };
}

async function withBoss<T>(url: string, fn: (b: PgBoss) => Promise<T>, opts: Partial<PgBoss.ConstructorOptions> = {}): Promise<T> {
  // supervise/schedule off for pure producers: they'd only run maintenance timers.
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, ...opts });
  boss.on("error", (e) => console.error("[pg-boss error]", (e as Error)?.message ?? e));
  await boss.start();
  try {
    return await fn(boss);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

const countCompleted = (c: pg.Client, queue: string) =>
  c
    .query<{ n: number }>(
      `select (select count(*) from pgboss.job where name = $1 and state = 'completed')
            + (select count(*) from pgboss.archive where name = $1 and state = 'completed') as n`,
      [queue],
    )
    .then((r) => Number(r.rows[0].n));

const countPending = (c: pg.Client, queue: string) =>
  c
    .query<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1 and state < 'completed'`, [queue])
    .then((r) => r.rows[0].n);

/** Jobs not fetched yet, counted through pg-boss's own partial index job_i5 (cheap with a large backlog). */
const countQueued = (c: pg.Client, queue: string) =>
  c
    .query<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1 and state < 'active'`, [queue])
    .then((r) => r.rows[0].n);

async function drainWith(url: string, n: number, { processes, concurrency, maxMs }: DrainOptions) {
  return withClient(url, async (client) => {
    const pending = await countPending(client, QUEUE);
    if (pending < n) throw new Error(`pg-boss drain: only ${pending} jobs queued, expected >= ${n}`);
    const target = (await countCompleted(client, QUEUE)) + n;
    return runWorkers({
      label: "pg-boss",
      command: (i) => ({ modulePath: path.join(HERE, "pgboss-worker.mjs"), args: [JSON.stringify(workerConfig(url, concurrency)), String(i)] }),
      processes,
      n,
      maxMs,
      remaining: async (exact) => {
        const queued = exact ? 0 : await countQueued(client, QUEUE);
        return queued > 0 ? queued : target - (await countCompleted(client, QUEUE));
      },
    });
  });
}

const BULK_CHUNK = 10_000;

export const pgbossPeer: QueuePeer = {
  name: "pg-boss",
  version: packageVersion("pg-boss"),
  settings:
    `best: ${PGBOSS_BEST.workers} work() loops/process × batchSize=${PGBOSS_BEST.batchSize}, ` +
    `pollingIntervalSeconds=${PGBOSS_BEST.pollingIntervalSeconds} (the minimum), pg pool max=${PGBOSS_BEST.max}; ` +
    `numeric concurrency N = one work() with batchSize=N, pollingIntervalSeconds=0.5; ` +
    `queue policy 'standard', default retention (completed rows kept); bulk enqueue = boss.insert() in chunks of ${BULK_CHUNK}; ` +
    `single enqueue = boss.send(); latency worker uses the best settings (polling, no LISTEN/NOTIFY in v10)`,

  async install(url) {
    await withBoss(url, async (boss) => {
      for (const q of [QUEUE, LATENCY_QUEUE]) if (!(await boss.getQueue(q))) await boss.createQueue(q);
    });
  },

  async enqueueBulk(url, n) {
    return withBoss(url, async (boss) => {
      await boss.getQueue(QUEUE); // warm-up: open a connection
      const t0 = performance.now();
      for (let done = 0; done < n; done += BULK_CHUNK) {
        const size = Math.min(BULK_CHUNK, n - done);
        await boss.insert(Array.from({ length: size }, () => ({ name: QUEUE, data: {} })));
      }
      return n / ((performance.now() - t0) / 1000);
    });
  },

  async enqueueSingle(url, n) {
    return withBoss(url, async (boss) => {
      await boss.getQueue(QUEUE); // warm-up: open a connection
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await boss.send(QUEUE, {});
      return n / ((performance.now() - t0) / 1000);
    });
  },

  async drain(url, n, options) {
    return drainResult(await drainWith(url, n, options));
  },

  // Completed jobs stay in pgboss.job (state 'completed') until archived after 12 hours by default.
  async seedFinished(url, n) {
    await withClient(url, async (client) => {
      await client.query(
        `insert into pgboss.job (name, data, state, started_on, completed_on)
         select $1, '{}'::jsonb, 'completed', now(), now() from generate_series(1, $2)`,
        [QUEUE, n],
      );
      await client.query(`analyze pgboss.job`);
    });
  },

  async latency(url, n, gapMs) {
    const samples: number[] = [];
    let resolveAll!: () => void;
    const allDone = new Promise<void>((r) => (resolveAll = r));
    // Worker with default supervise/schedule, like a real deployment; a separate producer.
    const worker = new PgBoss({ connectionString: url, max: PGBOSS_BEST.max });
    worker.on("error", (e) => console.error("[pg-boss error]", (e as Error)?.message ?? e));
    await worker.start();
    try {
      const opts = { batchSize: PGBOSS_BEST.batchSize, pollingIntervalSeconds: PGBOSS_BEST.pollingIntervalSeconds };
      for (let i = 0; i < PGBOSS_BEST.workers; i++) {
        await worker.work<{ t: number }>(LATENCY_QUEUE, opts, async (jobs) => {
          const now = Date.now();
          for (const j of jobs) samples.push(now - j.data.t);
          if (samples.length >= n) resolveAll();
        });
      }
      await withBoss(url, async (producer) => {
        await sleep(200);
        for (let i = 0; i < n; i++) {
          await producer.send(LATENCY_QUEUE, { t: Date.now() });
          if (gapMs > 0) await sleep(gapMs);
        }
      });
      await withTimeout(allDone, 30_000, () => `pg-boss latency: only ${samples.length}/${n} jobs ran`);
      return samples.slice(0, n);
    } finally {
      await worker.stop({ graceful: true, wait: true, timeout: 10_000 });
    }
  },

};

export default pgbossPeer;
