// Specification of `tasks-worker cancel` and `tasks-worker retry`: by id and by filter, what they print, their exit
// codes and usage errors; and `tasks-worker prune` deleting CANCELLED rows by the failed age.
import { afterAll, describe, expect, test } from "vitest";
import { TaskStatus } from "../src/index.js";
import { allTasks, fail, record } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import type { Provider, TestDatabase } from "./support/databases.js";
import { killLeftoverWorkers, runWorker } from "./support/processes.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A database no test here should reach: every usage error stops the command before it connects. */
const unreachable: TestDatabase = { provider: "sqlite", url: "/nonexistent/prisma-tasks.sqlite" };

const opened: (() => Promise<void>)[] = [];

afterAll(async () => {
  await killLeftoverWorkers();
  await Promise.all(opened.map((close) => close()));
});

describe.concurrent("tasks-worker cancel and retry usage", () => {
  test.each([
    { given: "cancel with neither ids nor a filter", args: ["cancel"], reason: /cancel needs task ids, or --status NEW\|RUNNING --task NAME/ },
    { given: "retry with neither ids nor a filter", args: ["retry"], reason: /retry needs task ids, or --status FAILED\|CANCELLED --task NAME/ },
    { given: "cancel --status FAILED", args: ["cancel", "--status", "FAILED", "--task", "t"], reason: /--status "FAILED": cancel takes NEW or RUNNING/ },
    { given: "retry --status NEW", args: ["retry", "--status", "NEW", "--task", "t"], reason: /--status "NEW": retry takes FAILED or CANCELLED/ },
    { given: "a filter without --task", args: ["retry", "--status", "FAILED"], reason: /--task NAME is required with --status/ },
    { given: "--since 2x", args: ["retry", "--status", "FAILED", "--task", "t", "--since", "2x"], reason: /--since "2x": must be a duration such as 30s, 15m, 2h or 7d/ },
    { given: "--since without a unit", args: ["cancel", "--status", "NEW", "--task", "t", "--since", "90"], reason: /--since "90": must be a duration/ },
    { given: "two queues", args: ["cancel", "--status", "NEW", "--task", "t", "--queue", "a,b"], reason: /--queue "a,b": give one queue name/ },
    { given: "ids and a filter", args: ["cancel", "some-id", "--status", "NEW"], reason: /--status with task ids: cancel takes task ids, or a filter/ },
    { given: "ids and --dry-run", args: ["retry", "some-id", "--dry-run"], reason: /--dry-run with task ids/ },
    { given: "a worker option", args: ["cancel", "some-id", "--concurrency", "3"], reason: /--concurrency is not a cancel option/ },
    { given: "a prune option", args: ["retry", "some-id", "--min-age-days", "3"], reason: /--min-age-days is not a retry option/ },
    { given: "--status to the worker", args: ["--status", "NEW"], reason: /--status belongs to "tasks-worker cancel" and "tasks-worker retry"/ },
    { given: "--since to prune", args: ["prune", "--since", "2h"], reason: /--since belongs to "tasks-worker cancel" and "tasks-worker retry"/ },
    { given: "an unknown command", args: ["resume"], reason: /unknown command "resume"; the commands are "prune", "schedules", "cancel", "retry" and "dashboard"/ },
  ])("$given exits 2 with a one-line reason", async ({ args, reason }) => {
    const run = await runWorker(unreachable, args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tasks-worker: [^\n]+\n$/);
    expect(run.stderr).toMatch(reason);
    expect(run.stdout).toBe("");
  });

  test("--help lists cancel and retry", async () => {
    const run = await runWorker(unreachable, ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/tasks-worker cancel .*ID\.\.\. \| --status NEW\|RUNNING --task NAME \[--queue Q\] \[--since 2h\] \[--dry-run\]/);
    expect(run.stdout).toMatch(/tasks-worker retry .*ID\.\.\. \| --status FAILED\|CANCELLED --task NAME/);
  });
});

