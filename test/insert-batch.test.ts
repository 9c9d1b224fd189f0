// Specification of a batch insert (the dialects' insertTasks, which enqueueMany uses): a batch whose tasks differ in
// name, queue, priority, times, attempts and trace context stores each row with its own values, args included, however
// the rows interleave. PostgreSQL sends the rows as column arrays plus the values runs of tasks share, so this pins that
// each row points at its own shared values and that text survives the array literal.
import { afterAll, describe, expect, test } from "vitest";
import type { NewTask } from "../src/dialects/types.js";
import { newTaskId } from "../src/ids.js";
import { serialize } from "../src/serialization.js";
import { runtimeOf } from "../src/tasks-client.js";
import { scheduleTasks } from "./fixtures/schedule-tasks.js";
import { createApp } from "./support/app.js";
import type { Provider } from "./support/databases.js";

const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

/** Args that an array literal or a JSON record could mangle: quotes, backslashes, braces, commas, NULL, blanks. */
const AWKWARD = ['a"b', "back\\slash", "NULL", "{x,y}", " spaced ", "'q'", '\\"', "é\u2028", "", '"}"'];

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("a batch insert on %s", (provider) => {
  test("stores each row's own values when its tasks differ and interleave", async () => {
    const { prisma } = await createApp(provider, { tasks: scheduleTasks });
    opened.push(() => prisma.$disconnect());
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const base = Date.now() - 60_000;
    const tasks: NewTask[] = Array.from({ length: 60 }, (_, i) => ({
      id: newTaskId(base + i),
      taskName: i % 2 === 0 ? "test.tick" : "test.dailyReport",
      queueName: ["default", "emails", "reports"][i % 3]!,
      backend: "default",
      priority: i % 4,
      args: serialize(i % 5 === 0 ? undefined : { text: AWKWARD[i % AWKWARD.length], n: i, at: new Date(base + i) }, "test", "args"),
      runAfter: new Date(base + (i % 7) * 1000),
      enqueuedAt: new Date(base + (i % 2) * 1000),
      maxAttempts: 1 + (i % 3),
      uniqueKey: null,
      uniqueWhile: null,
      traceContext: i % 6 === 0 ? null : `00-trace-${i % 2}-"\\`,
    }));
    await dialect.insertTasks(sql, tasks);

    const rows = await prisma.taskResult.findMany();
    expect(rows).toHaveLength(tasks.length);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const task of tasks) {
      const row = byId.get(task.id)!;
      expect({
        taskName: row.taskName,
        queueName: row.queueName,
        priority: row.priority,
        runAfter: row.runAfter.getTime(),
        enqueuedAt: row.enqueuedAt.getTime(),
        maxAttempts: row.maxAttempts,
        traceContext: row.traceContext,
        status: row.status,
        args: row.args,
        argsMeta: row.argsMeta,
      }).toEqual({
        taskName: task.taskName,
        queueName: task.queueName,
        priority: task.priority,
        runAfter: task.runAfter.getTime(),
        enqueuedAt: task.enqueuedAt.getTime(),
        maxAttempts: task.maxAttempts,
        traceContext: task.traceContext,
        status: "NEW",
        args: task.args.json,
        argsMeta: task.args.meta,
      });
    }
  });
});
