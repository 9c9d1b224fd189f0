// Specification of the worker: real tasks-worker processes, and the in-process Worker, running tasks from real databases.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import pg from "pg";
import { z } from "zod";
import { TaskStatus, Worker, task, type TaskResult, type TasksConfig } from "../src/index.js";
import { Completer } from "../src/worker/completer.js";
import { runtimeOf } from "../src/tasks-client.js";
import { allTasks, fail, flaky, record, sendEmail, sequence, unstorable } from "./fixtures/tasks.js";
import { createApp, tasksClient } from "./support/app.js";
import type { Provider } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { killLeftoverWorkers, runWorker, startWorker, type WorkerProcess } from "./support/processes.js";

/** Options every worker process in this file starts with: no random start-up wait, and quick polling. */
const QUICK = ["--no-startup-delay", "--interval", "0.2"];

const opened: (() => Promise<void>)[] = [];

// Tests run concurrently, so processes a failed test left behind and clients are cleaned up once, at the end.
afterAll(async () => {
  await killLeftoverWorkers();
  await Promise.all(opened.map((close) => close()));
});

/** A fresh database with the fixture tasks; its client is closed when the file's tests are done. */
async function freshApp(provider: Provider, config: Partial<TasksConfig> = {}) {
  const app = await createApp(provider, { tasks: allTasks, ...config });
  opened.push(app.close);
  return app;
}

/** SIGTERM to each worker once it has said it started (a signal during start-up ends a process before its handler is set). */
async function stopWorkers(workers: readonly WorkerProcess[]) {
  await Promise.all(workers.map((worker) => worker.waitFor(/started: queues=/)));
  for (const worker of workers) worker.child.kill("SIGTERM");
  return Promise.all(workers.map((worker) => worker.exited));
}

