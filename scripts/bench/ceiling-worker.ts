// The database's own ceiling for a prisma-tasks drain on PostgreSQL: prisma-tasks' claim and outcome statements in a
// tight loop, with no worker around them (no task registry, no attempt, no timers, no heartbeats, no NOTIFY).
//
// It sends what a worker at the bench's best settings sends: claims of prefetch/2 tasks, two out at once; each claim's
// tasks written back COMPLETE as one outcome batch (a worker batches at most 500); over a pool of the worker's size.
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

const url = process.env.BENCH_DATABASE_URL;
const claimSize = Number(process.env.BENCH_CLAIM);
const lanes = Number(process.env.BENCH_LANES);
if (!url || !(claimSize >= 1) || !(lanes >= 1)) throw new Error("ceiling-worker needs BENCH_DATABASE_URL, BENCH_CLAIM and BENCH_LANES");

const table = taskTable("public");
const sql = new PgSqlClient({ connectionString: url }, POOL_SIZE);
const workerId = `ceiling-${process.pid}`;
const taskNames = ["bench.noop"];
/** What a no-op's outcome stores: the same value the worker writes for `async () => {}`. */
const returned = serializeText(undefined, "bench.noop", "returnValue");
let stopping = false;

async function lane(): Promise<void> {
  while (!stopping) {
    const tasks = await claimTasks(table, sql, { queues: "*", backend: undefined, taskNames, leaseMs: 300_000, limit: claimSize, workerId });
    if (tasks.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    const finishedAt = new Date();
    const outcomes: Outcome[] = tasks.map((task) => ({ id: task.id, attempt: task.attempts, status: "COMPLETE", returnValue: returned, finishedAt }));
    const written = await recordOutcomes(table, sql, workerId, outcomes);
    if (written.length !== outcomes.length) throw new Error(`ceiling-worker: wrote ${written.length} of ${outcomes.length} outcomes`);
  }
}

const send = (message: object) => process.send?.(message);
process.on("disconnect", () => process.exit(0)); // the benchmark died
// The pool's connections open before the clock starts, as the worker's are.
await Promise.all(Array.from({ length: POOL_SIZE }, () => sql.$queryRawUnsafe("SELECT 1")));
process.on("message", (message: { type?: string } | undefined) => {
  if (message?.type === "go") {
    Promise.all(Array.from({ length: lanes }, lane))
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
