// Specification of cancel and retry: $tasks.cancel/retry, result.cancel()/retry(), cancelMany/retryMany, the
// CANCELLED status, on PostgreSQL and SQLite with real worker processes, and on the dummy and immediate backends.
import { afterAll, afterEach, describe, expect, test } from "vitest";
import {
  GetResultNotSupported,
  InvalidTaskFilter,
  TaskCancelled,
  TaskNotRetryable,
  TaskResultDoesNotExist,
  TaskResultNotReady,
  TaskStatus,
  TasksError,
  type TaskError,
} from "../src/index.js";
import { BULK_BATCH } from "../src/control.js";
import { TaskResult } from "../src/result.js";
import { runtimeOf } from "../src/tasks-client.js";
import { CANCEL_CHANNEL } from "../src/dialects/index.js";
import { matching } from "../src/dialects/postgresql/matching.js";
import { allTasks, fail, flaky, holdTwice, ignoreSignal, noop, record, sendEmail } from "./fixtures/tasks.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import type { Provider, TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { listen } from "./support/observers.js";
import { stamps } from "./support/stamps.js";
import { killLeftoverWorkers, runWorker, startWorker } from "./support/processes.js";

const opened: (() => Promise<void>)[] = [];

afterEach(killLeftoverWorkers);
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

async function freshApp(provider: Provider, backend: "database" | "dummy" | "immediate" = "database") {
  const app = await createApp(provider, { tasks: allTasks, backends: { default: { backend } } });
  opened.push(app.close);
  return app;
}

/** Runs one worker process until no task is ready, then it exits. */
async function drain(database: TestDatabase): Promise<void> {
  const run = await runWorker(database, ["--batch", "--no-startup-delay"]);
  expect(run.code, run.output).toBe(0);
}

async function executions(prisma: TasksPrisma, key: string): Promise<number> {
  return (await prisma.execution.findUnique({ where: { key } }))?.count ?? 0;
}

/** The entry a cancel leaves in a task's errors. */
function cancelledEntry(taskName: string, id: string): TaskError {
  return { exceptionClass: "TaskCancelled", message: new TaskCancelled(taskName, id).message, traceback: "" };
}

/** A worker id no process uses: the tests below claim rows under it to hold them RUNNING without running them. */
const HOLDER = "test-holder";

/** Claims every ready task as HOLDER, as a worker would; they stay RUNNING until the test records their outcome. */
async function claimAsHolder(prisma: TasksPrisma, leaseMs = 60_000) {
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  const taskNames = allTasks.map((task) => task.name);
  return dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames, leaseMs, limit: 100, workerId: HOLDER });
}

