// Specification of OpenTelemetry: one trace from the request that enqueued a task to every attempt that ran it in a
// worker process; metrics by task and queue; nothing stored and nothing changed while no provider is registered.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { task } from "../src/index.js";
import { runUntilIdle } from "../src/testing.js";
import { Worker } from "../src/worker/worker.js";
import type { SpanLine } from "./fixtures/telemetry.config.js";
import { allTasks, app, fail, flaky, record } from "./fixtures/tasks.js";
import { refreshAccount, syncAccount } from "./fixtures/unique-tasks.js";
import { createApp } from "./support/app.js";
import { compiled } from "./support/compiled.js";
import type { Provider } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { startWorker } from "./support/processes.js";

const opened: (() => Promise<void>)[] = [];
const scratch = mkdtempSync(join(tmpdir(), "prisma-tasks-telemetry-"));
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
  rmSync(scratch, { recursive: true, force: true });
});

let releaseGate = () => {};
/** Waits until the test releases it: holds a worker's only slot while the test reads the gauge. */
const gate = task({ name: "otel.gate" }, () => new Promise<void>((resolve) => (releaseGate = resolve)));

/** Starts a span of its own inside its function: a child of the attempt's span. */
const traced = task({ name: "otel.traced" }, () => trace.getTracer("the-task").startActiveSpan("inside the task", (span) => span.end()));

async function freshApp(provider: Provider, backend: "database" | "immediate" = "database") {
  const created = await createApp(provider, { tasks: [...allTasks, gate, traced, syncAccount, refreshAccount], backends: { default: { backend } } });
  opened.push(created.close);
  app.prisma = created.prisma;
  return created;
}

