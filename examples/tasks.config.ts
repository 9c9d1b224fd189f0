// What `npx tasks-worker` loads: the extended client (and, optionally, worker defaults).
import { defineConfig } from "prisma-tasks";
import { prisma } from "./prisma.js";

export default defineConfig({
  prisma,
  worker: { concurrency: 10 },
});
