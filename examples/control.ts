// Cancelling and retrying tasks: by id, through a result, and in bulk after an incident.
import { TaskStatus } from "prisma-tasks";
import { prisma } from "./prisma.js";
import { chargeCard, generateReport } from "./tasks.js";

export async function controllingTasks() {
  // A task that has not started never will: it is CANCELLED at once.
  const report = await prisma.$tasks.enqueue(generateReport, { month: "2026-08" }, { runAfter: 60 * 60_000 });
  await report.cancel();

  // By id. A task that has finished is left as it is; the result says how it ended.
  const same = await prisma.$tasks.cancel(report.id);

  // Changed our mind: back to NEW, its errors and attempts kept.
  await report.retry();

  // After an incident: every charge that failed in the last two hours runs again ({ dryRun: true } only lists them).
  const charges = await prisma.$tasks.retryMany({
    status: TaskStatus.FAILED,
    taskName: chargeCard.name,
    since: new Date(Date.now() - 2 * 60 * 60_000),
  });
  return { report, same, charges };
}
