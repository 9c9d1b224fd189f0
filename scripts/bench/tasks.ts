// The tasks the benchmark enqueues: a no-op like the peers' `async () => {}`, and one that reports its start delay.
import { task } from "../../src/index.js";

export const noop = task({ name: "bench.noop" }, async () => {});

/** Where `bench.latency` reports each start; set by the process that runs the worker. */
export const latencySink: { record?: (delayMs: number) => void } = {};

/** Records the time from enqueue (its `t` argument, Date.now() just before the enqueue call) to its own start. */
export const latency = task<{ t: number }>({ name: "bench.latency" }, async ({ t }) => {
  latencySink.record?.(Date.now() - t);
});

export const benchTasks = [noop, latency];