describe("TaskResult.cancel() and retry() without a backend", () => {
  test("throw a TasksError naming the task and the action", async () => {
    const { prisma } = await freshApp("sqlite", "dummy");
    const result = new TaskResult((await prisma.$tasks.enqueue(noop)).toJSON());

    await expect(result.cancel()).rejects.toThrow(`Task "test.noop" result "${result.id}" cannot cancel`);
    await expect(result.retry()).rejects.toThrow(`Task "test.noop" result "${result.id}" cannot retry`);
    await expect(result.retry()).rejects.toBeInstanceOf(TasksError);
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("cancel on %s", (provider) => {
  test("a NEW task becomes CANCELLED at once, finished, with a TaskCancelled entry, and never runs", async () => {
    const { prisma, database } = await freshApp(provider);
    const enqueued = await prisma.$tasks.enqueue(record, { key: "never" });

    const result = await prisma.$tasks.cancel(enqueued.id);

    expect(result).toMatchObject({ id: enqueued.id, status: TaskStatus.CANCELLED, isFinished: true, attempts: 0 });
    expect(result.finishedAt).toBeInstanceOf(Date);
    expect(result.cancelRequestedAt).toEqual(result.finishedAt);
    expect(result.errors).toEqual([cancelledEntry("test.record", enqueued.id)]);
    await drain(database);
    expect(await executions(prisma, "never")).toBe(0);
    expect((await prisma.$tasks.getResult(enqueued.id)).toJSON()).toEqual(result.toJSON());
  });

  test("result.cancel() updates the result in place; its returnValue then says it was cancelled", async () => {
    const { prisma } = await freshApp(provider);
    const result = await prisma.$tasks.enqueue(record, { key: "in-place" });

    expect(await result.cancel()).toBe(result);

    expect(result.status).toBe(TaskStatus.CANCELLED);
    expect(() => result.returnValue).toThrow(TaskResultNotReady);
    expect(() => result.returnValue).toThrow("the task was cancelled, so it has no return value: read result.errors");
  });

  test("a finished task is left as it is, and the result reports its final status", async () => {
    const { prisma, database } = await freshApp(provider);
    const completed = await prisma.$tasks.enqueue(record, { key: "done" });
    const failed = await prisma.$tasks.enqueue(fail, { reason: "declined" });
    await drain(database);
    const before = await prisma.taskResult.findMany({ orderBy: { id: "asc" } });

    expect((await prisma.$tasks.cancel(completed.id)).status).toBe(TaskStatus.COMPLETE);
    expect((await prisma.$tasks.cancel(failed.id)).status).toBe(TaskStatus.FAILED);

    expect(await prisma.taskResult.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  }, 180_000);

  test("cancelling twice is harmless: the second call reports CANCELLED and adds nothing", async () => {
    const { prisma } = await freshApp(provider);
    const { id } = await prisma.$tasks.enqueue(record, { key: "twice" });
    const first = await prisma.$tasks.cancel(id);

    const second = await prisma.$tasks.cancel(id);

    expect(second.toJSON()).toEqual(first.toJSON());
  });

  test("an id that names no task throws TaskResultDoesNotExist, for cancel and retry alike", async () => {
    const { prisma } = await freshApp(provider);
    for (const id of ["0196a1b2-0000-7000-8000-000000000000", "not-an-id"]) {
      await expect(prisma.$tasks.cancel(id)).rejects.toBeInstanceOf(TaskResultDoesNotExist);
      await expect(prisma.$tasks.retry(id)).rejects.toBeInstanceOf(TaskResultDoesNotExist);
    }
  });

  test("a RUNNING task that honours its signal ends CANCELLED within seconds of the cancel, long before its natural end, with no retry", async () => {
    const { prisma, database } = await freshApp(provider);
    // Two attempts allowed: a retry would follow the aborted attempt unless the cancel ends the task.
    const { id } = await prisma.$tasks.enqueue(holdTwice, { key: "honours", ms: 60_000 });
    // PostgreSQL keeps the default lease (a heartbeat every 20 s): the cancel reaches the worker by NOTIFY. SQLite hears
    // of it from its heartbeat, every 300 ms with a lease of 900 ms.
    const worker = startWorker(database, ["--no-startup-delay", ...(provider === "postgresql" ? [] : ["--lease-ms", "900"])]);
    await eventually("the task to start", async () => (await executions(prisma, "honours")) === 1);

    const requested = await prisma.$tasks.cancel(id);

    expect(requested).toMatchObject({ status: TaskStatus.RUNNING, isFinished: false });
    await worker.waitFor(/task honours saw its signal abort: TaskCancelled/);
    await eventually("the task to end", async () => (await prisma.$tasks.getResult(id)).isFinished);
    const result = await prisma.$tasks.getResult(id);
    expect(result).toMatchObject({ status: TaskStatus.CANCELLED, attempts: 1, errors: [cancelledEntry("test.holdTwice", id)] });
    const latencyMs = result.finishedAt!.getTime() - requested.cancelRequestedAt!.getTime();
    expect(latencyMs).toBeLessThan(5_000);
    await worker.waitFor(/INFO {2}task cancelled taskId=/);
    expect(worker.output()).not.toMatch(/retry at/);
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    expect(await executions(prisma, "honours")).toBe(1);
  }, 180_000);

  test("a RUNNING task that ignores its signal ends CANCELLED only once its function returns", async () => {
    const { prisma, database } = await freshApp(provider);
    const since = Date.now();
    const { id } = await prisma.$tasks.enqueue(ignoreSignal, { key: "ignores", ms: 6_000, since });
    // A lease shorter than the function's run: the row stays held only as long as the worker heartbeats it.
    const worker = startWorker(database, ["--no-startup-delay", "--lease-ms", "3000"]);
    await eventually("the task to start", async () => (await stamps(prisma, "ignores"))["1:started"] !== undefined);

    expect((await prisma.$tasks.cancel(id)).status).toBe(TaskStatus.RUNNING);

    await eventually("the task to end", async () => (await prisma.$tasks.getResult(id)).isFinished);
    const result = await prisma.$tasks.getResult(id);
    expect(result).toMatchObject({ status: TaskStatus.CANCELLED, attempts: 1, errors: [cancelledEntry("test.ignoreSignal", id)] });
    const ran = await stamps(prisma, "ignores");
    expect(result.finishedAt!.getTime() - since).toBeGreaterThanOrEqual(ran["1:ended"]!);
    expect(Object.keys(ran).sort()).toEqual(["1:ended", "1:started"]);
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
  }, 180_000);

  test("a task claimed but waiting for a free slot is given back CANCELLED on its cancel, and never runs", async () => {
    const { prisma, database } = await freshApp(provider);
    await prisma.$tasks.enqueue(holdTwice, { key: "busy", ms: 8_000 });
    const waiting = await prisma.$tasks.enqueue(record, { key: "waiting" });
    // One slot, and one task claimed ahead of it: the second waits in the worker's buffer, RUNNING in the database.
    const worker = startWorker(database, ["--no-startup-delay", "--concurrency", "1", "--prefetch", "1", ...(provider === "postgresql" ? [] : ["--lease-ms", "900"])]);
    await eventually("the second task to be claimed", async () => (await prisma.$tasks.getResult(waiting.id)).status === TaskStatus.RUNNING);

    expect((await prisma.$tasks.cancel(waiting.id)).status).toBe(TaskStatus.RUNNING);

    await eventually("the waiting task to end", async () => (await prisma.$tasks.getResult(waiting.id)).isFinished, 6_000);
    const result = await prisma.$tasks.getResult(waiting.id);
    expect(result.toJSON()).toMatchObject({ status: TaskStatus.CANCELLED, attempts: 0, workerIds: [], errors: [cancelledEntry("test.record", waiting.id)] });
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    expect(await executions(prisma, "waiting")).toBe(0);
  }, 180_000);

  test("a held task's outcome write turns a failed attempt or a retry into CANCELLED, and keeps a completed one", async () => {
    const { prisma } = await freshApp(provider);
    const retried = await prisma.$tasks.enqueue(holdTwice, { key: "a", ms: 0 });
    const selfCancelled = await prisma.$tasks.enqueue(holdTwice, { key: "b", ms: 0 });
    const completed = await prisma.$tasks.enqueue(holdTwice, { key: "c", ms: 0 });
    const notCancelled = await prisma.$tasks.enqueue(holdTwice, { key: "d", ms: 0 });
    await claimAsHolder(prisma);
    for (const { id } of [retried, selfCancelled, completed]) await prisma.$tasks.cancel(id);
    const thrown = { exceptionClass: "Error", message: "boom", traceback: "" };
    const aborted = cancelledEntry("test.holdTwice", selfCancelled.id);
    const { dialect, sql } = runtimeOf(prisma.$tasks);

    const written = await dialect.recordOutcomes(sql, HOLDER, [
      { id: retried.id, attempt: 1, status: "NEW", error: thrown, runAfter: new Date() },
      { id: selfCancelled.id, attempt: 1, status: "FAILED", error: aborted, finishedAt: new Date() },
      { id: completed.id, attempt: 1, status: "COMPLETE", returnValue: { json: JSON.stringify("ok"), meta: null }, finishedAt: new Date() },
      { id: notCancelled.id, attempt: 1, status: "NEW", error: thrown, runAfter: new Date() },
    ]);

    expect(written.sort()).toEqual([retried.id, selfCancelled.id, completed.id, notCancelled.id].sort());
    const after = async (id: string) => (await prisma.$tasks.getResult(id)).toJSON();
    expect(await after(retried.id)).toMatchObject({ status: "CANCELLED", errors: [thrown, cancelledEntry("test.holdTwice", retried.id)] });
    expect((await after(retried.id)).finishedAt).toBeInstanceOf(Date);
    expect(await after(selfCancelled.id)).toMatchObject({ status: "CANCELLED", errors: [aborted] });
    expect(await after(completed.id)).toMatchObject({ status: "COMPLETE", returnValue: "ok", errors: [] });
    expect(await after(notCancelled.id)).toMatchObject({ status: "NEW", errors: [thrown] });
  });

  test("a held task released unstarted (worker shutdown) ends CANCELLED, its claim undone", async () => {
    const { prisma } = await freshApp(provider);
    const { id } = await prisma.$tasks.enqueue(record, { key: "released" });
    await claimAsHolder(prisma);
    await prisma.$tasks.cancel(id);
    const { dialect, sql } = runtimeOf(prisma.$tasks);

    await dialect.releaseTasks(sql, HOLDER, [id]);

    const result = await prisma.$tasks.getResult(id);
    expect(result).toMatchObject({ status: "CANCELLED", attempts: 0, workerIds: [], errors: [cancelledEntry("test.record", id)] });
    expect(result.finishedAt).toBeInstanceOf(Date);
  });

  test("a held task whose worker went silent is rescued as CANCELLED, not retried", async () => {
    const { prisma } = await freshApp(provider);
    const { id } = await prisma.$tasks.enqueue(holdTwice, { key: "lost", ms: 0 });
    await claimAsHolder(prisma, 1);
    await prisma.$tasks.cancel(id);
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    await new Promise((resolve) => setTimeout(resolve, 20));

    await dialect.rescueExpired(sql, 100);

    const result = await prisma.$tasks.getResult(id);
    expect(result.status).toBe("CANCELLED");
    expect(result.errors.map((error) => error.exceptionClass)).toEqual(["WorkerLost", "TaskCancelled"]);
  });

  test("inside $transaction the cancel rolls back with it, and commits with it", async () => {
    const { prisma, database } = await freshApp(provider);
    const kept = await prisma.$tasks.enqueue(record, { key: "kept" });
    const cancelled = await prisma.$tasks.enqueue(record, { key: "cancelled" });

    await expect(
      prisma.$transaction(async (tx) => {
        expect((await tx.$tasks.cancel(kept.id)).status).toBe(TaskStatus.CANCELLED);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await prisma.$transaction(async () => {
      // prisma.$tasks and result methods join the transaction the caller runs in.
      expect((await cancelled.cancel()).status).toBe(TaskStatus.CANCELLED);
    });

    expect(await prisma.$tasks.getResult(kept.id)).toMatchObject({ status: TaskStatus.NEW, errors: [], cancelRequestedAt: null });
    expect((await prisma.$tasks.getResult(cancelled.id)).status).toBe(TaskStatus.CANCELLED);
    await drain(database);
    expect(await executions(prisma, "kept")).toBe(1);
    expect(await executions(prisma, "cancelled")).toBe(0);
  }, 180_000);

  test("a tx kept past its $transaction refuses to cancel, naming the task", async () => {
    const { prisma } = await freshApp(provider);
    const { id } = await prisma.$tasks.enqueue(record, { key: "late" });
    let kept: { $tasks: typeof prisma.$tasks } | undefined;
    await prisma.$transaction(async (tx) => {
      kept = tx;
    });

    await expect(kept!.$tasks.cancel(id)).rejects.toThrow(`cannot cancel task "${id}" in a transaction that has already committed`);
    expect((await prisma.$tasks.getResult(id)).status).toBe(TaskStatus.NEW);
  });

  test(
    "4 workers draining 2,000 tasks under 200 cancels: a task reported CANCELLED never runs, one reported RUNNING runs at most once, every other runs once",
    async () => {
      const { prisma, database } = await freshApp(provider);
      const total = 2000;
      // 50 ms each: 4 workers take over 2 s to drain them, so cancels meet NEW tasks even when the machine is so busy
      // that the first round of cancels comes late (with no-op tasks, SQLite's workers had drained them all first).
      const results = await prisma.$tasks.enqueueMany(record, Array.from({ length: total }, (_, i) => ({ key: `race-${i}`, sleepMs: 50 })));
      const key = new Map(results.map((result, i) => [result.id, `race-${i}`]));
      const workers = Array.from({ length: 4 }, () => startWorker(database, ["--no-startup-delay", "--interval", "0.1"]));
      await Promise.all(workers.map((worker) => worker.waitFor(/started: queues=/)));

      // Each round cancels four tasks at random from the front of the queue, the rows the workers are claiming now.
      const answers = new Map<string, TaskStatus>();
      while (answers.size < 200) {
        const front = await prisma.taskResult.findMany({
          where: { status: "NEW", id: { notIn: [...answers.keys()] } },
          orderBy: [{ priority: "desc" }, { runAfter: "asc" }, { enqueuedAt: "asc" }],
          select: { id: true },
          take: 40,
        });
        const pool = front.length > 0 ? front.map((row) => row.id) : results.map((result) => result.id).filter((id) => !answers.has(id));
        const picked = [...new Set(Array.from({ length: 4 }, () => pool[Math.floor(Math.random() * pool.length)]!))];
        await Promise.all(picked.slice(0, 200 - answers.size).map(async (id) => answers.set(id, (await prisma.$tasks.cancel(id)).status)));
      }
      await eventually(
        "every task to finish",
        async () => (await prisma.taskResult.count({ where: { status: { in: ["NEW", "RUNNING"] } } })) === 0,
        150_000,
      );
      for (const worker of workers) worker.child.kill("SIGTERM");
      expect((await Promise.all(workers.map((worker) => worker.exited))).map((exit) => exit.code)).toEqual([0, 0, 0, 0]);

      const runs = new Map((await prisma.execution.findMany()).map((row) => [row.key, row.count]));
      const rows = await prisma.taskResult.findMany({ select: { id: true, status: true, attempts: true, cancelRequestedAt: true } });
      const tally: Record<string, number> = {};
      for (const row of rows) {
        const answer = answers.get(row.id);
        tally[answer ?? "not cancelled"] = (tally[answer ?? "not cancelled"] ?? 0) + 1;
        const ran = runs.get(key.get(row.id)!) ?? 0;
        if (answer === TaskStatus.CANCELLED) {
          expect({ id: row.id, status: row.status, attempts: row.attempts, ran }).toEqual({ id: row.id, status: "CANCELLED", attempts: 0, ran: 0 });
        } else if (answer === TaskStatus.RUNNING) {
          // A cancel that found the task RUNNING recorded its request. The attempt completed first, or its worker
          // aborted it (or gave it back unstarted): then it ended CANCELLED, having run at most once.
          expect(row.cancelRequestedAt).not.toBeNull();
          if (row.status === "COMPLETE") expect(ran).toBe(1);
          else expect({ id: row.id, status: row.status, ranAtMostOnce: ran <= 1 }).toEqual({ id: row.id, status: "CANCELLED", ranAtMostOnce: true });
        } else {
          expect({ id: row.id, status: row.status, ran }).toEqual({ id: row.id, status: "COMPLETE", ran: 1 });
        }
      }
      expect(rows).toHaveLength(total);
      expect(tally.CANCELLED).toBeGreaterThan(0);
      console.log(`cancel race on ${provider}: answers ${JSON.stringify(tally)}`);
    },
    240_000,
  );
});

describe("cancel on postgresql only", () => {
  test("a worker skips a task whose cancel is not committed yet, and runs it once the cancel rolls back", async () => {
    const { prisma, database } = await freshApp("postgresql");
    const { id } = await prisma.$tasks.enqueue(record, { key: "undecided" });

    await expect(
      prisma.$transaction(
        async (tx) => {
          await tx.$tasks.cancel(id);
          await drain(database);
          expect(await executions(prisma, "undecided")).toBe(0);
          throw new Error("roll back");
        },
        { timeout: 150_000 },
      ),
    ).rejects.toThrow("roll back");

    await drain(database);
    expect(await executions(prisma, "undecided")).toBe(1);
  }, 180_000);

  test("cancelling a RUNNING task notifies its holder on the cancel channel at commit, never after a rollback", async () => {
    const { prisma, database } = await freshApp("postgresql");
    const first = await prisma.$tasks.enqueue(record, { key: "first" });
    const second = await prisma.$tasks.enqueue(record, { key: "second" });
    await claimAsHolder(prisma);
    const listener = await listen(database, CANCEL_CHANNEL);
    try {
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$tasks.cancel(first.id);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      await prisma.$tasks.cancel(second.id);
      await listener.sync("marker");

      expect(listener.payloads).toEqual([second.id, "marker"]);
    } finally {
      await listener.close();
    }
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("retry on %s", (provider) => {
  test("a FAILED task runs again once, keeping its errors, worker ids and attempts, with room for one more attempt", async () => {
    const { prisma, database } = await freshApp(provider);
    // Fails all three of its attempts; a fourth succeeds.
    const { id } = await prisma.$tasks.enqueue(flaky, { key: "again", failures: 3 });
    await drain(database);
    const failed = await prisma.$tasks.getResult(id);
    expect(failed).toMatchObject({ status: TaskStatus.FAILED, attempts: 3, maxAttempts: 3 });

    const retried = await prisma.$tasks.retry(id);

    expect(retried).toMatchObject({ status: TaskStatus.NEW, attempts: 3, maxAttempts: 4, finishedAt: null, isFinished: false });
    expect(retried.errors).toEqual(failed.errors);
    expect(retried.workerIds).toEqual(failed.workerIds);
    await drain(database);
    const done = await prisma.$tasks.getResult(id);
    expect(done).toMatchObject({ status: TaskStatus.COMPLETE, attempts: 4, returnValue: "ok after 4" });
    expect(done.errors).toHaveLength(3);
    expect(done.workerIds).toHaveLength(4);
    expect(await executions(prisma, "again")).toBe(4);
  }, 180_000);

  test("result.retry() sends a CANCELLED task back to NEW in place; it runs once", async () => {
    const { prisma, database } = await freshApp(provider);
    const result = await prisma.$tasks.enqueue(record, { key: "revived" });
    await result.cancel();

    expect(await result.retry()).toBe(result);

    expect(result).toMatchObject({ status: TaskStatus.NEW, cancelRequestedAt: null, finishedAt: null, maxAttempts: 5 });
    expect(result.errors).toEqual([cancelledEntry("test.record", result.id)]);
    await drain(database);
    expect((await result.refresh()).status).toBe(TaskStatus.COMPLETE);
    expect(await executions(prisma, "revived")).toBe(1);
  });

  test("a NEW, RUNNING or COMPLETE task throws TaskNotRetryable naming the id, the status and the fix", async () => {
    const { prisma } = await freshApp(provider);
    const running = await prisma.$tasks.enqueue(record, { key: "running" });
    await claimAsHolder(prisma);
    const fresh = await prisma.$tasks.enqueue(record, { key: "new" });
    const complete = await prisma.$tasks.enqueue(record, { key: "complete" });
    await prisma.taskResult.update({ where: { id: complete.id }, data: { status: "COMPLETE", finishedAt: new Date() } });

    for (const [{ id }, status, fix] of [
      [fresh, "NEW", "it is already waiting to run"],
      [running, "RUNNING", "wait for the attempt to end (or cancel it), then retry"],
      [complete, "COMPLETE", "enqueue it again"],
    ] as const) {
      const error = await prisma.$tasks.retry(id).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(TaskNotRetryable);
      expect(error).toMatchObject({ id, status, taskName: "test.record" });
      expect((error as Error).message).toContain(`Task "test.record" result "${id}" cannot be retried while its status is ${status}`);
      expect((error as Error).message).toContain(fix);
      expect((await prisma.$tasks.getResult(id)).status).toBe(status);
    }
  });

  test("inside $transaction the retry rolls back with it, and commits with it", async () => {
    const { prisma } = await freshApp(provider);
    const { id } = await prisma.$tasks.enqueue(record, { key: "undo" });
    await prisma.$tasks.cancel(id);

    await expect(
      prisma.$transaction(async (tx) => {
        expect((await tx.$tasks.retry(id)).status).toBe(TaskStatus.NEW);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect((await prisma.$tasks.getResult(id)).status).toBe(TaskStatus.CANCELLED);

    await prisma.$transaction(async (tx) => tx.$tasks.retry(id));
    expect((await prisma.$tasks.getResult(id)).status).toBe(TaskStatus.NEW);
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("cancelMany and retryMany on %s", (provider) => {
  const HOUR_MS = 3_600_000;

  test("retryMany retries the FAILED tasks of one task name, queue and time window; a dry run changes nothing", async () => {
    const { prisma } = await freshApp(provider);
    const recent = await prisma.$tasks.enqueueMany(fail, [{ reason: "a" }, { reason: "b" }]);
    const old = await prisma.$tasks.enqueue(fail, { reason: "old" });
    const otherTask = await prisma.$tasks.enqueue(record, { key: "other task" });
    const otherQueue = await prisma.$tasks.enqueue(fail, { reason: "other queue" }, { queueName: "emails" });
    const now = Date.now();
    for (const { id } of [...recent, otherTask, otherQueue]) {
      await prisma.taskResult.update({ where: { id }, data: { status: "FAILED", attempts: 1, finishedAt: new Date(now - HOUR_MS) } });
    }
    await prisma.taskResult.update({ where: { id: old.id }, data: { status: "FAILED", attempts: 1, finishedAt: new Date(now - 3 * HOUR_MS) } });
    const filter = { status: TaskStatus.FAILED, taskName: "test.fail", queueName: "default", since: new Date(now - 2 * HOUR_MS) };
    const expected = recent.map((result) => result.id).sort();
    const before = await prisma.taskResult.findMany({ orderBy: { id: "asc" } });

    const dry = await prisma.$tasks.retryMany(filter, { dryRun: true });

    expect({ count: dry.count, ids: [...dry.ids].sort() }).toEqual({ count: 2, ids: expected });
    expect(await prisma.taskResult.findMany({ orderBy: { id: "asc" } })).toEqual(before);

    const done = await prisma.$tasks.retryMany(filter);

    expect({ count: done.count, ids: [...done.ids].sort() }).toEqual({ count: 2, ids: expected });
    const statuses = await prisma.taskResult.findMany({ select: { id: true, status: true, maxAttempts: true } });
    for (const row of statuses) {
      const retried = expected.includes(row.id);
      expect(row).toMatchObject({ status: retried ? "NEW" : "FAILED" });
      if (retried) expect(row.maxAttempts).toBe(2);
    }
  });

  test("retryMany acts on each task once: a task that fails again before the call's next batch stays FAILED", async () => {
    const { prisma } = await freshApp(provider);
    const task = await prisma.$tasks.enqueue(fail, { reason: "again" });
    await prisma.taskResult.update({ where: { id: task.id }, data: { status: "FAILED", attempts: 1, finishedAt: new Date() } });
    // A trigger fails the task again the moment a retry sends it back, as a worker might between two batches; the
    // first three times only, so that a call that went on retrying it would still end, with the count to show it.
    await prisma.$executeRawUnsafe("CREATE TABLE refailed (n INTEGER)");
    if (provider === "postgresql") {
      await prisma.$executeRawUnsafe(`CREATE FUNCTION refail() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (SELECT count(*) FROM refailed) < 3 THEN INSERT INTO refailed VALUES (1); NEW.status := 'FAILED'; END IF;
          RETURN NEW;
        END $$`);
      await prisma.$executeRawUnsafe(`CREATE TRIGGER refail BEFORE UPDATE ON task_results FOR EACH ROW
        WHEN (OLD.status = 'FAILED' AND NEW.status = 'NEW') EXECUTE FUNCTION refail()`);
    } else if (provider === "mysql") {
      await prisma.$executeRawUnsafe(`CREATE TRIGGER refail BEFORE UPDATE ON task_results FOR EACH ROW
        BEGIN
          IF OLD.status = 'FAILED' AND NEW.status = 'NEW' AND (SELECT count(*) FROM refailed) < 3 THEN
            INSERT INTO refailed VALUES (1); SET NEW.status = 'FAILED';
          END IF;
        END`);
    } else {
      await prisma.$executeRawUnsafe(`CREATE TRIGGER refail AFTER UPDATE OF status ON task_results
        WHEN OLD.status = 'FAILED' AND NEW.status = 'NEW' AND (SELECT count(*) FROM refailed) < 3
        BEGIN INSERT INTO refailed VALUES (1); UPDATE task_results SET status = 'FAILED' WHERE id = NEW.id; END`);
    }

    const done = await prisma.$tasks.retryMany({ status: TaskStatus.FAILED, taskName: "test.fail" });

    expect(done.ids).toEqual([task.id]);
    const [refailed] = await prisma.$queryRawUnsafe<{ n: bigint | number }[]>("SELECT count(*) AS n FROM refailed");
    expect(Number(refailed!.n)).toBe(1);
    expect((await prisma.taskResult.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("FAILED");
  });

  test("cancelMany works through more rows than one batch, and a dry run counts them all", async () => {
    const { prisma } = await freshApp(provider);
    const total = BULK_BATCH * 2 + 5;
    await prisma.$tasks.enqueueMany(record, Array.from({ length: total }, (_, i) => ({ key: `bulk-${i}` })));
    await prisma.$tasks.enqueue(sendEmail, { key: "spared" });
    const filter = { status: TaskStatus.NEW, taskName: "test.record" };

    expect((await prisma.$tasks.cancelMany(filter, { dryRun: true })).count).toBe(total);
    expect(await prisma.taskResult.count({ where: { status: "NEW" } })).toBe(total + 1);

    const done = await prisma.$tasks.cancelMany(filter);

    expect(done.count).toBe(total);
    expect(new Set(done.ids).size).toBe(total);
    expect(await prisma.taskResult.count({ where: { status: "CANCELLED" } })).toBe(total);
    expect(await prisma.taskResult.count({ where: { status: "NEW", taskName: "test.sendEmail" } })).toBe(1);
  });

  test("cancelMany of RUNNING tasks records each request once; they are not selected again", async () => {
    const { prisma } = await freshApp(provider);
    const held = await prisma.$tasks.enqueueMany(record, [{ key: "r1" }, { key: "r2" }]);
    await claimAsHolder(prisma);
    const filter = { status: TaskStatus.RUNNING, taskName: "test.record", ids: [held[0]!.id, "not-an-id"] };

    expect((await prisma.$tasks.cancelMany(filter)).ids).toEqual([held[0]!.id]);
    expect((await prisma.$tasks.cancelMany(filter)).count).toBe(0);

    expect((await prisma.$tasks.getResult(held[0]!.id)).cancelRequestedAt).toBeInstanceOf(Date);
    expect((await prisma.$tasks.getResult(held[1]!.id)).cancelRequestedAt).toBeNull();
  });

  test("a filter whose status the action does not take is InvalidTaskFilter, naming the field and the fix", async () => {
    const { prisma } = await freshApp(provider);
    await expect(prisma.$tasks.cancelMany({ status: TaskStatus.FAILED })).rejects.toThrow(
      new InvalidTaskFilter("cancelMany", "status", "FAILED", "must be NEW or RUNNING"),
    );
    await expect(prisma.$tasks.retryMany({ status: TaskStatus.NEW })).rejects.toThrow('retryMany: filter.status must be FAILED or CANCELLED; got "NEW".');
    await expect(prisma.$tasks.retryMany({ status: TaskStatus.FAILED, since: new Date(Number.NaN) })).rejects.toBeInstanceOf(InvalidTaskFilter);
  });
});

describe("bulk statements on postgresql", () => {
  test("find FAILED rows through the partial index even as a prepared statement's generic plan", async () => {
    const { prisma } = await freshApp("postgresql");
    await prisma.$tasks.enqueueMany(record, Array.from({ length: 5_000 }, (_, i) => ({ key: `plan-${i}` })));
    await prisma.$executeRawUnsafe('ANALYZE "public"."task_results"');
    const { condition, params } = matching({ status: TaskStatus.FAILED, backend: "default" }, 2);

    // force_generic_plan gives the statement the plan PostgreSQL settles on once it stops planning a prepared
    // statement for each execution's values.
    const text = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL plan_cache_mode = force_generic_plan");
      await tx.$executeRawUnsafe(`PREPARE bulk_match AS SELECT id FROM "public"."task_results" WHERE ${condition} LIMIT $1`);
      const plan = await tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>("EXPLAIN EXECUTE bulk_match(1000, 'default')");
      await tx.$executeRawUnsafe("DEALLOCATE bulk_match");
      return plan.map((row) => row["QUERY PLAN"]).join("\n");
    });

    expect(params).toHaveLength(1);
    expect(text).toContain("task_results_failed_idx");
    expect(text).not.toContain("Seq Scan");
  });
});

describe("the dummy backend", () => {
  test("cancel makes a NEW task CANCELLED in memory; retry makes it NEW again; a finished one is refused", async () => {
    const { prisma } = await freshApp("sqlite", "dummy");
    const result = await prisma.$tasks.enqueue(record, { key: "memory" });

    await result.cancel();

    expect(result).toMatchObject({ status: TaskStatus.CANCELLED, isFinished: true });
    expect(result.errors).toEqual([cancelledEntry("test.record", result.id)]);
    expect(prisma.$tasks.dummy().results.map((each) => each.status)).toEqual([TaskStatus.CANCELLED]);
    expect((await prisma.$tasks.retry(result.id)).status).toBe(TaskStatus.NEW);
    await expect(prisma.$tasks.retry(result.id)).rejects.toBeInstanceOf(TaskNotRetryable);
    expect(await prisma.taskResult.count()).toBe(0);
  });

  test("inside $transaction a cancel acts only at the commit, never after a rollback", async () => {
    const { prisma } = await freshApp("sqlite", "dummy");
    const kept = await prisma.$tasks.enqueue(record, { key: "kept" });
    const cancelled = await prisma.$tasks.enqueue(record, { key: "cancelled" });

    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$tasks.cancel(kept.id);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await prisma.$transaction(async (tx) => {
      expect((await tx.$tasks.cancel(cancelled.id)).status).toBe(TaskStatus.NEW);
    });

    expect((await kept.refresh()).status).toBe(TaskStatus.NEW);
    expect((await cancelled.refresh()).status).toBe(TaskStatus.CANCELLED);
  });

  test("cancelMany cancels what matches in memory", async () => {
    const { prisma } = await freshApp("sqlite", "dummy");
    await prisma.$tasks.enqueueMany(record, [{ key: "a" }, { key: "b" }]);
    const spared = await prisma.$tasks.enqueue(sendEmail, { key: "c" });

    expect((await prisma.$tasks.cancelMany({ status: TaskStatus.NEW, taskName: "test.record" })).count).toBe(2);

    expect(prisma.$tasks.dummy().results.map((each) => each.status)).toEqual(["CANCELLED", "CANCELLED", "NEW"]);
    expect((await spared.refresh()).status).toBe(TaskStatus.NEW);
  });
});

describe("the immediate backend", () => {
  test("a task has finished by the time result.cancel() is called, so it is reported unchanged", async () => {
    const { prisma } = await freshApp("sqlite", "immediate");
    const result = await prisma.$tasks.enqueue(noop);

    await result.cancel();

    expect(result).toMatchObject({ status: TaskStatus.COMPLETE, returnValue: null, errors: [], cancelRequestedAt: null });
  });

  test("result.retry() runs a FAILED task again before it resolves, with its history kept", async () => {
    const { prisma } = await freshApp("sqlite", "immediate");
    const result = await prisma.$tasks.enqueue(fail, { reason: "declined" });

    await result.retry();

    expect(result).toMatchObject({ status: TaskStatus.FAILED, attempts: 2, maxAttempts: 2, workerIds: ["immediate", "immediate"] });
    expect(result.errors.map((error) => error.exceptionClass)).toEqual(["PaymentDeclined", "PaymentDeclined"]);
    await expect(prisma.$tasks.enqueue(noop).then((done) => done.retry())).rejects.toBeInstanceOf(TaskNotRetryable);
  });

  test("it keeps no tasks to find by id: cancel and retry by id throw GetResultNotSupported; bulk forms match none", async () => {
    const { prisma } = await freshApp("sqlite", "immediate");
    const { id } = await prisma.$tasks.enqueue(fail, { reason: "declined" });

    await expect(prisma.$tasks.cancel(id)).rejects.toThrow(`cancel("${id}"): no configured backend keeps results to find by id`);
    await expect(prisma.$tasks.retry(id)).rejects.toThrow("Fix: use the TaskResult that enqueue returned (result.retry() acts on its task)");
    await expect(prisma.$tasks.retry(id)).rejects.toBeInstanceOf(GetResultNotSupported);
    expect(await prisma.$tasks.retryMany({ status: TaskStatus.FAILED })).toEqual({ count: 0, ids: [] });
  });
});
