// OpenTelemetry for the enqueue and attempt paths: spans and metrics through @opentelemetry/api, an optional peer.
// Absent, it is never loaded again after one failed import; present with no provider registered, each call costs a
// global lookup and returns undefined, so callers do nothing more.
import type * as Api from "@opentelemetry/api";
import type { Outcome, StoredTask } from "./dialects/types.js";
import type { TaskResult } from "./result.js";

type OpenTelemetry = typeof Api;

/** The instrumentation scope spans and metrics are reported under. */
const INSTRUMENTATION_SCOPE = "prisma-tasks";
/** messaging.system, as the semantic conventions ask for a system they do not list: the product's name. */
const MESSAGING_SYSTEM = "prisma-tasks";

/** The API once loaded; null when the app does not have it (the import failed), undefined before the import settles. */
let api: OpenTelemetry | null | undefined;
let loading: Promise<void> | undefined;

/** Loads @opentelemetry/api once, if the app has it: the first enqueue, attempt or worker start waits for it. */
export function loadTelemetry(): Promise<void> {
  loading ??= import("@opentelemetry/api").then(
    (loaded) => {
      api = loaded;
    },
    () => {
      api = null;
    },
  );
  return loading;
}

/** Whether the API has loaded (or is known to be absent): until then, a path that may trace waits for loadTelemetry(). */
export function telemetryLoaded(): boolean {
  return api !== undefined;
}

/** The tracer provider that does nothing: what the global proxy hands out until an app registers its own. */
let noopTracerProvider: Api.TracerProvider | undefined;
let tracer: Api.Tracer | undefined;

/** The tracer, or undefined when no tracer provider is registered (a global lookup: cheap enough for every call). */
function tracing(otel: OpenTelemetry): Api.Tracer | undefined {
  const provider = otel.trace.getTracerProvider();
  noopTracerProvider ??= new otel.ProxyTracerProvider().getDelegate();
  if (provider instanceof otel.ProxyTracerProvider && provider.getDelegate() === noopTracerProvider) return undefined;
  // The global provider is a proxy, so one tracer follows whatever provider is registered later.
  tracer ??= otel.trace.getTracer(INSTRUMENTATION_SCOPE);
  return tracer;
}

/** The instruments of one meter provider; made again when the app registers another. */
interface Instruments {
  provider: Api.MeterProvider;
  enqueued: Api.Counter;
  started: Api.Counter;
  completed: Api.Counter;
  failed: Api.Counter;
  retried: Api.Counter;
  cancelled: Api.Counter;
  duration: Api.Histogram;
  queueWait: Api.Histogram;
  ready: Api.ObservableGauge;
}

let instruments: Instruments | undefined;

/** The instruments, or undefined when no meter provider is registered (its meter is the API's no-op meter). */
function metering(otel: OpenTelemetry): Instruments | undefined {
  const provider = otel.metrics.getMeterProvider();
  if (instruments?.provider === provider) return instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  if (meter === otel.createNoopMeter()) return undefined;
  const counter = (name: string, description: string) => meter.createCounter(`prisma_tasks.task.${name}`, { description, unit: "{task}" });
  instruments = {
    provider,
    enqueued: counter("enqueued", "Tasks stored by enqueue and enqueueMany (not those a unique key deduplicated or replaced)"),
    started: counter("started", "Attempts started"),
    completed: counter("completed", "Attempts that completed their task"),
    failed: counter("failed", "Attempts that failed their task for good"),
    retried: counter("retried", "Attempts that failed with attempts left: the task is retried"),
    cancelled: counter("cancelled", "Attempts a cancel ended"),
    duration: meter.createHistogram("prisma_tasks.task.duration", { description: "How long an attempt ran", unit: "s" }),
    queueWait: meter.createHistogram("prisma_tasks.task.queue_wait", {
      description: "From when a task was ready (enqueued, or due: runAfter, a retry's delay) to its attempt's start",
      unit: "s",
    }),
    ready: meter.createObservableGauge("prisma_tasks.queue.ready", { description: "Tasks ready to run, by queue (reported by each worker)", unit: "{task}" }),
  };
  return instruments;
}

