// The app's client with prisma-tasks installed: $tasks on it and on every transaction client.
import { withTasks } from "prisma-tasks";
import { db } from "./db.js";
import { countSignups, schedules } from "./schedules.js";
import { allTasks } from "./tasks.js";

export const prisma = db.$extends(
  withTasks({
    tasks: [...allTasks, countSignups],
    schedules,
    backends: { default: { backend: "database", queues: ["default", "emails"] } },
  }),
);
