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
}

export function defineConfig<P>(config: TasksWorkerConfig<P>): TasksWorkerConfig<P> {
  if (typeof config !== "object" || config === null || config.prisma === undefined) {
    throw new InvalidConfig("defineConfig needs { prisma }: the client extended with withTasks, or a function returning it.");
  }
  return config;
}