/** The attributes every metric of a task carries. */
function taskAttributes(taskName: string, queueName: string): Api.Attributes {
  return { "messaging.system": MESSAGING_SYSTEM, "messaging.destination.name": queueName, "prisma_tasks.task.name": taskName };
}

/** The W3C trace context of a span, as the trace_context column keeps it: `{"traceparent":"…","tracestate":"…"}`. */
function formatTraceContext(spanContext: Api.SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  const carrier: Record<string, string> = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state) carrier.tracestate = state;
  return JSON.stringify(carrier);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A stored trace context back into a span context; undefined for one that cannot be read (edited by hand, say). */
function parseTraceContext(otel: OpenTelemetry, stored: string | null): Api.SpanContext | undefined {
  if (!stored) return undefined;
  let carrier: { traceparent?: unknown; tracestate?: unknown };
  try {
    carrier = JSON.parse(stored) as typeof carrier;
  } catch {
    return undefined;
  }
  const match = typeof carrier?.traceparent === "string" ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (!match || match[1] === "ff" || (match[1] === "00" && match[5] !== undefined)) return undefined;
  const spanContext: Api.SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: parseInt(match[4]!, 16) & 0x01,
    isRemote: true,
    traceState: typeof carrier.tracestate === "string" ? otel.createTraceState(carrier.tracestate) : undefined,
  };
  return otel.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** An enqueue being traced and counted. */
export interface Sending {
  /** What each task of the enqueue stores in trace_context: its send span's context; null when nothing traces. */
  readonly traceContext: string | null;
  /** The enqueue stored (or deduplicated, replaced) its tasks: its span ends. */
  sent(results: readonly TaskResult[]): void;
  /** The tasks stored are there for workers (committed, in a transaction): they are counted. */
  committed(results: readonly TaskResult[]): void;
  /** The enqueue failed: nothing was stored. */
  failed(error: unknown): void;
}

/**
 * Starts the producer span `send <task name>` of one enqueue (one span for an enqueueMany batch, whose tasks all store
 * its context) in the caller's active context. Undefined when neither a tracer nor a meter provider is registered.
 */
export function startSending(task: { name: string; queueName: string; backend: string }, ids: readonly string[], many: boolean): Sending | undefined {
  if (!api) return undefined;
  const otel = api;
  const tracer = tracing(otel);
  const meters = metering(otel);
  if (!tracer && !meters) return undefined;
  let span: Api.Span | undefined;
  if (tracer) {
    const attributes: Api.Attributes = {
      "messaging.system": MESSAGING_SYSTEM,
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": task.queueName,
      "prisma_tasks.task.name": task.name,
      "prisma_tasks.backend": task.backend,
    };
    if (many) attributes["messaging.batch.message_count"] = ids.length;
    else attributes["messaging.message.id"] = ids[0]!;
    span = tracer.startSpan(`send ${task.name}`, { kind: otel.SpanKind.PRODUCER, attributes });
  }
  const spanContext = span?.spanContext();
  return {
    traceContext: spanContext && otel.isSpanContextValid(spanContext) ? formatTraceContext(spanContext) : null,
    committed(results) {
      if (!meters) return;
      const stored = results.filter((result) => !result.deduplicated && !result.replaced).length;
      if (stored > 0) meters.enqueued.add(stored, taskAttributes(task.name, task.queueName));
    },
    sent(results) {
      if (!span) return;
      // A unique key may have given this enqueue another task's result: the span names the task it found.
      const [result] = results;
      if (!many && result && (result.deduplicated || result.replaced)) {
        span.setAttribute("messaging.message.id", result.id);
        span.setAttribute("prisma_tasks.enqueue.outcome", result.replaced ? "replaced" : "deduplicated");
      }
      span.end();
    },
    failed(error) {
      if (!span) return;
      const exception = exceptionOf(error);
      span.recordException(exception);
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: exception.message });
      span.end();
    },
  };
}

