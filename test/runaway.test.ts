// Specification of runaway attempts: a task function that ignores its aborted signal (after its timeout, a cancel or
// a forced stop) keeps its row held until it returns, so its retry never runs beside it; real worker processes on
// PostgreSQL and SQLite, and the attempt itself under fake time for the warnings it gives every 30 s.
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { AttemptAbort, IGNORED_ABORT_REPORT_MS, runAttempt } from "../src/attempt.js";
import type { Outcome, StoredTask } from "../src/dialects/types.js";
import { task, TaskStatus, TaskTimeout } from "../src/index.js";
import { FORCED_STOP_MS } from "../src/worker/worker.js";
import { allTasks, ignoreSignal, ignoreTimeout } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import type { Provider } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { killLeftoverWorkers, startWorker } from "./support/processes.js";
import { stamps } from "./support/stamps.js";

const opened: (() => Promise<void>)[] = [];

afterEach(killLeftoverWorkers);
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

async function freshApp(provider: Provider) {
  const app = await createApp(provider, { tasks: allTasks });
  opened.push(app.close);
  return app;
}

describe.each<Provider>(["postgresql", "sqlite"])("runaway attempts on %s", (provider) => {
  test("a timed-out task that ignores its signal is retried only after its function returns: the attempts never overlap", async () => {
    const { prisma, database } = await freshApp(provider);
    const since = Date.now();
    // Times out after 1 s, runs on for 6 s; its later attempts return at once (unless a loaded machine makes them slow).
    const { id } = await prisma.$tasks.enqueue(ignoreTimeout, { key: "overlap", ms: 6_000, since });
    // Two workers with leases shorter than the first attempt: either could take a retry, or rescue an unheartbeated row.
    const args = ["--no-startup-delay", "--lease-ms", "3000", "--interval", "0.2"];
    const workers = [startWorker(database, args), startWorker(database, args)];

    await eventually("the task to complete", async () => (await prisma.$tasks.getResult(id)).isFinished, 60_000);

    await eventually("the first attempt's function to return", async () => (await stamps(prisma, "overlap"))["1:ended"] !== undefined);
    const result = (await prisma.$tasks.getResult(id)).toJSON();
    expect(result).toMatchObject({ status: TaskStatus.COMPLETE, returnValue: `stubborn attempt ${result.attempts}` });
    expect(result.errors.map((error) => error.exceptionClass)).toEqual(Array(result.attempts - 1).fill("TaskTimeout"));
    const ran = await stamps(prisma, "overlap");
    expect(ran["1:ended"]! - ran["1:started"]!).toBeGreaterThanOrEqual(6_000);
    for (let attempt = 2; attempt <= result.attempts; attempt++) {
      expect(ran[`${attempt}:started`], `attempt ${attempt} started`).toBeGreaterThanOrEqual(ran[`${attempt - 1}:ended`]!);
    }
    for (const worker of workers) worker.child.kill("SIGTERM");
    for (const worker of workers) expect((await worker.exited).code).toBe(0);
  }, 180_000);

  test("a forced stop exits within its time limit while such a function runs on, and leaves its row to the lease", async () => {
    const { prisma, database } = await freshApp(provider);
    const { id } = await prisma.$tasks.enqueue(ignoreSignal, { key: "forced", ms: 120_000, since: Date.now() });
    const worker = startWorker(database, ["--no-startup-delay"]);
    await eventually("the task to start", async () => (await stamps(prisma, "forced"))["1:started"] !== undefined);

    worker.child.kill("SIGTERM");
    await worker.waitFor(/finishing running tasks/);
    const forcedAt = Date.now();
    worker.child.kill("SIGTERM");

    expect((await worker.exited).code).toBe(1);
    expect(Date.now() - forcedAt).toBeLessThan(FORCED_STOP_MS + 5_000);
    const row = await prisma.taskResult.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: TaskStatus.RUNNING, attempts: 1, errors: [] });
    expect(row.leaseExpiresAt).toBeInstanceOf(Date);
  }, 180_000);
});

describe("an attempt whose function ignores its aborted signal", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A claimed row of `stuck`, as a worker holds it. */
  function claimedRow(taskName: string): StoredTask {
    const now = new Date();
    return {
      id: "01a23792-0000-7000-8000-000000000001",
      status: TaskStatus.RUNNING,
      taskName,
      args: { json: null, meta: null },
      queueName: "default",
      priority: 0,
      backend: "default",
      runAfter: now,
      enqueuedAt: now,
      startedAt: now,
      finishedAt: null,
      lastAttemptedAt: now,
      attempts: 1,
      maxAttempts: 1,
      workerIds: ["unit"],
      returnValue: null,
      errors: [],
      cancelRequestedAt: null,
      uniqueKey: null,
      lockedBy: "unit",
      traceContext: null,
      scheduleKey: null,
      scheduledAt: null,
    };
  }

  test("ends only once the function returns, its outcome the timeout's, and is reported every 30 s meanwhile", async () => {
    vi.useFakeTimers();
    let finish!: () => void;
    const stuck = task({ name: "unit.stuck", timeoutMs: 1_000 }, () => new Promise<string>((resolve) => (finish = () => resolve("late"))));
    const reports: { reason: unknown; waitedMs: number }[] = [];
    let outcome: Outcome | undefined;

    const attempt = runAttempt(stuck, claimedRow(stuck.name), {
      workerId: "unit",
      abort: new AttemptAbort(),
      source: { fetch: async () => ({}) as never },
      onIgnoredAbort: (reason, waitedMs) => reports.push({ reason, waitedMs }),
    }).then((ended) => (outcome = ended));
    await vi.advanceTimersByTimeAsync(1_000 + 2 * IGNORED_ABORT_REPORT_MS + 1_000);

    expect(outcome).toBeUndefined();
    expect(reports.map((report) => report.waitedMs)).toEqual([IGNORED_ABORT_REPORT_MS, 2 * IGNORED_ABORT_REPORT_MS]);
    expect(reports[0]!.reason).toBeInstanceOf(TaskTimeout);
    finish();
    await attempt;
    expect(outcome).toMatchObject({ status: "FAILED", error: { exceptionClass: "TaskTimeout" } });
    await vi.advanceTimersByTimeAsync(2 * IGNORED_ABORT_REPORT_MS);
    expect(reports).toHaveLength(2);
  });
});