const CLEAN_EXIT = { code: 0, signal: null };

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker on %s", (provider) => {
  const drain = provider === "sqlite" ? { processes: 2, tasks: 1_000 } : { processes: 4, tasks: 5_000 };

  test(`${drain.processes} worker processes at --concurrency 10 run each of ${drain.tasks} tasks exactly once`, async () => {
    const { prisma, database } = await freshApp(provider);
    const workerIds = Array.from({ length: drain.processes }, (_, i) => `drain-${i + 1}`);
    const workers = workerIds.map((id) => startWorker(database, [...QUICK, "--concurrency", "10", "--worker-id", id]));
    await Promise.all(workers.map((worker) => worker.waitFor(/started: queues=/)));

    const keys = Array.from({ length: drain.tasks }, (_, i) => `task-${i}`);
    await prisma.$tasks.enqueueMany(record, keys.map((key) => ({ key })));
    await eventually(
      "every task is COMPLETE",
      async () => (await prisma.taskResult.count({ where: { status: TaskStatus.COMPLETE } })) === drain.tasks,
      120_000,
    );

    expect(await stopWorkers(workers)).toEqual(workers.map(() => CLEAN_EXIT));
    const executions = await prisma.execution.findMany();
    expect(executions.map((execution) => execution.key).sort()).toEqual([...keys].sort());
    expect(executions.filter((execution) => execution.count !== 1)).toEqual([]);
    expect(await prisma.taskResult.groupBy({ by: ["status", "attempts"], _count: true })).toEqual([
      { status: TaskStatus.COMPLETE, attempts: 1, _count: drain.tasks },
    ]);
    const rows = await prisma.taskResult.findMany({ select: { workerIds: true } });
    expect(new Set(rows.flatMap((row) => row.workerIds as string[]))).toEqual(new Set(workerIds));
  }, 120_000);

  test("runs tasks in order of priority (highest first), then runAfter, then enqueue time", async () => {
    const { prisma, database } = await freshApp(provider);
    const earlier = new Date(Date.now() - 3_000);
    const later = new Date(Date.now() - 1_000);
    // Enqueued one at a time, in this scrambled order, a few milliseconds apart so enqueue times differ.
    const enqueued: Record<string, TaskResult> = {};
    for (const [label, priority, runAfter] of [
      ["priority -5", -5, undefined],
      ["priority 0, due later, enqueued first", 0, later],
      ["priority -100", -100, undefined],
      ["priority 10", 10, undefined],
      ["priority 0, due earlier", 0, earlier],
      ["priority 0, due later, enqueued second", 0, later],
      ["priority 100", 100, undefined],
    ] as const) {
      enqueued[label] = await prisma.$tasks.enqueue(sequence.using({ priority }), { label }, runAfter && { runAfter });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const run = await runWorker(database, [...QUICK, "--batch", "--concurrency", "1"]);

    expect(run.code).toBe(0);
    const positions = await Promise.all(
      Object.entries(enqueued).map(async ([label, result]) => {
        await result.refresh();
        return [result.returnValue as number, label] as const;
      }),
    );
    expect(positions.sort(([a], [b]) => a - b).map(([, label]) => label)).toEqual([
      "priority 100",
      "priority 10",
      "priority 0, due earlier",
      "priority 0, due later, enqueued first",
      "priority 0, due later, enqueued second",
      "priority -5",
      "priority -100",
    ]);
  });

  test("does not run a task before its runAfter, and runs it once that time has passed", async () => {
    const { prisma, database } = await freshApp(provider);
    const worker = startWorker(database, QUICK);
    // A first task shows the worker is up and polling before the delayed task is even enqueued.
    const first = await prisma.$tasks.enqueue(record, { key: "first" });
    await eventually("the first task is COMPLETE", async () => (await first.refresh()).status === TaskStatus.COMPLETE);

    const soon = await prisma.$tasks.enqueue(record, { key: "soon" }, { runAfter: 1_500 });
    await eventually("the delayed task is COMPLETE", async () => (await soon.refresh()).status === TaskStatus.COMPLETE);

    expect(await stopWorkers([worker])).toEqual([CLEAN_EXIT]);
    expect(soon.startedAt!.getTime()).toBeGreaterThanOrEqual(soon.runAfter.getTime());
    expect(soon.attempts).toBe(1);
  });

  describe("--queue", () => {
    async function oneTaskPerQueue() {
      const app = await freshApp(provider);
      const tasks = {
        emails: await app.prisma.$tasks.enqueue(sendEmail, { key: "emails" }),
        default: await app.prisma.$tasks.enqueue(record, { key: "default" }),
        reports: await app.prisma.$tasks.enqueue(record.using({ queueName: "reports" }), { key: "reports" }),
      };
      const statuses = async () => {
        await Promise.all(Object.values(tasks).map((result) => result.refresh()));
        return { emails: tasks.emails.status, default: tasks.default.status, reports: tasks.reports.status };
      };
      return { ...app, statuses };
    }

    test("emails takes tasks of the emails queue and never a default task", async () => {
      const { database, statuses } = await oneTaskPerQueue();
      const run = await runWorker(database, [...QUICK, "--batch", "--queue", "emails"]);
      expect(run.code).toBe(0);
      expect(await statuses()).toEqual({ emails: TaskStatus.COMPLETE, default: TaskStatus.NEW, reports: TaskStatus.NEW });
    });

    test("emails,default takes tasks of both queues and of no other", async () => {
      const { database, statuses } = await oneTaskPerQueue();
      const run = await runWorker(database, [...QUICK, "--batch", "--queue", "emails,default"]);
      expect(run.code).toBe(0);
      expect(await statuses()).toEqual({ emails: TaskStatus.COMPLETE, default: TaskStatus.COMPLETE, reports: TaskStatus.NEW });
    });

    test("'*' takes tasks of every queue", async () => {
      const { database, statuses } = await oneTaskPerQueue();
      const run = await runWorker(database, [...QUICK, "--batch", "--queue", "*"]);
      expect(run.code).toBe(0);
      expect(await statuses()).toEqual({ emails: TaskStatus.COMPLETE, default: TaskStatus.COMPLETE, reports: TaskStatus.COMPLETE });
    });
  });

  describe("stopping", () => {
    test("--batch exits 0 at once when no task is ready, leaving a task due later NEW", async () => {
      const { prisma, database } = await freshApp(provider);
      const future = await prisma.$tasks.enqueue(record, { key: "future" }, { runAfter: 60_000 });
      const run = await runWorker(database, [...QUICK, "--batch"]);
      expect(run.code).toBe(0);
      await future.refresh();
      expect([future.status, future.attempts]).toEqual([TaskStatus.NEW, 0]);
    });

    test("--batch runs a retry that is due at once before it exits", async () => {
      const { prisma, database } = await freshApp(provider);
      const result = await prisma.$tasks.enqueue(flaky, { key: "flaky", failures: 2 });
      const run = await runWorker(database, [...QUICK, "--batch"]);
      expect(run.code).toBe(0);
      await result.refresh();
      expect([result.status, result.attempts, result.errors.length]).toEqual([TaskStatus.COMPLETE, 3, 2]);
    });

    test("--max-tasks 3 exits 0 after running exactly 3 tasks, leaving the rest NEW and unclaimed", async () => {
      const { prisma, database } = await freshApp(provider);
      await prisma.$tasks.enqueueMany(record, Array.from({ length: 10 }, (_, i) => ({ key: `task-${i}` })));
      const run = await runWorker(database, [...QUICK, "--max-tasks", "3", "--concurrency", "2"]);
      expect(run.code).toBe(0);
      expect(await prisma.taskResult.groupBy({ by: ["status", "attempts"], _count: true, orderBy: { status: "asc" } })).toEqual([
        { status: TaskStatus.COMPLETE, attempts: 1, _count: 3 },
        { status: TaskStatus.NEW, attempts: 0, _count: 7 },
      ]);
      expect(await prisma.execution.count()).toBe(3);
    });

    test("SIGTERM lets the running task finish, gives claimed but unstarted tasks back, and exits 0", async () => {
      const { prisma, database } = await freshApp(provider);
      const running = await prisma.$tasks.enqueue(record.using({ priority: 10 }), { key: "running", sleepMs: 2_000 });
      const waiting = await prisma.$tasks.enqueueMany(record, [{ key: "waiting-1" }, { key: "waiting-2" }, { key: "waiting-3" }]);
      // --concurrency 1 with its default prefetch claims two tasks: one runs, one waits in the worker.
      const worker = startWorker(database, [...QUICK, "--concurrency", "1", "--worker-id", "stopping"]);
      await worker.waitFor(new RegExp(`task started taskId=${running.id}`));
      // The waiting task's claim may come back after the first task started (on a busy machine, or on MySQL, whose
      // claim is a transaction of four round trips).
      await eventually("a second task to be claimed", async () => (await prisma.taskResult.count({ where: { status: TaskStatus.RUNNING } })) === 2);

      const signalledAt = Date.now();
      worker.child.kill("SIGTERM");

      expect(await worker.exited).toEqual(CLEAN_EXIT);
      await running.refresh();
      expect(running.status).toBe(TaskStatus.COMPLETE);
      expect(running.finishedAt!.getTime()).toBeGreaterThan(signalledAt);
      expect(await prisma.execution.findMany({ select: { key: true, count: true } })).toEqual([{ key: "running", count: 1 }]);
      for (const result of waiting) await result.refresh();
      expect(waiting.map(({ status, attempts, workerIds, startedAt }) => ({ status, attempts, workerIds, startedAt }))).toEqual(
        waiting.map(() => ({ status: TaskStatus.NEW, attempts: 0, workerIds: [], startedAt: null })),
      );
    });
  });

  describe("a task that cannot complete", () => {
    const missing = task({ name: "nope.missing" }, async () => "never runs");
    /** The app as an older release wrote it: the same task name, a looser args schema. */
    const oldRecord = task(
      { name: "test.record", args: z.object({ key: z.string(), sleepMs: z.number() }), maxAttempts: 5 },
      async () => null,
    );
    let app: Awaited<ReturnType<typeof freshApp>>;
    let results: Record<"failing" | "unknown" | "afterUnknown" | "invalidArgs" | "unstorable", TaskResult>;

    // One worker run, one task at a time, over one task of each kind; the tests below read what it recorded.
    beforeAll(async () => {
      app = await freshApp(provider, { tasks: [...allTasks, missing] });
      const { prisma, database } = app;
      results = {
        unknown: await prisma.$tasks.enqueue(missing.using({ priority: 10 }), undefined),
        afterUnknown: await prisma.$tasks.enqueue(record.using({ priority: 5 }), { key: "after-unknown" }),
        failing: await prisma.$tasks.enqueue(fail, { reason: "card declined" }),
        invalidArgs: await tasksClient(database, { tasks: [oldRecord] }).$tasks.enqueue(oldRecord, { key: "legacy", sleepMs: -5 }),
        unstorable: await prisma.$tasks.enqueue(unstorable, undefined),
      };
      const run = await runWorker(database, [...QUICK, "--batch", "--concurrency", "1"]);
      expect(run.code).toBe(0);
      for (const result of Object.values(results)) await result.refresh();
    });

    test("that throws ends FAILED with the error's class, message and stack", () => {
      const { failing } = results;
      expect(failing.status).toBe(TaskStatus.FAILED);
      expect(failing.errors).toEqual([
        {
          exceptionClass: "PaymentDeclined",
          message: "card declined",
          traceback: expect.stringMatching(/PaymentDeclined: card declined\n\s+at .*test\/fixtures\/tasks\.ts/),
        },
      ]);
      expect(failing.finishedAt).toBeInstanceOf(Date);
    });

    test("whose name the worker does not know is left NEW, unclaimed, and the next task still runs", () => {
      const { unknown, afterUnknown } = results;
      expect([unknown.status, unknown.attempts, unknown.workerIds, unknown.errors]).toEqual([TaskStatus.NEW, 0, [], []]);
      expect(afterUnknown.status).toBe(TaskStatus.COMPLETE);
    });

    test("whose stored args no longer pass its schema ends FAILED with InvalidTaskArguments, without a retry", async () => {
      const { invalidArgs } = results;
      expect([invalidArgs.status, invalidArgs.attempts, invalidArgs.maxAttempts]).toEqual([TaskStatus.FAILED, 1, 5]);
      expect(invalidArgs.errors).toEqual([
        { exceptionClass: "InvalidTaskArguments", message: expect.stringContaining("sleepMs"), traceback: expect.any(String) },
      ]);
      expect(await app.prisma.execution.findUnique({ where: { key: "legacy" } })).toBeNull();
    });

    test("whose return value cannot be stored ends FAILED with SerializationError, without running again", async () => {
      const { unstorable } = results;
      expect([unstorable.status, unstorable.attempts]).toEqual([TaskStatus.FAILED, 1]);
      expect(unstorable.errors).toEqual([
        { exceptionClass: "SerializationError", message: expect.stringMatching(/returnValue.*Receipt/), traceback: expect.any(String) },
      ]);
      expect(await app.prisma.execution.findUnique({ where: { key: "unstorable" } })).toMatchObject({ count: 1 });
    });
  });
});

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("a rolling deploy on %s", (provider) => {
  /** A task a newer release added: the enqueueing app has it, the running tasks-worker does not. */
  const added = task({ name: "test.addedLater", args: z.object({ step: z.number() }) }, async ({ step }) => `ran step ${step}`);

  test("a task no running worker knows stays NEW and is reported while the others run; a worker that knows it runs it", async () => {
    const { prisma, database } = await freshApp(provider, { tasks: [...allTasks, added] });
    const newer = await prisma.$tasks.enqueueMany(added.using({ priority: 10 }), [{ step: 1 }, { step: 2 }]);
    const known = await prisma.$tasks.enqueue(record, { key: "known" });

    const old = await runWorker(database, [...QUICK, "--batch"]);

    expect(old.code).toBe(0);
    expect(old.stderr).toMatch(/WARN {2}2 ready task\(s\) among the next 10000 have names this worker does not know: test\.addedLater \(2\); they stay NEW/);
    expect((await known.refresh()).status).toBe(TaskStatus.COMPLETE);
    for (const result of newer) await result.refresh();
    expect(newer.map(({ status, attempts, workerIds }) => ({ status, attempts, workerIds }))).toEqual(
      newer.map(() => ({ status: TaskStatus.NEW, attempts: 0, workerIds: [] })),
    );

    await new Worker({ prisma, batch: true, startupDelay: false }).run();

    for (const result of newer) await result.refresh();
    expect(newer.map((result) => [result.status, result.returnValue])).toEqual([
      [TaskStatus.COMPLETE, "ran step 1"],
      [TaskStatus.COMPLETE, "ran step 2"],
    ]);
  }, 120_000);
});

