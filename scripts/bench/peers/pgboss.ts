/**
 * pg-boss peer for `npm run bench`.
 *
 * Version: 12.x, which needs Node >= 22.12 (the bench runs on Node 24 by default).
 *
 * A worker (`work()`) runs `localConcurrency` fetch loops; each fetches up to `batchSize` jobs, hands the array to the
 * handler and completes the whole batch. Between fetches a loop waits `pollingIntervalSeconds` (minimum 0.5 s), unless
 * `burstWhenBatchFull` is on and the last fetch came back full: then it fetches again at once. With the instance's
 * `useListenNotify` and a queue created with `notify: true`, a send() NOTIFYs, which wakes idle workers at once.
 *
 * Completion: completed jobs stay in pgboss.job with state 'completed' until their deletion time (7 days by default);
 * v12 has no archive table.
 */
import { PgBoss, fromPrisma, type ConstructorOptions } from "pg-boss";
import type { QueuePeer, TuneCandidate } from "./types.js";
import path from "node:path";
import { HERE, drainResult, nodeMismatch, packageVersion, runWorkers, sleep, withClient, withTimeout } from "./common.js";
import { connect } from "../client.js";
import type pg from "pg";

const QUEUE = "noop";
const LATENCY_QUEUE = "noop_latency";

type PgBossWorkerSettings = {
  localConcurrency: number;
  batchSize: number;
  pollingIntervalSeconds: number;
  burstWhenBatchFull: boolean;
  /** The poll between fetches while NOTIFY is active; the library's default (30 s) when absent. */
  notifyPollingIntervalSeconds?: number;
  max: number;
};

/**
 * Best-throughput settings on a 2-core box, from `--tune` (see the peer's settings string): four fetch loops in all
 * did best, spread over the worker processes (one process: localConcurrency 4; four processes: 1 each).
 */
const FETCH_LOOPS = 4;
function pgbossBest(processes: number): PgBossWorkerSettings {
  return {
    localConcurrency: Math.max(1, Math.round(FETCH_LOOPS / processes)),
    batchSize: 500,
    pollingIntervalSeconds: 0.5,
    burstWhenBatchFull: true,
    max: 10,
  };
}

function settingsFor(concurrency: number | "best", processes: number): PgBossWorkerSettings {
  if (concurrency === "best") return pgbossBest(processes);
  // "N jobs in flight per process": one fetch loop with batchSize N, no burst, polling at the minimum interval (with
  // NOTIFY active too: its default, 30 s, would leave a backlog waiting between fetches, as NOTIFY only announces new jobs).
  return { localConcurrency: 1, batchSize: concurrency, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, burstWhenBatchFull: false, max: 10 };
}

/** Connection options every instance shares: LISTEN/NOTIFY on (the queues opt in with `notify: true`). */
const BASE: Partial<ConstructorOptions> = { useListenNotify: true };

async function withBoss<T>(url: string, fn: (b: PgBoss) => Promise<T>, opts: Partial<ConstructorOptions> = {}): Promise<T> {
  // supervise/schedule off for pure producers: they'd only run maintenance timers.
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, ...opts });
  boss.on("error", (e) => console.error("[pg-boss error]", (e as Error)?.message ?? e));
  await boss.start();
  try {
    return await fn(boss);
  } finally {
    await boss.stop({ graceful: false });
  }
}

const countPending = (c: pg.Client, queue: string) =>
  c
    .query<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')`, [queue])
    .then((r) => r.rows[0].n);