describe.concurrent.each<Provider>(["postgresql", "sqlite"])("tasks-worker cancel and retry on %s", (provider) => {
  async function freshApp() {
    const app = await createApp(provider, { tasks: allTasks });
    opened.push(app.close);
    return app;
  }

  test("cancel ID... prints each task's status after the cancel and exits 0", async () => {
    const { prisma, database } = await freshApp();
    const waiting = await prisma.$tasks.enqueue(record, { key: "waiting" });
    const done = await prisma.$tasks.enqueue(record, { key: "done" });
    await prisma.taskResult.update({ where: { id: done.id }, data: { status: "COMPLETE", finishedAt: new Date() } });

    const run = await runWorker(database, ["cancel", waiting.id, done.id]);

    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toBe(`${waiting.id} test.record: CANCELLED\n${done.id} test.record: already COMPLETE; unchanged\n`);
    expect((await prisma.$tasks.getResult(waiting.id)).status).toBe(TaskStatus.CANCELLED);

    const again = await runWorker(database, ["cancel", waiting.id]);

    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toBe(`${waiting.id} test.record: already CANCELLED; unchanged\n`);
  });

  test("retry ID... retries what it can, names each id it cannot on stderr, and exits 1", async () => {
    const { prisma, database } = await freshApp();
    const failed = await prisma.$tasks.enqueue(fail, { reason: "declined" });
    await prisma.taskResult.update({ where: { id: failed.id }, data: { status: "FAILED", attempts: 1, finishedAt: new Date() } });
    const waiting = await prisma.$tasks.enqueue(record, { key: "waiting" });
    const missing = "0196a1b2-0000-7000-8000-000000000000";

    const run = await runWorker(database, ["retry", missing, failed.id, waiting.id]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${failed.id} test.fail: NEW again; attempt 2 of 2 runs next\n`);
    const errors = run.stderr.trim().split("\n");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(new RegExp(`^tasks-worker: No task result with id "${missing}"`));
    expect(errors[1]).toMatch(new RegExp(`^tasks-worker: Task "test.record" result "${waiting.id}" cannot be retried while its status is NEW`));
    expect((await prisma.$tasks.getResult(failed.id)).status).toBe(TaskStatus.NEW);
  });

  test("retry --status FAILED --task NAME --since 2h retries what failed in the last two hours; --dry-run changes nothing", async () => {
    const { prisma, database } = await freshApp();
    const recent = await prisma.$tasks.enqueue(fail, { reason: "recent" });
    const old = await prisma.$tasks.enqueue(fail, { reason: "old" });
    const otherQueue = await prisma.$tasks.enqueue(fail, { reason: "emails" }, { queueName: "emails" });
    for (const [{ id }, age] of [[recent, HOUR_MS], [old, 3 * HOUR_MS], [otherQueue, HOUR_MS]] as const) {
      await prisma.taskResult.update({ where: { id }, data: { status: "FAILED", attempts: 1, finishedAt: new Date(Date.now() - age) } });
    }
    const args = ["retry", "--status", "FAILED", "--task", "test.fail", "--queue", "default", "--since", "2h"];
    const before = await prisma.taskResult.findMany({ orderBy: { id: "asc" } });

    const dry = await runWorker(database, [...args, "--dry-run"]);

    expect(dry.code, dry.output).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`^retry --dry-run: would retry 1 task\\(s\\) \\(status FAILED, task test\\.fail, queue default, since \\d{4}-[^)]+Z\\)\n${recent.id}\n$`),
    );
    expect(await prisma.taskResult.findMany({ orderBy: { id: "asc" } })).toEqual(before);

    const run = await runWorker(database, args);

    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^retry: retried 1 task\\(s\\) \\(status FAILED, task test\\.fail, queue default, since .+\\)\n${recent.id}\n$`));
    const statuses = await prisma.taskResult.findMany({ select: { id: true, status: true } });
    expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({ [recent.id]: "NEW", [old.id]: "FAILED", [otherQueue.id]: "FAILED" });
  }, 120_000);

  test("cancel --status NEW --task NAME cancels that task's waiting tasks and no other", async () => {
    const { prisma, database } = await freshApp();
    const records = await prisma.$tasks.enqueueMany(record, [{ key: "a" }, { key: "b" }]);
    const other = await prisma.$tasks.enqueue(fail, { reason: "spared" });

    const run = await runWorker(database, ["cancel", "--status", "NEW", "--task", "test.record"]);

    expect(run.code, run.output).toBe(0);
    const [summary, ...ids] = run.stdout.trim().split("\n");
    expect(summary).toBe("cancel: cancelled 2 task(s) (status NEW, task test.record)");
    expect(ids.sort()).toEqual(records.map((result) => result.id).sort());
    expect((await prisma.$tasks.getResult(other.id)).status).toBe(TaskStatus.NEW);
  });

  test("prune deletes CANCELLED rows as it deletes FAILED ones: by --failed-min-age-days", async () => {
    const { prisma, database } = await freshApp();
    const [old, recent] = await prisma.$tasks.enqueueMany(record, [{ key: "old" }, { key: "recent" }]);
    for (const [{ id }, ageDays] of [[old!, 10], [recent!, 2]] as const) {
      await prisma.$tasks.cancel(id);
      await prisma.taskResult.update({ where: { id }, data: { finishedAt: new Date(Date.now() - ageDays * DAY_MS) } });
    }

    const run = await runWorker(database, ["prune", "--min-age-days", "30", "--failed-min-age-days", "5"]);

    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/deleted 0 COMPLETE task\(s\) finished over 30 day\(s\) ago and 1 FAILED or CANCELLED task\(s\)/);
    expect((await prisma.taskResult.findMany({ select: { id: true } })).map((row) => row.id)).toEqual([recent!.id]);
  });
});
