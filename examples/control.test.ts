// The README's cancel and retry example, run: a waiting report cancelled and retried, failed charges retried in bulk.
import { runUntilIdle } from "prisma-tasks/testing";
import { expect, it } from "vitest";
import { controllingTasks } from "./control.js";
import { prisma } from "./prisma.js";
import { chargeCard } from "./tasks.js";

it("cancels a waiting report and retries it, and retries the charges that failed", async () => {
  const declined = await prisma.$tasks.enqueue(chargeCard, { orderId: 7, cents: 250_000 });
  // Three attempts, a quarter of a second apart and more: drain until the last one has failed.
  while (!(await declined.refresh()).isFinished) {
    await runUntilIdle(prisma);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const { report, same, charges } = await controllingTasks();

  expect(same.status).toBe("CANCELLED");
  expect(report.status).toBe("NEW");
  expect(report.errors.map((error) => error.exceptionClass)).toEqual(["TaskCancelled"]);
  expect(charges.ids).toEqual([declined.id]);
  expect(await declined.refresh()).toMatchObject({ status: "NEW", attempts: 3, maxAttempts: 4 });
});
