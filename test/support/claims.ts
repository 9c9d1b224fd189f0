// Tasks claimed straight through the dialect, as a worker would, for tests of the worker's parts.
import { runtimeOf } from "../../src/tasks-client.js";
import type { StoredTask } from "../../src/dialects/types.js";
import { record } from "../fixtures/tasks.js";
import type { TasksPrisma } from "./app.js";

/** Enqueues `count` record tasks and claims them all for `workerId` with a lease of `leaseMs`. */
export async function claimRecords(prisma: TasksPrisma, count: number, workerId: string, leaseMs = 60_000): Promise<StoredTask[]> {
  const stamp = Date.now();
  await prisma.$tasks.enqueueMany(record, Array.from({ length: count }, (_, i) => ({ key: `${workerId}-${stamp}-${i}` })));
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  const tasks = await dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames: [record.name], leaseMs, limit: count, workerId });
  if (tasks.length !== count) throw new Error(`claimed ${tasks.length} of ${count} tasks`);
  return tasks;
}
