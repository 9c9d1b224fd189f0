// Specification of the in-process Worker when things go wrong around it: hooks that hang during a forced stop, a task
// enqueued while a claim is out, an outcome whose answer is lost with the connection.
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { NOTIFY_CHANNEL } from "../src/dialects/index.js";
import { TaskStatus, Worker, task, type TasksConfig } from "../src/index.js";
import { runtimeOf } from "../src/tasks-client.js";
import type { LogEntry } from "../src/worker/log.js";
import { FORCED_STOP_MS } from "../src/worker/worker.js";
import { createApp } from "./support/app.js";
import type { Provider } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { listen } from "./support/observers.js";
import { connectionLost, sleep, withSql, wrapSql } from "./support/sql.js";

const opened: (() => Promise<void>)[] = [];

afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

async function freshApp(provider: Provider, config: TasksConfig) {
  const app = await createApp(provider, config);
  opened.push(app.close);
  return app;
}

const ran: string[] = [];
const greet = task({ name: "faults.greet", args: z.object({ name: z.string() }) }, async ({ name }) => {
  ran.push(name);
  return `hello ${name}`;
});

/** How long `promise` takes to settle, in milliseconds. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await promise;
  return performance.now() - started;
}

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("a forced stop on %s", (provider) => {
  test("resolves long before an onStarted hook that takes 11 s returns, and records the attempt aborted without running it", async () => {
    let hookStarted = false;
    const { prisma } = await freshApp(provider, {
      tasks: [greet],
      onStarted: async () => {
        hookStarted = true;
        await sleep(11_000);
      },
    });
    const result = await prisma.$tasks.enqueue(greet, { name: "never" });
    const worker = new Worker({ prisma, startupDelay: false });
    const running = worker.run();
    await eventually("the onStarted hook has started", async () => hookStarted);

    const stopping = timed(worker.stop({ abort: true }));

    expect(await stopping).toBeLessThan(FORCED_STOP_MS);
    await running;
    await result.refresh();
    expect([result.status, result.attempts, result.errors.map((error) => error.exceptionClass)]).toEqual([TaskStatus.FAILED, 1, ["TaskAborted"]]);
    expect(ran).not.toContain("never");
  }, 30_000);
});

describe("a forced stop on sqlite", () => {
  test("resolves within FORCED_STOP_MS while an onFinished hook never returns", async () => {
    let finishing = false;
    const { prisma } = await freshApp("sqlite", {
      tasks: [greet],
      onFinished: () => {
        finishing = true;
        return new Promise<void>(() => {});
      },
    });
    const result = await prisma.$tasks.enqueue(greet, { name: "finished" });
    const worker = new Worker({ prisma, startupDelay: false });
    const running = worker.run();
    await eventually("the onFinished hook has started", async () => finishing);

    const elapsed = await timed(worker.stop({ abort: true }));

    expect(elapsed).toBeLessThan(FORCED_STOP_MS + 2_000);
    await running;
    expect((await result.refresh()).status).toBe(TaskStatus.COMPLETE);
  }, 30_000);
});

describe("wake-ups on postgresql", () => {
  test("a task enqueued while a claim is out starts at once, though that claim comes back empty: not at the next poll", async () => {
    const { prisma, database } = await freshApp("postgresql", { tasks: [greet] });
    // While `holding`, the next claim runs for real and its (empty) answer waits until released.
    let holding = false;
    let held: () => void = () => {};
    let release: () => void = () => {};
    const claimHeld = new Promise<void>((resolve) => (held = resolve));
    const sql = wrapSql(runtimeOf(prisma.$tasks).sql, async (text, run) => {
      const answer = await run();
      if (holding && text.includes("SKIP LOCKED")) {
        holding = false;
        held();
        await new Promise<void>((resolve) => (release = resolve));
      }
      return answer;
    });
    const worker = new Worker({ prisma: withSql(prisma, sql), concurrency: 1, interval: 30, startupDelay: false });
    const running = worker.run();
    const first = await prisma.$tasks.enqueue(greet, { name: "first" });
    await eventually("the first task is COMPLETE", async () => (await first.refresh()).status === TaskStatus.COMPLETE);
    await eventually("the worker LISTENs", async () => {
      const [{ n }] = await prisma.$queryRawUnsafe<{ n: number }[]>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
      );
      return n === 1;
    });
    const observer = await listen(database, NOTIFY_CHANNEL);

    // A notification with nothing behind it sends the idle worker to claim; its claim finds nothing and is held.
    holding = true;
    await prisma.$executeRawUnsafe(`SELECT pg_notify('${NOTIFY_CHANNEL}', 'default')`);
    await claimHeld;
    const enqueuedAt = performance.now();
    const second = await prisma.$tasks.enqueue(greet, { name: "second" });
    // Every notification committed before the marker has reached the observer; the worker's session hears it as soon.
    await observer.sync("marker");
    await sleep(300);
    release();

    await eventually("the second task is COMPLETE", async () => (await second.refresh()).status === TaskStatus.COMPLETE, 20_000);
    expect(performance.now() - enqueuedAt).toBeLessThan(10_000);
    await worker.stop();
    await running;
    await observer.close();
  }, 60_000);
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("an outcome whose answer is lost on %s", (provider) => {
  test("is found written by this worker when retried: no 'lost' line, and onFinished runs", async () => {
    const finished: [string, TaskStatus][] = [];
    const { prisma } = await freshApp(provider, { tasks: [greet], onFinished: (result) => void finished.push([result.id, result.status]) });
    const result = await prisma.$tasks.enqueue(greet, { name: "lossy" });
    let lose = true;
    // The first outcome statement runs for real; its answer is lost, as when the connection dies after the commit.
    const sql = wrapSql(runtimeOf(prisma.$tasks).sql, async (text, run) => {
      const answer = await run();
      if (lose && /^\s*UPDATE (?:"public"\.)?"?task_results"? AS t\s/.test(text)) {
        lose = false;
        throw connectionLost();
      }
      return answer;
    });
    const entries: LogEntry[] = [];

    await new Worker({ prisma: withSql(prisma, sql), batch: true, startupDelay: false, log: (entry) => entries.push(entry) }).run();

    expect(lose).toBe(false);
    expect(entries.map((entry) => entry.event)).toEqual(expect.arrayContaining(["outcome-write-failed", "complete"]));
    expect(entries.map((entry) => entry.event)).not.toContain("lost");
    expect(finished).toEqual([[result.id, TaskStatus.COMPLETE]]);
    expect((await result.refresh()).status).toBe(TaskStatus.COMPLETE);
  });
});
