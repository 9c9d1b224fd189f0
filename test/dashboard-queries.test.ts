// Specification of the dashboard's list query on both databases: keyset pages, id ranges, and the bound on rows read.
import { runtimeOf } from "../src/tasks-client.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dashboardDialect } from "../src/dashboard/dialect.js";
import { firstIdAt, idRange } from "../src/dialects/dashboard.js";
import { newTaskId } from "../src/ids.js";
import type { TasksPrisma } from "./support/app.js";
import { dashboardApp, generateReport, sendEmail } from "./support/dashboard.js";
import type { Provider } from "./support/databases.js";

describe("id ranges of list filters", () => {
  test("the first id of a millisecond sorts before every id made in it and after every id made earlier", () => {
    const at = new Date("2026-12-02T10:00:00.000Z");
    const ids = Array.from({ length: 100 }, () => newTaskId(at.getTime()));
    for (const id of ids) expect(firstIdAt(at) <= id).toBe(true);
    expect(newTaskId(at.getTime() - 1) < firstIdAt(at)).toBe(true);
  });

  test("an enqueue-time range, an id prefix and a cursor narrow one range of the primary key", () => {
    const from = new Date("2026-12-01T00:00:00Z");
    const before = new Date("2026-12-03T00:00:00Z");
    const cursor = newTaskId(new Date("2026-12-02T00:00:00Z").getTime());
    expect(idRange({ enqueuedFrom: from, enqueuedBefore: before, before: cursor, limit: 1, scanLimit: 1 })).toEqual({
      from: firstIdAt(from),
      through: undefined,
      before: cursor,
    });
    expect(idRange({ idPrefix: "01A2-37", limit: 1, scanLimit: 1 })).toEqual({
      from: "01a23700-0000-0000-0000-000000000000",
      through: "01a237ff-ffff-ffff-ffff-ffffffffffff",
      before: undefined,
    });
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the dashboard's task list on %s", (provider) => {
  let prisma: TasksPrisma;
  let close: () => Promise<void>;
  let reports: string[];
  let emails: string[];

  beforeAll(async () => {
    ({ prisma, close } = await dashboardApp(provider));
    // Interleaved, so a filter on one task name skips rows of the other.
    reports = [];
    emails = [];
    for (let i = 0; i < 30; i++) {
      reports.push((await prisma.$tasks.enqueue(generateReport, { month: `m${i}` })).id);
      emails.push((await prisma.$tasks.enqueue(sendEmail, { to: `${i}@example.com` })).id);
    }
  });
  afterAll(() => close());

  const list = (request: Parameters<ReturnType<typeof dashboardDialect>["listTasks"]>[1]) =>
    dashboardDialect(prisma).listTasks(runtimeOf(prisma.$tasks).sql, request);

  test("pages go newest first, each after the last task of the one before", async () => {
    const first = await list({ limit: 25, scanLimit: 1000 });
    const second = await list({ before: first.next, limit: 25, scanLimit: 1000 });
    const third = await list({ before: second.next, limit: 25, scanLimit: 1000 });
    const all = [...reports, ...emails].sort().reverse();
    expect(first.tasks.map((task) => task.id)).toEqual(all.slice(0, 25));
    expect(second.tasks.map((task) => task.id)).toEqual(all.slice(25, 50));
    expect(third.tasks.map((task) => task.id)).toEqual(all.slice(50));
    expect(third.next).toBeUndefined();
  });

  test("a page reads at most the scan limit and goes on from the last row it read", async () => {
    const page = await list({ taskName: "emails.send", limit: 25, scanLimit: 10 });
    expect(page.scanLimited).toBe(true);
    // Ids made in the same millisecond sort by their random bits, not by when they were made: what the page scanned
    // is the 10 newest ids, whichever tasks they are.
    const all = [...reports, ...emails].sort().reverse();
    const isEmail = (id: string) => emails.includes(id);
    expect(page.tasks.map((task) => task.id)).toEqual(all.slice(0, 10).filter(isEmail));
    expect(page.next).toBe(all[9]);
    const rest = await list({ taskName: "emails.send", before: page.next, limit: 25, scanLimit: 1000 });
    expect(rest.tasks.map((task) => task.id)).toEqual(all.slice(10).filter(isEmail));
  });

  test("the id filter takes a whole id in any case or its first digits", async () => {
    expect((await list({ idPrefix: emails[3]!.toUpperCase(), limit: 5, scanLimit: 100 })).tasks.map((task) => task.id)).toEqual([emails[3]]);
    const prefix = emails[3]!.slice(0, 8);
    const matched = (await list({ idPrefix: prefix, limit: 100, scanLimit: 100 })).tasks.map((task) => task.id);
    expect(matched).toContain(emails[3]);
    expect(matched.every((id) => id.startsWith(prefix))).toBe(true);
  });

  test("a FAILED or CANCELLED list reads only rows of that status, through the failed index", async () => {
    await prisma.taskResult.update({ where: { id: emails[0]! }, data: { status: "FAILED", errors: [{ exceptionClass: "Boom", message: "it broke", traceback: "" }] } });
    await prisma.$tasks.cancel(emails[1]!);
    const failed = await list({ status: "FAILED", limit: 25, scanLimit: 1 });
    expect(failed.tasks.map((task) => [task.id, task.lastError])).toEqual([[emails[0], { exceptionClass: "Boom", message: "it broke" }]]);
    // One row read found it among 60: the scan reads failed rows only. Nothing older is left after it.
    expect(await list({ status: "FAILED", before: failed.next, limit: 25, scanLimit: 1 })).toEqual({ tasks: [], next: undefined, scanLimited: false });
    const cancelled = await list({ status: "CANCELLED", limit: 25, scanLimit: 1000 });
    expect(cancelled.tasks.map((task) => task.id)).toEqual([emails[1]]);
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the dashboard's other queries on %s", (provider) => {
  test("count, backlog, recent activity, running tasks, detail and delete answer from the rows as they are", async () => {
    const app = await dashboardApp(provider);
    const { prisma } = app;
    const dashboard = dashboardDialect(prisma);
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const done = await prisma.$tasks.enqueue(sendEmail, { to: "ada@example.com" });
    const later = await prisma.$tasks.enqueue(generateReport, { month: "2026-12" }, { runAfter: 3_600_000 });
    const ready = await prisma.$tasks.enqueueMany(generateReport, [{ month: "2026-10" }, { month: "2026-11" }]);
    // One task finishes COMPLETE by the hand of worker "w-done"; one is held RUNNING by worker "w-busy".
    const [claimed] = await dialect.claimTasks(sql, { queues: ["emails"], backend: undefined, taskNames: [sendEmail.name], leaseMs: 60_000, limit: 1, workerId: "w-done" });
    expect(claimed!.id).toBe(done.id);
    await dialect.recordOutcomes(sql, "w-done", [{ id: done.id, attempt: 1, status: "COMPLETE", returnValue: { json: '"sent"', meta: null }, finishedAt: new Date() }]);
    const [running] = await dialect.claimTasks(sql, { queues: ["reports"], backend: undefined, taskNames: [generateReport.name], leaseMs: 60_000, limit: 1, workerId: "w-busy" });

    const counts = await dashboard.countTasks(sql);
    expect(counts.map(({ queueName, status, count }) => ({ queueName, status, count })).sort((a, b) => a.queueName.localeCompare(b.queueName))).toEqual([
      { queueName: "emails", status: "COMPLETE", count: 1 },
      { queueName: "reports", status: "RUNNING", count: 1 },
    ]);
    const backlog = await dashboard.queueBacklog(sql, new Date());
    expect(backlog.map(({ queueName, ready, scheduled }) => ({ queueName, ready, scheduled }))).toEqual([{ queueName: "reports", ready: 1, scheduled: 1 }]);
    expect(backlog[0]!.oldestReadyAt).toBeInstanceOf(Date);

    const activity = await dashboard.recentActivity(sql, new Date(Date.now() - 3_600_000));
    expect(activity.perMinute.reduce((sum, minute) => sum + minute.complete, 0)).toBe(1);
    expect(activity.perMinute.every((minute) => minute.minute.getUTCSeconds() === 0 && !Number.isNaN(minute.minute.getTime()))).toBe(true);
    expect(activity.byTask).toEqual([{ taskName: sendEmail.name, complete: 1, failed: 0 }]);
    expect(activity.workers.map(({ workerId, running, complete }) => ({ workerId, running, complete })).sort((a, b) => a.workerId.localeCompare(b.workerId))).toEqual([
      { workerId: "w-busy", running: 1, complete: 0 },
      { workerId: "w-done", running: 0, complete: 1 },
    ]);
    expect(activity.workers.every((worker) => !Number.isNaN(worker.lastSeenAt.getTime()))).toBe(true);

    const [shown] = await dashboard.runningTasks(sql, 10);
    expect(shown).toMatchObject({ id: running!.id, workerId: "w-busy", attempt: 1, cancelRequested: false });
    expect(shown!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());

    const detail = await dashboard.taskDetail(sql, running!.id);
    expect(detail).toMatchObject({ id: running!.id, status: "RUNNING", lockedBy: "w-busy" });
    expect(detail!.heartbeatAt).toBeInstanceOf(Date);
    expect(await dashboard.taskDetail(sql, later.id)).toMatchObject({ status: "NEW", heartbeatAt: null, leaseExpiresAt: null });

    expect(await dashboard.deleteTask(sql, running!.id)).toBe("running");
    expect(await dashboard.deleteTask(sql, later.id)).toBeUndefined();
    expect(await dashboard.deleteTask(sql, later.id)).toBe("missing");
    expect(ready.map((result) => result.id)).toContain(running!.id);
    await app.close();
  });
});
