// The README's schedules example, run: a worker backfills the monthly report missed since the last stored slot, with
// the args of its slot, and `tasks-worker schedules` lists both schedules.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import { Worker } from "prisma-tasks";
import { expect, it } from "vitest";
import { prisma } from "./prisma.js";
import { monthBefore } from "./schedules.js";

it("makes up the monthly report missed while no worker ran, once, for the month before its slot", async () => {
  // The last two slots of the monthly report: the older stored by a worker that ran then, the newer missed.
  const [missed, stored] = new Cron("0 3 1 * *", { timezone: "Europe/Paris" }).previousRuns(2, new Date());
  await prisma.taskResult.deleteMany({ where: { scheduleKey: "monthly-report" } });
  await prisma.taskResult.create({ data: { id: randomUUID(), taskName: "reports.generate", args: { month: monthBefore(stored!) }, scheduleKey: "monthly-report", scheduledAt: stored!, status: "COMPLETE" } });

  const worker = new Worker({ prisma, startupDelay: false, interval: 0.1 });
  const running = worker.run();
  let made;
  for (let waited = 0; waited < 20_000 && made?.status !== "COMPLETE"; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    made = await prisma.taskResult.findFirst({ where: { scheduleKey: "monthly-report", scheduledAt: missed! } });
  }
  await worker.stop();
  await running;

  expect(made).toMatchObject({ status: "COMPLETE", taskName: "reports.generate", args: { month: monthBefore(missed!) } });
  expect(await prisma.taskResult.count({ where: { scheduleKey: "monthly-report" } })).toBe(2);
});

it("tasks-worker schedules lists each schedule with its last slot and next three", () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/worker/bin.ts", "schedules", "--config", "examples/tasks.config.ts"], {
    env: process.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^monthly-report: task=reports\.generate cron="0 3 1 \* \*" tz=Europe\/Paris backfill=3456000000ms\n {2}last slot: \S+\n {2}next slots: \S+, \S+, \S+\n/);
  expect(run.stdout).toMatch(/\nreports\.countSignups: task=reports\.countSignups cron="0 \* \* \* \*" tz=UTC\n {2}last slot: (none yet|\S+)\n {2}next slots: \S+, \S+, \S+\n$/);
});