/** Jobs not fetched yet, counted through pg-boss's own partial index job_i11 (cheap with a large backlog). */
const countQueued = (c: pg.Client, queue: string) =>
  c
    .query<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1 and state < 'active' and not blocked`, [queue])
    .then((r) => r.rows[0].n);

/** Drains n queued jobs with `processes` worker processes at these settings (the sweep calls it directly). */
async function drainWithSettings(url: string, n: number, processes: number, settings: PgBossWorkerSettings, maxMs?: number, nodeFlags: string[] = []) {
  return withClient(url, async (client) => {
    // Unfinished jobs are counted through pg-boss's index of live jobs (job_i14): a count of completed ones would read
    // every completed row a backlog left on each poll.
    const pending = await countPending(client, QUEUE);
    if (pending < n) throw new Error(`pg-boss drain: only ${pending} jobs queued, expected >= ${n}`);
    const target = pending - n;
    return runWorkers({
      label: "pg-boss",
      command: () => ({ modulePath: path.join(HERE, "pgboss-worker.mjs"), execArgv: nodeFlags, args: [JSON.stringify({ url, queue: QUEUE, ...BASE, ...settings })] }),
      processes,
      n,
      maxMs,
      remaining: async (exact) => {
        const queued = exact ? 0 : await countQueued(client, QUEUE);
        return queued > 0 ? queued : (await countPending(client, QUEUE)) - target;
      },
    });
  });
}

const BULK_CHUNK = 10_000;

/** What `--tune` tries: fetch loops × batch size with burst fetching, and v10's way (one loop, a big batch, no burst). */
const TUNE_CANDIDATES: PgBossWorkerSettings[] = [
  ...[1, 2, 4].flatMap((localConcurrency) =>
    [100, 500, 1000, 4000].map((batchSize) => ({ ...pgbossBest(1), localConcurrency, batchSize })),
  ),
  { ...pgbossBest(1), localConcurrency: 1, batchSize: 4000, burstWhenBatchFull: false, notifyPollingIntervalSeconds: 0.5 },
];

export const pgbossPeer: QueuePeer = {
  name: "pg-boss",
  version: packageVersion("pg-boss"),
  unsupportedNode: nodeMismatch("pg-boss"),
  settings:
    `best: ${FETCH_LOOPS} fetch loops in all (1 process: localConcurrency=${pgbossBest(1).localConcurrency}; 4 processes: ` +
    `localConcurrency=${pgbossBest(4).localConcurrency} each) × batchSize=${pgbossBest(1).batchSize}, burstWhenBatchFull ` +
    `(fetch again at once after a full batch), pollingIntervalSeconds=${pgbossBest(1).pollingIntervalSeconds} (the minimum), ` +
    `pg pool max=${pgbossBest(1).max}; chosen by \`--only pg-boss --tune\` on Node 24 over localConcurrency 1/2/4 × batchSize ` +
    `100/500/1000/4000, two sweeps (1 process: localConcurrency 4 × 500 did 11.0k–13.4k jobs/s, 1 or 2 × 500–4000 ` +
    `6.9k–12.9k; 4 processes: 1 × 500 did 9.1k–9.7k, 1 or 2 × 500–4000 5.3k–11.5k, 4 × any 5.1k–8.2k; v10's way, one ` +
    `loop × 4000 without burst, 6.1k–9.1k); ` +
    `numeric concurrency N = one fetch loop with batchSize=N, no burst, ` +
    `pollingIntervalSeconds=0.5 and notifyPollingIntervalSeconds=0.5; ` +
    `useListenNotify on every instance and queues created with notify: true (LISTEN/NOTIFY wake-ups, notifyPollingIntervalSeconds 30 s default); ` +
    `queue policy 'standard', default retention (completed rows kept); bulk enqueue = boss.insert() in chunks of ${BULK_CHUNK}; ` +
    `single enqueue = boss.send(); $transaction enqueue = boss.send() with { db: fromPrisma(tx) }; latency worker uses the best settings`,

  async install(url) {
    await withBoss(url, async (boss) => {
      for (const q of [QUEUE, LATENCY_QUEUE]) if (!(await boss.getQueue(q))) await boss.createQueue(q, { notify: true });
    });
  },

  async enqueueBulk(url, n) {
    return withBoss(url, async (boss) => {
      await boss.getQueue(QUEUE); // warm-up: open a connection
      const t0 = performance.now();
      for (let done = 0; done < n; done += BULK_CHUNK) {
        const size = Math.min(BULK_CHUNK, n - done);
        await boss.insert(QUEUE, Array.from({ length: size }, () => ({ data: {} })));
      }
      return n / ((performance.now() - t0) / 1000);
    }, BASE);
  },

  async enqueueSingle(url, n) {
    return withBoss(url, async (boss) => {
      await boss.getQueue(QUEUE); // warm-up: open a connection
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await boss.send(QUEUE, {});
      return n / ((performance.now() - t0) / 1000);
    }, BASE);
  },

  async drain(url, n, { processes, concurrency, maxMs, nodeFlags }) {
    return drainResult(await drainWithSettings(url, n, processes, settingsFor(concurrency, processes), maxMs, nodeFlags));
  },

  // Completed jobs stay in pgboss.job (state 'completed') until deleted, 7 days after completion by default.
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

  tuneCandidates: TUNE_CANDIDATES.map(
    (settings): TuneCandidate => ({
      label:
        `localConcurrency ${settings.localConcurrency} batchSize ${settings.batchSize}` +
        (settings.burstWhenBatchFull ? " burstWhenBatchFull" : ` no burst, polling every ${settings.notifyPollingIntervalSeconds ?? 30} s`),
      drain: async (url, n, processes) => drainResult(await drainWithSettings(url, n, processes, settings)),
    }),
  ),

  async latency(url, n, gapMs) {
    const samples: number[] = [];
    let resolveAll!: () => void;
    const allDone = new Promise<void>((r) => (resolveAll = r));
    // Worker with default supervise/schedule, like a real deployment; a separate producer.
    const { max, ...options } = pgbossBest(1);
    const worker = new PgBoss({ connectionString: url, max, ...BASE });
    worker.on("error", (e) => console.error("[pg-boss error]", (e as Error)?.message ?? e));
    await worker.start();
    try {
      await worker.work<{ t: number }>(LATENCY_QUEUE, options, async (jobs) => {
        const now = Date.now();
        for (const j of jobs) samples.push(now - j.data.t);
        if (samples.length >= n) resolveAll();
      });
      await withBoss(url, async (producer) => {
        await sleep(200); // let the worker go idle (LISTEN established)
        for (let i = 0; i < n; i++) {
          await producer.send(LATENCY_QUEUE, { t: Date.now() });
          if (gapMs > 0) await sleep(gapMs);
        }
      }, BASE);
      await withTimeout(allDone, 30_000, () => `pg-boss latency: only ${samples.length}/${n} jobs ran`);
      return samples.slice(0, n);
    } finally {
      await worker.stop({ graceful: true, timeout: 10_000 });
    }
  },
};

/** n sends, each inside its own Prisma interactive transaction through pg-boss's Prisma adapter; jobs/s. */
export async function enqueueInPrismaTransaction(url: string, n: number): Promise<number> {
  return withBoss(url, async (boss) => {
    const prisma = await connect(url);
    try {
      await prisma.$queryRawUnsafe("SELECT 1"); // open the connection before the clock starts
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await prisma.$transaction(async (tx) => boss.send(QUEUE, {}, { db: fromPrisma(tx) }));
      return n / ((performance.now() - t0) / 1000);
    } finally {
      await prisma.$disconnect();
    }
  }, BASE);
}

export default pgbossPeer;
