// The README's unique tasks example, run: replaced, deduplicated, a batch, and a retry refused while the key is held.
import { UniqueKeyHeld } from "prisma-tasks";
import { expect, it } from "vitest";
import { db } from "./db.js";
import { uniqueTasks } from "./unique.js";

it("keeps one waiting task per key and says what became of each enqueue", async () => {
  const user = await db.user.create({ data: { email: `unique-${Date.now()}@example.com` } });
  const { sync, updated, report, same, batch, again, refused } = await uniqueTasks(user.id);

  expect(updated).toMatchObject({ id: sync.id, replaced: true, args: { userId: user.id, reason: "changed email" } });
  expect(same).toMatchObject({ id: report.id, deduplicated: true });
  expect(batch.map((result) => [result.id === sync.id, result.replaced])).toEqual([
    [true, true],
    [false, false],
  ]);
  expect(refused).toBeInstanceOf(UniqueKeyHeld);
  expect(refused).toMatchObject({ holderId: again.id });
  expect(report.status).toBe("CANCELLED");
});
