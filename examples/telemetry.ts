// OpenTelemetry: with the SDK registered, an enqueue and every attempt of its task are spans of one trace, and the
// worker's counts and timings are metrics. In-memory exporters here; an app sends both to a collector (see below).
import { metrics, trace } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { runUntilIdle } from "prisma-tasks/testing";
import { prisma } from "./prisma.js";
import { sendWelcomeEmail } from "./tasks.js";

// Once at start-up, in the app and in the worker's tasks.config.ts alike.
const spans = new InMemorySpanExporter();
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).register();
const metricReader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 60_000,
});
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [metricReader] }));

export async function tracedSignUp(userId: number) {
  // A request's span, as HTTP instrumentation would start it: the enqueue inside it is its child, `send <task>`.
  await trace.getTracer("my-app").startActiveSpan("POST /signup", async (request) => {
    await prisma.$tasks.enqueue(sendWelcomeEmail, { userId });
    request.end();
  });
  // The attempt, in whichever worker runs it, is `process <task>`: a child of that send span, in the same trace.
  await runUntilIdle(prisma);

  const finished = spans.getFinishedSpans().map((span) => ({
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
  }));
  const { resourceMetrics } = await metricReader.collect();
  const completed = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((metric) => metric.descriptor.name === "prisma_tasks.task.completed");
  return { spans: finished, completed: completed?.dataPoints };
}
