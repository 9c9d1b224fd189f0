// Worker child process for the graphile-worker benchmark (plain Node, no tsx).
// argv[2] = JSON config: { url, concurrency, maxPoolSize, localQueueSize, completeJobBatchDelay,
//                         failJobBatchDelay, pollInterval, task }
// Protocol: see common.ts.
import { run, runMigrations, Logger } from "graphile-worker";
import pg from "pg";
import { reportProgress } from "./progress.mjs";

const cfg = JSON.parse(process.argv[2]);
const send = (m) => process.send?.(m);
const progress = reportProgress(send);

// Quiet logger: graphile-worker logs every completed job at "info".
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[graphile-worker ${level}] ${message}`);
});

const pool = new pg.Pool({ connectionString: cfg.url, max: cfg.maxPoolSize });
pool.on("error", (e) => console.error("[graphile-worker pool]", e.message));
// graphile-worker insists that pooled clients have an error handler.
pool.on("connect", (client) => client.on("error", (e) => console.error("[graphile-worker client]", e.message)));
let runner;

function options() {
  const worker = {};
  if (cfg.localQueueSize && cfg.localQueueSize > 1) worker.localQueue = { size: cfg.localQueueSize };
  if (cfg.completeJobBatchDelay != null) worker.completeJobBatchDelay = cfg.completeJobBatchDelay;
  if (cfg.failJobBatchDelay != null) worker.failJobBatchDelay = cfg.failJobBatchDelay;
  return {
    pgPool: pool,
    concurrency: cfg.concurrency,
    pollInterval: cfg.pollInterval ?? 2000,
    noHandleSignals: true,
    logger,
    taskList: { [cfg.task ?? "noop"]: async () => progress.ran() },
    preset: { worker },
  };
}

process.on("message", async (m) => {
  try {
    if (m?.type === "go") {
      runner = await run(options());
    } else if (m?.type === "stop") {
      if (runner) await runner.stop();
      progress.stop();
      await pool.end();
      send({ type: "stopped", maxRssKb: process.resourceUsage().maxRSS });
      process.disconnect?.();
      process.exit(0);
    }
  } catch (e) {
    send({ type: "error", message: String(e?.stack ?? e) });
    process.exit(1);
  }
});
process.on("disconnect", () => process.exit(0)); // parent died

try {
  // Schema already installed; this is a cheap version check and warms the pool.
  await runMigrations({ pgPool: pool, logger });
  const clients = await Promise.all(Array.from({ length: Math.min(cfg.maxPoolSize, 4) }, () => pool.connect()));
  clients.forEach((c) => c.release());
  send({ type: "ready" });
} catch (e) {
  send({ type: "error", message: String(e?.stack ?? e) });
  process.exit(1);
}