describe("without @opentelemetry/api installed", () => {
  test("an app enqueues and runs tasks as before", async () => {
    const { database } = await freshApp("sqlite");
    const run = spawnSync(process.execPath, ["--import", "./test/fixtures/without-opentelemetry.mjs", compiled("test/fixtures/enqueue-and-run.ts")], {
      env: { ...process.env, TASKS_TEST_PROVIDER: database.provider, TASKS_TEST_URL: database.url },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("@opentelemetry/api: missing");
    expect(run.stdout).toContain('statuses ["COMPLETE","COMPLETE","COMPLETE"]');
  });
});

// Runs before any provider is registered (the describe below registers them in its beforeAll).
describe("with @opentelemetry/api installed and no provider registered", () => {
  test("enqueue stores no trace context and tasks run as before", async () => {
    const { prisma } = await freshApp("sqlite");
    const result = await prisma.$tasks.enqueue(record, { key: "untraced" });
    const [many] = await prisma.$tasks.enqueueMany(record, [{ key: "untraced-many" }]);
    await runUntilIdle(prisma);

    const rows = await prisma.taskResult.findMany({ where: { id: { in: [result.id, many!.id] } } });
    expect(rows.map((row) => [row.status, row.traceContext])).toEqual([
      ["COMPLETE", null],
      ["COMPLETE", null],
    ]);
  });
});

describe("with a tracer and a meter provider registered", () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when flushed: each read is one collection.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });

  beforeAll(() => {
    tracerProvider.register();
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterAll(async () => {
    trace.disable();
    metrics.disable();
    context.disable();
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  });

  /** The data points of one metric as the latest collection has them. */
  async function collect(): Promise<(name: string) => DataPoint<number | Histogram>[]> {
    metricExporter.reset();
    await reader.forceFlush();
    const all = metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    return (name) => all.filter((metric) => metric.descriptor.name === name).flatMap((metric) => metric.dataPoints as DataPoint<number | Histogram>[]);
  }

  /** The value of a counter or gauge for one task name (or queue), 0 when it has no data point. */
  function valueOf(points: DataPoint<number | Histogram>[], attribute: string, value: string): number {
    return points.filter((point) => point.attributes[attribute] === value).reduce((sum, point) => sum + (point.value as number), 0);
  }

  test.each(["postgresql", "sqlite"] as const)(
    "on %s, a task enqueued in a request and run by a worker process is one trace, each attempt a child of the enqueue",
    async (provider) => {
      const { database, prisma } = await freshApp(provider);
      const tracer = trace.getTracer("the-app");
      const request = await tracer.startActiveSpan("GET /signup", { kind: SpanKind.SERVER }, async (span) => {
        const enqueued = {
          record: await prisma.$tasks.enqueue(record, { key: `traced-${provider}` }),
          flaky: await prisma.$tasks.enqueue(flaky, { key: `flaky-${provider}`, failures: 1 }),
          fail: await prisma.$tasks.enqueue(fail, { reason: "card declined" }),
          many: await prisma.$tasks.enqueueMany(record, [{ key: `many-1-${provider}` }, { key: `many-2-${provider}` }]),
        };
        span.end();
        return { span, enqueued };
      });
      const file = join(scratch, `spans-${provider}.jsonl`);
      const worker = startWorker(database, ["--config", "test/fixtures/telemetry.config.ts", "--batch", "--no-startup-delay", "--queue", "*"], [], {
        TASKS_TEST_SPANS: file,
      });
      expect((await worker.exited).code, worker.output()).toBe(0);

      const traceId = request.span.spanContext().traceId;
      const sendSpans = spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId && span.kind === SpanKind.PRODUCER);
      const sendOf = (id: string) => sendSpans.find((span) => span.attributes["messaging.message.id"] === id)!;
      const processSpans = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as SpanLine);
      const processOf = (id: string) =>
        processSpans
          .filter((span) => span.attributes["messaging.message.id"] === id)
          .sort((a, b) => Number(a.attributes["prisma_tasks.task.attempt"]) - Number(b.attributes["prisma_tasks.task.attempt"]));
      const { enqueued } = request;

      // The enqueue: a producer span in the request's trace, whose context the row keeps beside (not inside) the args.
      const send = sendOf(enqueued.record.id);
      expect(send.name).toBe("send test.record");
      expect(send.parentSpanContext?.spanId).toBe(request.span.spanContext().spanId);
      expect(send.attributes).toMatchObject({ "messaging.system": "prisma-tasks", "messaging.operation.type": "send", "messaging.destination.name": "default" });
      const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: enqueued.record.id } });
      expect(JSON.parse(row.traceContext!)).toEqual({ traceparent: `00-${traceId}-${send.spanContext().spanId}-01` });
      expect(row.args).toEqual({ key: `traced-${provider}` });

      // Its attempt, in the worker process: a consumer span in the same trace, child of and linked to the enqueue.
      const [ran] = processOf(enqueued.record.id);
      expect(ran).toMatchObject({
        name: "process test.record",
        kind: SpanKind.CONSUMER,
        traceId,
        parentSpanId: send.spanContext().spanId,
        links: [{ traceId, spanId: send.spanContext().spanId }],
        status: { code: SpanStatusCode.UNSET },
      });
      expect(ran!.attributes).toMatchObject({
        "messaging.system": "prisma-tasks",
        "messaging.operation.type": "process",
        "messaging.destination.name": "default",
        "messaging.message.id": enqueued.record.id,
        "prisma_tasks.task.attempt": 1,
        "prisma_tasks.task.outcome": "complete",
      });
      const workerId = ran!.attributes["prisma_tasks.worker.id"];
      expect(ran!.attributes["messaging.client.id"]).toBe(workerId);
      expect((await prisma.taskResult.findUniqueOrThrow({ where: { id: enqueued.record.id } })).workerIds).toEqual([workerId]);

      // A retried task: one span per attempt, the failed one with its exception and an error status.
      const [failedAttempt, retry] = processOf(enqueued.flaky.id);
      expect(failedAttempt).toMatchObject({ traceId, parentSpanId: sendOf(enqueued.flaky.id).spanContext().spanId, status: { code: SpanStatusCode.ERROR } });
      expect(failedAttempt!.attributes).toMatchObject({ "prisma_tasks.task.attempt": 1, "prisma_tasks.task.outcome": "retry" });
      expect(failedAttempt!.events).toEqual([
        { name: "exception", attributes: expect.objectContaining({ "exception.type": "Error", "exception.message": "attempt 1 failed on purpose" }) },
      ]);
      expect(retry).toMatchObject({ traceId, parentSpanId: sendOf(enqueued.flaky.id).spanContext().spanId, status: { code: SpanStatusCode.UNSET } });
      expect(retry!.attributes).toMatchObject({ "prisma_tasks.task.attempt": 2, "prisma_tasks.task.outcome": "complete" });

      // A task that fails for good.
      expect(processOf(enqueued.fail.id)).toMatchObject([
        {
          traceId,
          status: { code: SpanStatusCode.ERROR, message: "PaymentDeclined: card declined" },
          attributes: { "prisma_tasks.task.outcome": "failed" },
          events: [{ name: "exception", attributes: { "exception.type": "PaymentDeclined", "exception.message": "card declined" } }],
        },
      ]);

      // enqueueMany: one send span for the batch; each task's attempt is its child.
      const batch = sendSpans.find((span) => span.attributes["messaging.batch.message_count"] === 2)!;
      expect(batch.name).toBe("send test.record");
      for (const each of enqueued.many) {
        expect(processOf(each.id)).toMatchObject([{ traceId, parentSpanId: batch.spanContext().spanId }]);
      }
      expect(processSpans).toHaveLength(6);
    },
    60_000,
  );

  test("metrics count enqueued, started, completed, retried and failed tasks by task and queue, with durations and waits", async () => {
    const { prisma } = await freshApp("sqlite");
    const before = await collect();
    const counted = (points: ReturnType<typeof before>, task: string) => valueOf(points, "prisma_tasks.task.name", task);
    const baseline = (name: string, task: string) => counted(before(`prisma_tasks.task.${name}`), task);

    await prisma.$tasks.enqueueMany(record, [{ key: "metric-1" }, { key: "metric-2" }]);
    await prisma.$tasks.enqueue(flaky, { key: "metric-flaky", failures: 1 });
    await prisma.$tasks.enqueue(fail, { reason: "for the metrics" });
    await prisma.$tasks.enqueue(record, { key: "metric-1" }, { uniqueKey: "metric" });
    await prisma.$tasks.enqueue(record, { key: "metric-1" }, { uniqueKey: "metric" }); // deduplicated: not counted
    // In a transaction, counted once it commits: a rolled-back enqueue never is.
    await prisma.$transaction(async (tx) => tx.$tasks.enqueue(fail, { reason: "later" }, { runAfter: 3_600_000 }));
    const rollback = new Error("rolled back on purpose");
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$tasks.enqueue(fail, { reason: "never" });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    await runUntilIdle(prisma);
    const after = await collect();
    const delta = (name: string, task: string) => counted(after(`prisma_tasks.task.${name}`), task) - baseline(name, task);

    expect([delta("enqueued", "test.record"), delta("enqueued", "test.flaky"), delta("enqueued", "test.fail")]).toEqual([3, 1, 2]);
    expect([delta("started", "test.record"), delta("started", "test.flaky"), delta("started", "test.fail")]).toEqual([3, 2, 1]);
    expect([delta("completed", "test.record"), delta("completed", "test.flaky"), delta("completed", "test.fail")]).toEqual([3, 1, 0]);
    expect([delta("retried", "test.flaky"), delta("failed", "test.flaky"), delta("failed", "test.fail")]).toEqual([1, 0, 1]);
    const point = after("prisma_tasks.task.enqueued").find((each) => each.attributes["prisma_tasks.task.name"] === "test.flaky")!;
    expect(point.attributes).toEqual({ "messaging.system": "prisma-tasks", "messaging.destination.name": "default", "prisma_tasks.task.name": "test.flaky" });

    const histogram = (name: string) => after(name).find((each) => each.attributes["prisma_tasks.task.name"] === "test.flaky")!.value as Histogram;
    expect(histogram("prisma_tasks.task.duration").count).toBe(2);
    expect(histogram("prisma_tasks.task.queue_wait").count).toBe(2);
    expect(histogram("prisma_tasks.task.queue_wait").min).toBeGreaterThanOrEqual(0);
  });

  test.each(["postgresql", "sqlite"] as const)("on %s, a running worker reports the ready tasks of its queues as a gauge", async (provider) => {
    const { prisma } = await freshApp(provider);
    // Queues of this test alone: the SDK keeps reporting a gauge's last values after the worker that observed them stops.
    const [queue, other] = [`ready-${provider}`, `other-${provider}`];
    await prisma.$tasks.enqueue(gate.using({ queueName: queue }));
    await prisma.$tasks.enqueueMany(record.using({ queueName: queue }), [{ key: "ready-1" }, { key: "ready-2" }, { key: "ready-3" }]);
    await prisma.$tasks.enqueue(record.using({ queueName: other }), { key: "other-queue" });
    const queued = (await collect())("prisma_tasks.queue.ready");
    expect(queued.filter((point) => [queue, other].includes(point.attributes["messaging.destination.name"] as string))).toEqual([]);

    // One slot, nothing claimed ahead: the gate holds the slot and the three others stay ready.
    const worker = new Worker({ prisma, queues: [queue], concurrency: 1, prefetch: 0, batch: true, startupDelay: false, interval: 0.05 });
    const running = worker.run();
    await eventually("the gate task runs", async () => (await prisma.taskResult.count({ where: { taskName: gate.name, status: "RUNNING" } })) === 1);
    const ready = (await collect())("prisma_tasks.queue.ready");
    releaseGate();
    await running;

    expect(valueOf(ready, "messaging.destination.name", queue)).toBe(3);
    expect(ready.filter((point) => point.attributes["messaging.destination.name"] === other)).toEqual([]);
  });

  test("on the immediate backend, the attempt that runs inside enqueue is a child of its send span, in the caller's trace", async () => {
    const { prisma } = await freshApp("sqlite", "immediate");
    const tracer = trace.getTracer("the-app");
    const { request, result } = await tracer.startActiveSpan("a script", async (span) => {
      const result = await prisma.$tasks.enqueue(flaky, { key: "immediate", failures: 1 });
      await prisma.$tasks.enqueue(traced);
      span.end();
      return { request: span, result };
    });

    const traceId = request.spanContext().traceId;
    const ours = spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const send = ours.find((span) => span.name === "send test.flaky")!;
    const attempts = ours.filter((span) => span.name === "process test.flaky");
    expect(result.status).toBe("COMPLETE");
    expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(attempts.map((span) => [span.parentSpanContext?.spanId, span.attributes["prisma_tasks.task.attempt"], span.status.code])).toEqual([
      [send.spanContext().spanId, 1, SpanStatusCode.ERROR],
      [send.spanContext().spanId, 2, SpanStatusCode.UNSET],
    ]);
    // A span the task's function starts is a child of its attempt's.
    const inside = ours.find((span) => span.name === "inside the task")!;
    expect(inside.parentSpanContext?.spanId).toBe(ours.find((span) => span.name === "process otel.traced")!.spanContext().spanId);
  });

  test.each(["postgresql", "sqlite"] as const)(
    "on %s, a deduplicated enqueue's span names the task it found; a replacing one's trace context becomes the task's",
    async (provider) => {
      const { prisma } = await freshApp(provider);
      const tracer = trace.getTracer("the-app");
      const inRequest = <T>(name: string, enqueue: () => Promise<T>) =>
        tracer.startActiveSpan(name, async (span) => {
          const result = await enqueue();
          span.end();
          return { traceId: span.spanContext().traceId, result };
        });
      const first = await inRequest("first", () => prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "first" }));
      const later = await inRequest("later", () => prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "later" }));
      const synced = await inRequest("sync", () => prisma.$tasks.enqueue(syncAccount, { accountId: 1 }));
      const again = await inRequest("sync again", () => prisma.$tasks.enqueue(syncAccount, { accountId: 1 }));
      const sendIn = (traceId: string) =>
        spans.getFinishedSpans().find((span) => span.spanContext().traceId === traceId && span.kind === SpanKind.PRODUCER)!;

      expect(later.result).toMatchObject({ id: first.result.id, replaced: true });
      expect(sendIn(later.traceId).attributes).toMatchObject({ "messaging.message.id": first.result.id, "prisma_tasks.enqueue.outcome": "replaced" });
      const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: first.result.id } });
      expect(JSON.parse(row.traceContext!).traceparent).toBe(`00-${later.traceId}-${sendIn(later.traceId).spanContext().spanId}-01`);

      expect(again.result).toMatchObject({ id: synced.result.id, deduplicated: true });
      expect(sendIn(again.traceId).attributes).toMatchObject({ "messaging.message.id": synced.result.id, "prisma_tasks.enqueue.outcome": "deduplicated" });
      const kept = await prisma.taskResult.findUniqueOrThrow({ where: { id: synced.result.id } });
      expect(JSON.parse(kept.traceContext!).traceparent).toContain(synced.traceId);
    },
  );
});
