// The database's own ceiling for a prisma-tasks drain on PostgreSQL: prisma-tasks' claim and outcome statements in a
// tight loop, with no worker around them (no task registry, no attempt, no timers, no heartbeats, no NOTIFY).
//
// It sends what a worker at the bench's best settings sends: claims of prefetch/2 tasks, two out at once; the claimed
// tasks written back COMPLETE in batches of at most 500, two batches at once; over a pool of the worker's size.
// The statements and their parameters are the dialect's own (compiled with the library into .bench-build/), so
// "prisma-tasks / ceiling" is what the worker's own logic costs, and the ceiling what only cheaper statements can raise.
//
// Forked by the bench with BENCH_DATABASE_URL, BENCH_CLAIM (tasks per claim) and BENCH_LANES (claims out at once); it
// speaks the peers' protocol (scripts/bench/peers/common.ts): ready, then go, then stop.
import { claimTasks } from "../../src/dialects/postgresql/claim.js";
import { taskTable } from "../../src/dialects/postgresql/names.js";
import { recordOutcomes } from "../../src/dialects/postgresql/outcomes.js";
import { PgSqlClient } from "../../src/dialects/postgresql/pool.js";
import type { Outcome } from "../../src/dialects/types.js";
import { POOL_SIZE } from "../../src/extension.js";
import { serializeText } from "../../src/serialization.js";
import { benchTasks } from "./tasks.js";

/**
 * The worker's outcome batches: at most 500 outcomes each, two written at once (MAX_BATCH and WRITERS in
 * src/worker/completer.ts). Written here rather than imported, so that `--compare` can build this harness against
 * revisions whose completer does not export them.
 */
const MAX_BATCH = 500;
const WRITERS = 2;

const url = process.env.BENCH_DATABASE_URL;
const claimSize = Number(process.env.BENCH_CLAIM);
const lanes = Number(process.env.BENCH_LANES);
if (!url || !(claimSize >= 1) || !(lanes >= 1)) throw new Error("ceiling-worker needs BENCH_DATABASE_URL, BENCH_CLAIM and BENCH_LANES");

const table = taskTable("public");
const sql = new PgSqlClient({ connectionString: url }, POOL_SIZE);
const workerId = `ceiling-${process.pid}`;
/** The task names the worker's claims carry: every task of the bench config. */
const taskNames = benchTasks.map((task) => task.name);
/** What a no-op's outcome stores: the same value the worker writes for `async () => {}`. */
const returned = serializeText(undefined, "bench.noop", "returnValue");
let stopping = false;

/** Claimed tasks whose outcomes wait for a writer, and the writers waiting for some. */
const finished: Outcome[] = [];
const waitingWriters: (() => void)[] = [];
const wakeWriters = () => {
  for (const wake of waitingWriters.splice(0)) wake();
};
let claimsRunning = 0;
let outcomesWritten = 0;

/** Claims tasks and finishes them at once, as no-op tasks finish, until stopped. */
async function claimer(): Promise<void> {
  claimsRunning++;
  try {
    while (!stopping) {
      const tasks = await claimTasks(table, sql, { queues: "*", backend: undefined, taskNames, leaseMs: 300_000, limit: claimSize, workerId });
      if (tasks.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const finishedAt = new Date();
      for (const task of tasks) finished.push({ id: task.id, attempt: task.attempts, status: "COMPLETE", returnValue: returned, finishedAt });
      wakeWriters();
    }
  } finally {
    claimsRunning--;
    wakeWriters();
  }
}

/** Writes finished tasks' outcomes, up to the worker's batch size at a time, until stopped and nothing is left. */
async function writer(): Promise<void> {
  for (;;) {
    if (finished.length === 0) {
      if (stopping && claimsRunning === 0) return;
      await new Promise<void>((resolve) => waitingWriters.push(resolve));
      continue;
    }
    const batch = finished.splice(0, MAX_BATCH);
    const written = await recordOutcomes(table, sql, workerId, batch);
    if (written.length !== batch.length) throw new Error(`ceiling-worker: wrote ${written.length} of ${batch.length} outcomes`);
    // Progress as the workers report theirs (peers/progress.mjs): here, outcomes written.
    send({ type: "progress", executed: (outcomesWritten += batch.length) });
  }
}

const send = (message: object) => process.send?.(message);
process.on("disconnect", () => process.exit(0)); // the benchmark died
// The pool's connections open before the clock starts, as the worker's are.
await Promise.all(Array.from({ length: POOL_SIZE }, () => sql.$queryRawUnsafe("SELECT 1")));
process.on("message", (message: { type?: string } | undefined) => {
  if (message?.type === "go") {
    Promise.all([...Array.from({ length: lanes }, claimer), ...Array.from({ length: WRITERS }, writer)])
      .then(async () => {
        await sql.end();
        send({ type: "stopped", maxRssKb: process.resourceUsage().maxRSS });
        process.exit(0);
      })
      .catch((error: unknown) => {
        send({ type: "error", message: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      });
  } else if (message?.type === "stop") {
    stopping = true;
  }
});
send({ type: "ready" });