/** An error as the span's exception event records it. */
function exceptionOf(error: unknown): { name?: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { message: String(error) };
}

/** One attempt being traced and counted. */
export interface Processing {
  /** Runs the task's function with the attempt's span active, so the spans it makes are its children. */
  within<T>(run: () => T): T;
  /** The attempt ended with this outcome. */
  ended(outcome: Outcome): void;
}

/**
 * Starts the consumer span `process <task name>` of one attempt. Its parent is the task's send span (the stored trace
 * context): an attempt processes one task, so the semantic conventions allow the creation context as the parent,
 * which keeps the request, the enqueue and every attempt in one trace; it also links to it, as they require.
 * Undefined when neither a tracer nor a meter provider is registered.
 */
export function startProcessing(stored: StoredTask, workerId: string): Processing | undefined {
  if (!api) return undefined;
  const otel = api;
  const tracer = tracing(otel);
  const meters = metering(otel);
  if (!tracer && !meters) return undefined;
  const startedAt = Date.now();
  const attributes = meters && taskAttributes(stored.taskName, stored.queueName);
  if (meters) {
    meters.started.add(1, attributes);
    meters.queueWait.record(Math.max(0, startedAt - stored.runAfter.getTime()) / 1000, attributes);
  }
  let span: Api.Span | undefined;
  let active: Api.Context | undefined;
  if (tracer) {
    const creation = parseTraceContext(otel, stored.traceContext);
    const parent = creation ? otel.trace.setSpanContext(otel.ROOT_CONTEXT, creation) : otel.ROOT_CONTEXT;
    span = tracer.startSpan(
      `process ${stored.taskName}`,
      {
        kind: otel.SpanKind.CONSUMER,
        links: creation ? [{ context: creation }] : [],
        attributes: {
          "messaging.system": MESSAGING_SYSTEM,
          "messaging.operation.type": "process",
          "messaging.operation.name": "process",
          "messaging.destination.name": stored.queueName,
          "messaging.message.id": stored.id,
          "prisma_tasks.task.name": stored.taskName,
          "prisma_tasks.task.attempt": stored.attempts,
          "messaging.client.id": workerId,
          "prisma_tasks.worker.id": workerId,
        },
      },
      parent,
    );
    active = otel.trace.setSpan(otel.context.active(), span);
  }
  return {
    within: (run) => (active ? otel.context.with(active, run) : run()),
    ended(outcome) {
      if (meters) {
        meters.duration.record((Date.now() - startedAt) / 1000, attributes);
        const counter = { COMPLETE: meters.completed, FAILED: meters.failed, NEW: meters.retried, CANCELLED: meters.cancelled }[outcome.status];
        counter.add(1, attributes);
      }
      if (!span) return;
      span.setAttribute("prisma_tasks.task.outcome", outcome.status === "NEW" ? "retry" : outcome.status.toLowerCase());
      if (outcome.status !== "COMPLETE") {
        const { exceptionClass, message, traceback } = outcome.error;
        span.recordException({ name: exceptionClass, message, stack: traceback || undefined });
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: `${exceptionClass}: ${message}` });
      }
      span.end();
    },
  };
}

/** How a worker counts the ready tasks of its queues for the gauge. */
export type ReadyCounter = () => Promise<readonly { queueName: string; count: number }[]>;

/**
 * Reports `prisma_tasks.queue.ready` from this worker while a meter provider is registered: `count` runs only when the
 * app's metric reader collects. Returns what stops it.
 */
export function observeReadyTasks(count: ReadyCounter): () => void {
  const meters = api ? metering(api) : undefined;
  if (!meters) return () => {};
  const callback: Api.ObservableCallback = async (result) => {
    for (const { queueName, count: ready } of await count()) {
      result.observe(ready, { "messaging.system": MESSAGING_SYSTEM, "messaging.destination.name": queueName });
    }
  };
  meters.ready.addCallback(callback);
  return () => meters.ready.removeCallback(callback);
}
