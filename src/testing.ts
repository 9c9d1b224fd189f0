// Helpers for users' own test suites: run queued tasks to the end in-process, read what a dummy backend recorded.
import type { TaskResult } from "./result.js";
import type { AnyTask, ArgsOf, ReturnOf } from "./task.js";
import type { TasksClient } from "./tasks-client.js";
import { Worker } from "./worker/worker.js";
import type { WorkerOptions } from "./worker/options.js";

/**
 * Runs every ready task of the database backend in this process and resolves once none is left (tasks they
 * enqueue included). For tests: the same engine as `tasks-worker`, without its start-up delay or polling wait, and
 * without its scheduler (a test's run would enqueue whichever schedule slots fall due meanwhile): `{ schedules: true }`
 * runs it.
 */
export async function runUntilIdle(prisma: { $tasks: TasksClient }, options: WorkerOptions = {}): Promise<void> {
  await new Worker({ queues: "*", schedules: false, ...options, prisma, batch: true, startupDelay: false, interval: 0.05 }).run();
}

/** What a dummy backend recorded, optionally only for one task: newest last. */
export function enqueued<T extends AnyTask>(
  prisma: { $tasks: TasksClient },
  task?: T,
  alias = "default",
): TaskResult<ArgsOf<T>, ReturnOf<T>>[] {
  const results = prisma.$tasks.dummy(alias).results;
  return (task ? results.filter((result) => result.taskName === task.name) : results) as TaskResult<ArgsOf<T>, ReturnOf<T>>[];
}
