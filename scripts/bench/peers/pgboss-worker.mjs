// Worker child process for the pg-boss benchmark (plain Node, no tsx).
// argv[2] = JSON config: { url, queue, useListenNotify, localConcurrency, batchSize, pollingIntervalSeconds,
//                         burstWhenBatchFull, notifyPollingIntervalSeconds?, max }
// Protocol: see common.ts.
import { PgBoss } from "pg-boss";
import { reportProgress } from "./progress.mjs";

const cfg = JSON.parse(process.argv[2]);
const send = (m) => process.send?.(m);
const progress = reportProgress(send);

const boss = new PgBoss({ connectionString: cfg.url, max: cfg.max ?? 10, useListenNotify: cfg.useListenNotify ?? false });
boss.on("error", (e) => console.error("[pg-boss error]", e?.message ?? e));

const noop = async () => progress.ran();

process.on("message", async (m) => {
  try {
    if (m?.type === "go") {
      const options = {
        localConcurrency: cfg.localConcurrency,
        batchSize: cfg.batchSize,
        pollingIntervalSeconds: cfg.pollingIntervalSeconds,
        burstWhenBatchFull: cfg.burstWhenBatchFull,
      };
      // pg-boss rejects an option present but undefined: only a given interval is passed.
      if (cfg.notifyPollingIntervalSeconds !== undefined) options.notifyPollingIntervalSeconds = cfg.notifyPollingIntervalSeconds;
      // A batch handler: pg-boss completes (or fails) the whole batch when it resolves.
      await boss.work(cfg.queue, options, async (jobs) => {
        await Promise.all(jobs.map(noop));
      });
    } else if (m?.type === "stop") {
      await boss.stop({ graceful: true, timeout: 10_000 });
      progress.stop();
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
  await boss.start(); // schema already installed: version check + maintenance setup
  send({ type: "ready" });
} catch (e) {
  send({ type: "error", message: String(e?.stack ?? e) });
  process.exit(1);
}
