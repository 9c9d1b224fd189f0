// The tasks the benchmark enqueues: a no-op like the peers' `async () => {}` (also with a unique key), and one that
// reports its start delay.
import { task } from "../../src/index.js";

/** Counts the no-op's runs in a worker process the benchmark drives (tasks.config.ts reports them); unset elsewhere. */
export const noopRuns: { ran?: () => void } = {};

export const noop = task({ name: "bench.noop" }, async () => {
  noopRuns.ran?.();
});

/** Where `bench.latency` reports each start; set by the process that runs the worker. */
export const latencySink: { record?: (delayMs: number) => void } = {};

/** Records the time from enqueue (its `t` argument, Date.now() just before the enqueue call) to its own start. */
export const latency = task<{ t: number }>({ name: "bench.latency" }, async ({ t }) => {
  latencySink.record?.(Date.now() - t);
});

/** The no-op with a unique key per argument: what an enqueue with a key costs beside one without. */
export const keyedNoop = task({ name: "bench.keyedNoop", unique: { key: (n: number) => `noop:${n}` } }, async () => {});

/** The no-op the drain's schedules enqueue (BENCH_SCHEDULES in tasks.config.ts): the scheduler's cost on a drain. */
export const scheduledNoop = task({ name: "bench.scheduledNoop" }, async () => {});

export const benchTasks = [noop, latency, keyedNoop, scheduledNoop];
