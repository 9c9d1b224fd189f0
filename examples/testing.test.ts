// Testing code that enqueues: the dummy backend records, the immediate backend runs, runUntilIdle drains.
import { withTasks } from "prisma-tasks";
import { enqueued, runUntilIdle } from "prisma-tasks/testing";
import { describe, expect, it } from "vitest";
import { db } from "./db.js";
import { prisma } from "./prisma.js";
import { allTasks, generateReport, sendWelcomeEmail } from "./tasks.js";

describe("with the dummy backend", () => {
  const app = db.$extends(withTasks({ tasks: allTasks, backends: { default: { backend: "dummy" } } }));

  it("records the welcome email a sign-up enqueues, and runs nothing", async () => {
    const user = await app.$transaction(async (tx) => {
      const created = await tx.user.create({ data: { email: `dummy-${Date.now()}@example.com` } });
      await tx.$tasks.enqueue(sendWelcomeEmail, { userId: created.id });
      return created;
    });
    const [email] = enqueued(app, sendWelcomeEmail);
    expect(email?.args).toEqual({ userId: user.id });
    expect(email?.status).toBe("NEW");
  });
});

describe("with the immediate backend", () => {
  const app = db.$extends(withTasks({ tasks: allTasks, backends: { default: { backend: "immediate" } } }));

  it("runs the task before enqueue resolves", async () => {
    const result = await app.$tasks.enqueue(generateReport, { month: "2026-11" });
    expect(result.status).toBe("COMPLETE");
    expect(result.returnValue.month).toBe("2026-11");
  });
});

describe("with the database backend", () => {
  it("runUntilIdle runs what was enqueued, in this process", async () => {
    const result = await prisma.$tasks.enqueue(generateReport, { month: "2026-12" });
    await runUntilIdle(prisma);
    await result.refresh();
    expect(result.status).toBe("COMPLETE");
  });
});
