// The README's examples, run: sign-up in a transaction, the calling patterns, and the worker on examples' config.
import { spawnSync } from "node:child_process";
import { runUntilIdle } from "prisma-tasks/testing";
import { describe, expect, it } from "vitest";
import { callingTasks } from "./calling.js";
import { prisma } from "./prisma.js";
import { signUp } from "./signup.js";

describe("the examples", () => {
  it("sign up a user and their welcome email together, and the worker sends it", async () => {
    const user = await signUp(`reader-${Date.now()}@example.com`);
    const [email] = await prisma.taskResult.findMany({ where: { taskName: "accounts.sendWelcomeEmail", args: { equals: { userId: user.id } } } });
    expect(email?.status).toBe("NEW");
    await runUntilIdle(prisma);
    const sent = await prisma.$tasks.getResult(email!.id);
    expect(sent.returnValue).toEqual({ sentTo: user.email });
  });

  it("enqueue, delay, override, bulk-enqueue and read back", async () => {
    const { report, same, charges } = await callingTasks();
    expect(same.id).toBe(report.id);
    expect(charges).toHaveLength(2);
    const delayed = await prisma.taskResult.findFirst({ where: { args: { equals: { month: "2026-10" } } } });
    expect(delayed!.runAfter.getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
    const urgent = await prisma.taskResult.findFirst({ where: { args: { equals: { month: "2026-09" } } } });
    expect(urgent!.priority).toBe(50);
  });

  it("tasks.config.ts runs with npx tasks-worker", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/worker/bin.ts", "--config", "examples/tasks.config.ts", "--batch", "--no-startup-delay", "--queue", "*"],
      { env: process.env, encoding: "utf8", timeout: 60_000 },
    );
    expect(run.stderr).not.toMatch(/tasks-worker:/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/started: queues=\* \(all\) concurrency=10/);
  });
});
