// Schedules: tasks enqueued on a cron, one per slot, by whichever worker reaches the slot first.
import { schedule, task, type ScheduleConfig } from "prisma-tasks";
import { db } from "./db.js";
import { generateReport } from "./tasks.js";

/** "YYYY-MM" of the month before the slot's (the slot is the 1st at 03:00 in Paris: still the 1st in UTC). */
export function monthBefore(slot: Date): string {
  return new Date(Date.UTC(slot.getUTCFullYear(), slot.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

// ctx.scheduledAt is the slot this run is for, however late it starts (a busy queue, a backfilled slot).
export const countSignups = task({ name: "reports.countSignups" }, async (_args: void, ctx) => {
  const until = ctx.scheduledAt ?? new Date();
  const since = new Date(until.getTime() - 3_600_000);
  const signups = await db.user.count({ where: { createdAt: { gte: since, lt: until } } });
  return { since, until, signups };
});

// Given to withTasks({ tasks, schedules }) in prisma.ts; every `tasks-worker` runs them (unless --no-schedules).
// schedule() checks each entry's args against its own task's (a misspelt field does not compile).
export const schedules: ScheduleConfig[] = [
  schedule({
    task: generateReport,
    cron: "0 3 1 * *", // 03:00 on the 1st of each month...
    tz: "Europe/Paris", // ...in Paris (UTC by default)
    key: "monthly-report", // the task's name by default; a key per schedule of one task
    args: (slot: Date) => ({ month: monthBefore(slot) }),
    backfill: 40 * 24 * 3_600_000, // a slot missed while no worker ran is made up, up to 40 days late
  }),
  schedule({ task: countSignups, cron: "0 * * * *" }), // hourly; a slot missed is skipped (no backfill)
];
