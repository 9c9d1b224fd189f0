// Calling tasks: enqueue, delay, override, enqueue in bulk, and read results back.
import { prisma } from "./prisma.js";
import { chargeCard, generateReport } from "./tasks.js";

export async function callingTasks() {
  // Runs as soon as a worker is free.
  const report = await prisma.$tasks.enqueue(generateReport, { month: "2026-11" });

  // Runs no sooner than five minutes from now (a Date works too).
  await prisma.$tasks.enqueue(generateReport, { month: "2026-10" }, { runAfter: 5 * 60_000 });

  // Same task, another queue and priority, for this call only.
  const urgent = generateReport.using({ queueName: "default", priority: 50 });
  await prisma.$tasks.enqueue(urgent, { month: "2026-09" });

  // Many at once: one INSERT, all or nothing.
  const charges = await prisma.$tasks.enqueueMany(chargeCard, [
    { orderId: 1, cents: 1_999 },
    { orderId: 2, cents: 4_500 },
  ]);

  // Later: read the outcome back.
  await report.refresh();
  const same = await prisma.$tasks.getResult(report.id);
  return { report, same, charges };
}
