// Unique tasks: one waiting task per key, however often and from wherever it is enqueued.
import { UniqueKeyHeld } from "prisma-tasks";
import { prisma } from "./prisma.js";
import { generateReport, syncProfile } from "./tasks.js";

export async function uniqueTasks(userId: number) {
  // The task's key (profile:<userId>), with onConflict "replace": the second enqueue updates the waiting sync.
  const sync = await prisma.$tasks.enqueue(syncProfile, { userId, reason: "signed up" });
  const updated = await prisma.$tasks.enqueue(syncProfile, { userId, reason: "changed email" });
  // updated.id === sync.id, updated.replaced === true, updated.args.reason === "changed email"

  // A key for this enqueue alone (onConflict "skip", the default): a report asked for twice is made once.
  const report = await prisma.$tasks.enqueue(generateReport, { month: "2026-07" }, { uniqueKey: "report:2026-07" });
  const same = await prisma.$tasks.enqueue(generateReport, { month: "2026-07" }, { uniqueKey: "report:2026-07" });
  // same.id === report.id, same.deduplicated === true

  // In bulk: one task per key; each result says whether its item was stored, deduplicated or replaced.
  const batch = await prisma.$tasks.enqueueMany(syncProfile, [
    { userId, reason: "nightly" },
    { userId: userId + 1, reason: "nightly" },
  ]);

  // A retry takes its key back, so it is refused while another task holds the key.
  await report.cancel();
  const again = await prisma.$tasks.enqueue(generateReport, { month: "2026-07" }, { uniqueKey: "report:2026-07" });
  const refused = await report.retry().catch((error: unknown) => {
    if (error instanceof UniqueKeyHeld) return error; // error.holderId === again.id
    throw error;
  });
  return { sync, updated, report, same, batch, again, refused };
}
