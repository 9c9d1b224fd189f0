// defineConfig(): what tasks.config.ts exports for `tasks-worker`: the extended Prisma client and worker defaults.
import { InvalidConfig } from "./errors.js";
import type { AnyTask } from "./task.js";
import type { WorkerOptions } from "./worker/options.js";

export interface TasksWorkerConfig<P = unknown> {
  /** The Prisma client extended with withTasks(...), or a function that returns it (called once, at start). */
  prisma: P | (() => P | Promise<P>);
  /** The tasks this worker runs; each must also be given to withTasks. Optional: withTasks already lists them. */
  tasks?: readonly AnyTask[];
  /** Defaults for the worker; command-line options override them. */
  worker?: WorkerOptions;
  /**
   * PostgreSQL: a URL to the database that bypasses the app's pooler, for the worker's own pool and LISTEN. By default
   * TASKS_DIRECT_URL, else DIRECT_URL where the client's URL cannot serve (a transaction-mode pooler, unreadable
   * settings). Without one, behind a transaction-mode pooler, the worker polls.
   */
  directUrl?: string;
}

export function defineConfig<P>(config: TasksWorkerConfig<P>): TasksWorkerConfig<P> {
  if (typeof config !== "object" || config === null || config.prisma === undefined) {
    throw new InvalidConfig("defineConfig needs { prisma }: the client extended with withTasks, or a function returning it.");
  }
  return config;
}