describe.concurrent("tasks-worker on postgresql", () => {
  test("an idle worker wakes for a newly enqueued task through NOTIFY, long before its next poll", async () => {
    const { prisma, database } = await freshApp("postgresql");
    const worker = startWorker(database, ["--no-startup-delay", "--interval", "60"]);
    // A first task proves the worker is listening and has gone idle: its next poll is a minute away.
    const first = await prisma.$tasks.enqueue(record, { key: "first" });
    await eventually("the first task is COMPLETE", async () => (await first.refresh()).status === TaskStatus.COMPLETE);
    await worker.waitFor(new RegExp(`task complete taskId=${first.id}`));

    const enqueuedAt = Date.now();
    const second = await prisma.$tasks.enqueue(record, { key: "second" });
    await eventually("the second task is COMPLETE", async () => (await second.refresh()).status === TaskStatus.COMPLETE, 20_000);

    expect(Date.now() - enqueuedAt).toBeLessThan(10_000);
    expect(await stopWorkers([worker])).toEqual([CLEAN_EXIT]);
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the in-process Worker on %s", (provider) => {
  const ran: string[] = [];
  const greet = task({ name: "inprocess.greet", args: z.object({ name: z.string() }) }, async ({ name }) => {
    ran.push(name);
    return `hello ${name}`;
  });

  test("with batch: true runs every ready task, then run() resolves", async () => {
    ran.length = 0;
    const { prisma } = await freshApp(provider, { tasks: [greet] });
    const results = await prisma.$tasks.enqueueMany(greet, [{ name: "ada" }, { name: "grace" }, { name: "alan" }]);

    await new Worker({ prisma, queues: "*", concurrency: 2, batch: true, startupDelay: false }).run();

    expect(ran.sort()).toEqual(["ada", "alan", "grace"]);
    for (const result of results) await result.refresh();
    expect(results.map((result) => [result.status, result.returnValue])).toEqual([
      [TaskStatus.COMPLETE, "hello ada"],
      [TaskStatus.COMPLETE, "hello grace"],
      [TaskStatus.COMPLETE, "hello alan"],
    ]);
  });

  test("outcomes finishing together are written together, whatever their kind: completed, failed, retried", async () => {
    const seen = new Map<string, number>();
    const mixed = task(
      { name: "inprocess.mixed", args: z.object({ mode: z.enum(["ok", "fail", "retry"]) }), maxAttempts: 2, retryDelay: () => 0 },
      async ({ mode }) => {
        const runs = (seen.get(mode) ?? 0) + 1;
        seen.set(mode, runs);
        if (mode === "fail" || (mode === "retry" && runs === 1)) throw new Error(`${mode} #${runs}`);
        return { mode, at: new Date("2026-01-02T03:04:05.678Z"), big: 10n ** 20n };
      },
    );
    const { prisma } = await freshApp(provider, { tasks: [mixed] });
    const [ok, failed, retried] = await prisma.$tasks.enqueueMany(mixed, [{ mode: "ok" }, { mode: "fail" }, { mode: "retry" }]);

    await new Worker({ prisma, queues: "*", concurrency: 3, batch: true, startupDelay: false }).run();

    for (const result of [ok!, failed!, retried!]) await result.refresh();
    expect([ok!.status, ok!.attempts, ok!.returnValue, ok!.errors]).toEqual([
      TaskStatus.COMPLETE,
      1,
      { mode: "ok", at: new Date("2026-01-02T03:04:05.678Z"), big: 10n ** 20n },
      [],
    ]);
    expect([failed!.status, failed!.attempts, failed!.errors.map((error) => error.message)]).toEqual([TaskStatus.FAILED, 2, ["fail #1", "fail #2"]]);
    expect([retried!.status, retried!.attempts, retried!.errors.map((error) => error.message)]).toEqual([TaskStatus.COMPLETE, 2, ["retry #1"]]);
    expect(retried!.finishedAt!.getTime()).toBeGreaterThanOrEqual(retried!.startedAt!.getTime());
    expect(failed!.finishedAt).toBeInstanceOf(Date);
  });

  test("stop() while a second claim is out gives that claim's tasks back too: none is left RUNNING", async () => {
    const ran: number[] = [];
    const item = task({ name: "inprocess.item", args: z.object({ n: z.number() }) }, async ({ n }) => {
      ran.push(n);
    });
    let worker: Worker | undefined;
    // The first task to start stops the worker: with --prefetch 10 claims go out 5 at a time, two at once, so the
    // second is usually still out when the first one's tasks start.
    const { prisma } = await freshApp(provider, { tasks: [item], onStarted: () => void worker!.stop() });
    await prisma.$tasks.enqueueMany(item, Array.from({ length: 40 }, (_, n) => ({ n })));
    worker = new Worker({ prisma, queues: "*", concurrency: 1, prefetch: 10, startupDelay: false });

    await worker.run();

    const rows = await prisma.taskResult.findMany({ select: { status: true, attempts: true } });
    const count = (status: string) => rows.filter((row) => row.status === status).length;
    expect(count("RUNNING")).toBe(0);
    expect(count("COMPLETE")).toBe(ran.length);
    expect(count("NEW")).toBe(40 - ran.length);
    expect(ran.length).toBeGreaterThanOrEqual(1);
  });

  test("a task whose retryDelay throws ends FAILED with both errors, and run() still resolves", async () => {
    const brittle = task(
      { name: "inprocess.brittle", maxAttempts: 3, retryDelay: () => { throw new Error("no delay for you"); } },
      async () => { throw new Error("first failure"); },
    );
    const { prisma } = await freshApp(provider, { tasks: [brittle] });
    const result = await prisma.$tasks.enqueue(brittle);

    await new Worker({ prisma, queues: "*", batch: true, startupDelay: false }).run();

    await result.refresh();
    expect(result.status).toBe(TaskStatus.FAILED);
    expect(result.errors[0]!.message).toMatch(/retryDelay threw: no delay for you.*first failure/);
  });

  test("with a backend alias runs only that alias's tasks", async () => {
    ran.length = 0;
    const backends = { default: { backend: "database" as const }, reports: { backend: "database" as const } };
    const { prisma } = await freshApp(provider, { tasks: [greet], backends });
    const mine = await prisma.$tasks.enqueue(greet.using({ backend: "reports" }), { name: "report" });
    const other = await prisma.$tasks.enqueue(greet, { name: "default" });

    await new Worker({ prisma, backend: "reports", queues: "*", batch: true, startupDelay: false }).run();

    expect(ran).toEqual(["report"]);
    expect([(await mine.refresh()).status, (await other.refresh()).status]).toEqual([TaskStatus.COMPLETE, TaskStatus.NEW]);
  });

  test("without batch keeps running until stop(), which resolves run()", async () => {
    ran.length = 0;
    const { prisma } = await freshApp(provider, { tasks: [greet] });
    const worker = new Worker({ prisma, concurrency: 2, interval: 0.05, startupDelay: false });
    let stopped = false;
    const running = worker.run().then(() => (stopped = true));

    const result = await prisma.$tasks.enqueue(greet, { name: "ada" });
    await eventually("the task is COMPLETE", async () => (await result.refresh()).status === TaskStatus.COMPLETE);
    expect(stopped).toBe(false);

    await worker.stop();
    await running;
    expect(stopped).toBe(true);
    expect(ran).toEqual(["ada"]);
  });

  test("runs a task whose args and return value are bare numbers", async () => {
    const double = task<number>({ name: "inprocess.double" }, async (n) => n * 2);
    const { prisma } = await freshApp(provider, { tasks: [double] });
    const result = await prisma.$tasks.enqueue(double, 21);

    await new Worker({ prisma, batch: true, startupDelay: false }).run();

    await result.refresh();
    expect([result.status, result.returnValue]).toEqual([TaskStatus.COMPLETE, 42]);
  });

  test("ctx.result during a retry is the claimed row: RUNNING, held, with its earlier attempt's error", async () => {
    const seen: TaskResult[] = [];
    const inspect = task(
      { name: "inprocess.inspect", args: z.object({ n: z.number() }), maxAttempts: 2, retryDelay: () => 0 },
      async (_args, ctx) => {
        seen.push(ctx.result);
        if (ctx.attempt === 1) throw new TypeError("first attempt fails");
      },
    );
    const { prisma } = await freshApp(provider, { tasks: [inspect] });
    const enqueued = await prisma.$tasks.enqueue(inspect.using({ priority: 7, queueName: "inspect" }), { n: 1 }, { runAfter: new Date(Date.now() - 1_234) });

    await new Worker({ prisma, queues: ["inspect"], workerId: "inspector", batch: true, startupDelay: false }).run();

    const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: enqueued.id } });
    expect(seen.map((result) => [result.status, result.attempts, result.workerIds, result.errors.length])).toEqual([
      [TaskStatus.RUNNING, 1, ["inspector"], 0],
      [TaskStatus.RUNNING, 2, ["inspector", "inspector"], 1],
    ]);
    const second = seen[1]!;
    expect(second.errors[0]).toMatchObject({ exceptionClass: "TypeError", message: "first attempt fails" });
    expect({
      id: second.id,
      taskName: second.taskName,
      args: second.args,
      queueName: second.queueName,
      priority: second.priority,
      backend: second.backend,
      runAfter: second.runAfter,
      enqueuedAt: second.enqueuedAt,
      startedAt: second.startedAt,
      lastAttemptedAt: second.lastAttemptedAt,
      maxAttempts: second.maxAttempts,
    }).toEqual({
      id: row.id,
      taskName: "inprocess.inspect",
      args: { n: 1 },
      queueName: "inspect",
      priority: 7,
      backend: row.backend,
      runAfter: row.runAfter,
      enqueuedAt: row.enqueuedAt,
      startedAt: row.startedAt,
      lastAttemptedAt: row.lastAttemptedAt,
      maxAttempts: 2,
    });
    // The first attempt started the task; the second attempt is the row's latest.
    expect(seen[0]!.startedAt).toEqual(row.startedAt);
    expect(seen[0]!.lastAttemptedAt!.getTime()).toBeLessThanOrEqual(row.lastAttemptedAt!.getTime());
  });

  test("calls withTasks' onStarted with the RUNNING result and onFinished with the COMPLETE one", async () => {
    const seen: [string, TaskStatus, string][] = [];
    const { prisma } = await freshApp(provider, {
      tasks: [greet],
      onStarted: (result) => void seen.push(["onStarted", result.status, result.id]),
      onFinished: (result) => void seen.push(["onFinished", result.status, String(result.returnValue)]),
    });
    const result = await prisma.$tasks.enqueue(greet, { name: "ada" });

    await new Worker({ prisma, batch: true, startupDelay: false }).run();

    expect(seen).toEqual([
      ["onStarted", TaskStatus.RUNNING, result.id],
      ["onFinished", TaskStatus.COMPLETE, "hello ada"],
    ]);
  });
});

