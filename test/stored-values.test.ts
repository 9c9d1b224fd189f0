// Specification of values as rows keep them: a return value is stored as the task returned it, and a row whose meta
// column was broken by hand fails with an error that names the column and the task.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { CorruptStoredValue, TaskStatus, Worker, task, withTasks } from "../src/index.js";
import { runUntilIdle } from "../src/testing.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import { connect, type Provider, type TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";

/**
 * Returns a report of plain JSON (stored without a copy being made on the way), then changes it from a callback it
 * started: after the return, before any outcome is written.
 */
const changesAfterReturn = task({ name: "values.changesAfterReturn" }, async () => {
  const report = { status: "as returned", lines: [1] };
  setImmediate(() => {
    report.status = "changed after return";
    report.lines.push(2);
  });
  return report;
});

const greet = task({ name: "values.greet", args: z.object({ name: z.string() }) }, async ({ name }) => `hello ${name}`);

const tasks = [changesAfterReturn, greet];
const asReturned = { status: "as returned", lines: [1] };

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("stored values on %s", (provider) => {
  let database: TestDatabase;
  let prisma: TasksPrisma;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, prisma, close } = await createApp(provider, { tasks }));
  });

  afterAll(() => close());

  test("a return value changed after the task returned is stored as it was returned", async () => {
    const result = await prisma.$tasks.enqueue(changesAfterReturn);
    // A worker that keeps running writes outcomes on its own schedule, after the task's callback has run (a batch
    // worker running out of tasks writes at once, which would hide the difference).
    const worker = new Worker({ prisma, queues: "*", startupDelay: false, interval: 0.05 });
    const running = worker.run();
    await eventually("the task is COMPLETE", async () => (await result.refresh()).status === TaskStatus.COMPLETE);
    await worker.stop();
    await running;
    expect(result.status).toBe(TaskStatus.COMPLETE);
    expect(result.returnValue).toEqual(asReturned);
    const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } });
    expect(row.returnValue).toEqual(asReturned);
  });

  test("the immediate backend's result holds the value as it was returned", async () => {
    const immediate = connect(database).$extends(withTasks({ tasks, backends: { default: { backend: "immediate" } } }));
    try {
      const result = await immediate.$tasks.enqueue(changesAfterReturn);
      await new Promise((resolve) => setImmediate(resolve));
      expect(result.returnValue).toEqual(asReturned);
    } finally {
      await immediate.$disconnect();
    }
  });

  test("a row whose args_meta was broken by hand ends FAILED with CorruptStoredValue naming the column and the task", async () => {
    const result = await prisma.$tasks.enqueue(greet, { name: "Ada" });
    await prisma.taskResult.update({ where: { id: result.id }, data: { argsMeta: { values: ["no-such-type"] } } });

    await runUntilIdle(prisma);

    const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } });
    expect(row.status).toBe(TaskStatus.FAILED);
    const [error] = row.errors as { exceptionClass: string; message: string; traceback: string }[];
    expect(error!.exceptionClass).toBe("CorruptStoredValue");
    expect(error!.message).toContain(`Task "values.greet" (${result.id})`);
    expect(error!.message).toContain("args_meta");
    expect(error!.message).toContain("Unknown transformation: no-such-type");
    expect(error!.message).toContain("Fix:");
  });

  test("getResult of a row whose return_value_meta was broken by hand throws CorruptStoredValue naming the column", async () => {
    const result = await prisma.$tasks.enqueue(greet, { name: "Grace" });
    await runUntilIdle(prisma);
    await prisma.taskResult.update({ where: { id: result.id }, data: { returnValueMeta: { values: ["no-such-type"] } } });

    const error = await prisma.$tasks.getResult(result.id).then(
      () => expect.fail("expected getResult to reject"),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CorruptStoredValue);
    expect(error).toMatchObject({ taskId: result.id, taskName: "values.greet", column: "return_value_meta" });
  });
});
