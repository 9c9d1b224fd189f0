// The tasks-worker config of the benchmark's worker processes: the bench tasks on the database in BENCH_DATABASE_URL
// (PostgreSQL or MySQL, by the URL's scheme).
// Started by the benchmark with an IPC channel, the config speaks the peers' protocol (scripts/bench/peers/common.ts):
// the client connects, says "ready", and is only handed to the worker on "go", so start-up time stays off the clock.
import { defineConfig, withTasks } from "../../src/index.js";
import { runtimeOf } from "../../src/tasks-client.js";
import { connect } from "./client.js";
import { benchTasks, noopRuns, scheduledNoop } from "./tasks.js";

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error("scripts/bench/tasks.config.ts needs BENCH_DATABASE_URL");

// BENCH_SCHEDULES=N: N per-second schedules of a no-op, so a drain measures the scheduler running beside the claims.
const schedules = Array.from({ length: Number(process.env.BENCH_SCHEDULES ?? 0) }, (_, i) => ({ task: scheduledNoop, cron: "* * * * * *", key: `bench-${i}` }));

type Message = { type?: string } | undefined;

/**
 * With BENCH_OPENTELEMETRY=1, the SDK as an app registers it: spans through a batch processor to an exporter that keeps
 * them in memory, metrics to an in-memory exporter collected every 60 s. (What is measured is prisma-tasks'
 * instrumentation and the SDK's work, not a collector's network.) Without it the SDK is not even loaded: the API alone,
 * with no provider, is what an app that has OpenTelemetry installed but not set up runs.
 */
async function registerOpenTelemetry(): Promise<void> {
  const [{ metrics }, { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality }, { BatchSpanProcessor, InMemorySpanExporter }, { NodeTracerProvider }] =
    await Promise.all([
      import("@opentelemetry/api"),
      import("@opentelemetry/sdk-metrics"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/sdk-trace-node"),
    ]);
  new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new InMemorySpanExporter())] }).register();
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })] }));
}

function controlledByBenchmark(): Promise<void> {
  const send = (message: object) => process.send?.(message);
  process.on("message", (message: Message) => {
    if (message?.type !== "stop") return;
    send({ type: "stopped", maxRssKb: process.resourceUsage().maxRSS });
    // The CLI's own graceful shutdown: stop claiming, finish running tasks, write their outcomes, exit 0.
    process.kill(process.pid, "SIGTERM");
  });
  process.on("disconnect", () => process.exit(0)); // the benchmark died
  // Progress as the peers report it (peers/progress.mjs): the no-op's runs, every 20 ms while the count moves.
  let ran = 0;
  let reported = 0;
  noopRuns.ran = () => void ran++;
  setInterval(() => {
    if (ran !== reported) send({ type: "progress", executed: (reported = ran) });
  }, 20).unref();
  return new Promise((resolve) => {
    const onGo = (message: Message) => {
      if (message?.type !== "go") return;
      process.off("message", onGo);
      resolve();
    };
    process.on("message", onGo);
    send({ type: "ready" });
  });
}

export default defineConfig({
  prisma: async () => {
    if (process.env.BENCH_OPENTELEMETRY === "1") await registerOpenTelemetry();
    const prisma = (await connect(url)).$extends(withTasks({ tasks: benchTasks, schedules }));
    // Open connections of the pool the worker's statements use before the clock starts: four, as the graphile-worker
    // peer warms its pool. (Not Prisma queries: the worker never needs Prisma's query compiler, so it is never loaded.)
    const { sql } = runtimeOf(prisma.$tasks);
    await Promise.all(Array.from({ length: 4 }, () => sql.$queryRawUnsafe("SELECT 1")));
    if (process.send) await controlledByBenchmark();
    return prisma;
  },
});