describe("the Completer on postgresql", () => {
  test("abandon() reports an outcome whose write is under way once, not a second time when that write lands", async () => {
    const { prisma, database } = await freshApp("postgresql");
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const enqueued = await prisma.$tasks.enqueue(record, { key: "held-up" });
    const [claimed] = await dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames: [record.name], leaseMs: 60_000, limit: 1, workerId: "writer" });
    expect(claimed!.id).toBe(enqueued.id);

    // Another connection holds the row, so the outcome's UPDATE waits for it.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM task_results WHERE id = $1 FOR UPDATE", [enqueued.id]);
      const completer = new Completer(dialect, sql, "writer", () => {});
      const reports: boolean[] = [];
      completer.record({ id: enqueued.id, attempt: 1, status: "COMPLETE", returnValue: { json: JSON.stringify("done"), meta: null }, finishedAt: new Date() }, (written) =>
        reports.push(written),
      );
      await eventually("the outcome's write waits on the row lock", async () => {
        const { rows } = await blocker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted");
        return rows[0].n > 0;
      });

      completer.abandon();
      expect(reports).toEqual([false]);
      await blocker.query("COMMIT");
      await eventually("the write lands", async () => (await enqueued.refresh()).status === TaskStatus.COMPLETE);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reports).toEqual([false]);
    } finally {
      await blocker.end();
    }
  });
});
