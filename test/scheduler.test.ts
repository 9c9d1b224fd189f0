// Specification of the scheduler: each due slot stored once however many schedulers tick (their clocks apart), backfill
// from the key's last stored slot, skipped slots, changed and removed schedules, ctx.scheduledAt and prune; driven by a
// clock of the test's own on real databases.
import { afterAll, describe, expect, test } from "vitest";
import { InvalidConfig, Worker, type LogEntry, type ScheduleConfig } from "../src/index.js";
import { resolveSchedules, scheduleStatuses, type Schedule } from "../src/schedules.js";
import { TaskRegistry } from "../src/task.js";
import { runtimeOf } from "../src/tasks-client.js";
import { runUntilIdle } from "../src/testing.js";
import { pruneTasks } from "../src/worker/prune.js";
import { ON_TIME_MS, Scheduler } from "../src/worker/scheduler.js";
import { dailyReport, scheduleTasks, tick } from "./fixtures/schedule-tasks.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import type { Provider } from "./support/databases.js";

const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

const registry = new TaskRegistry(scheduleTasks);
const schedulesOf = (configs: unknown) => resolveSchedules(configs, registry);

/** A whole minute an hour ago: the tests' clocks start there, so slots are in the past and their tasks ready. */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the scheduler on %s", (provider) => {
  async function app(schedules: readonly ScheduleConfig[]) {
    const created = await createApp(provider, { tasks: scheduleTasks, schedules });
    opened.push(created.close);
    return created;
  }

  /** A scheduler of the app's schedules (or others on its database) whose clock reads `clock.now`. */
  function scheduler(prisma: TasksPrisma, clock: { now: number }, schedules?: readonly Schedule[]) {
    const runtime = runtimeOf(prisma.$tasks);
    const log: LogEntry[] = [];
    const made = new Scheduler({ schedules: schedules ?? runtime.schedules, dialect: runtime.dialect, sql: runtime.sql, log: (entry) => log.push(entry), now: () => clock.now });
    return Object.assign(made, { log });
  }

  async function slotsOf(prisma: TasksPrisma, key: string): Promise<string[]> {
    const rows = await prisma.taskResult.findMany({ where: { scheduleKey: key }, orderBy: { scheduledAt: "asc" } });
    for (const row of rows) expect(row.runAfter.getTime()).toBe(row.scheduledAt!.getTime());
    return rows.map((row) => row.scheduledAt!.toISOString());
  }

  const seconds = (...list: number[]) => list.map((each) => at(each).toISOString());

  test("each slot is stored once however many schedulers tick, their clocks 3 s apart", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "every-second" }]);
    const clock = { now: T0 + 500 };
    const ahead = { now: T0 + 3_500 };
    const a = scheduler(prisma, clock);
    const b = scheduler(prisma, clock);
    const skewed = scheduler(prisma, ahead);
    await Promise.all([a.tick(), b.tick(), skewed.tick()]);
    for (let step = 0; step < 6; step++) {
      clock.now += 1_000;
      ahead.now += 1_000;
      await Promise.all([a.tick(), b.tick(), skewed.tick()]);
    }
    // The skewed scheduler went first for the slots from 4 s on; the others found them stored.
    expect(await slotsOf(prisma, "every-second")).toEqual(seconds(1, 2, 3, 4, 5, 6, 7, 8, 9));
  });

  // A later release may keep only scheduled rows in the slot index; this release's insert names that predicate in its
  // conflict target, so its workers keep storing each slot once through that migration (a rolling upgrade).
  test.skipIf(provider === "mysql")("each slot is stored once against a slot index of scheduled rows only", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "partial-index" }]);
    await prisma.$executeRawUnsafe("DROP INDEX task_results_schedule_slot_key");
    await prisma.$executeRawUnsafe(
      "CREATE UNIQUE INDEX task_results_schedule_slot_key ON task_results (schedule_key, scheduled_at) WHERE schedule_key IS NOT NULL",
    );
    const clock = { now: T0 + 500 };
    const [a, b] = [scheduler(prisma, clock), scheduler(prisma, clock)];
    await Promise.all([a.tick(), b.tick()]);
    for (let step = 0; step < 3; step++) {
      clock.now += 1_000;
      await Promise.all([a.tick(), b.tick()]);
    }
    expect(await slotsOf(prisma, "partial-index")).toEqual(seconds(1, 2, 3));
    expect([...a.log, ...b.log].filter((entry) => entry.level !== "info")).toEqual([]);
  });

  /** Stores the key's slot at `second` as a run before the test's would have: its last stored slot. */
  async function storedSlot(prisma: TasksPrisma, second: number) {
    const { dialect, sql, schedules } = runtimeOf(prisma.$tasks);
    await dialect.insertScheduledTasks(sql, [schedules[0]!.taskFor(at(second), at(second))]);
  }

  test("schedulers started after a 10-slot gap backfill exactly those slots, once each, with 3 starting at once", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "gap", backfill: 60_000 }]);
    await storedSlot(prisma, 0);
    const restart = { now: T0 + 10_400 };
    const workers = [scheduler(prisma, restart), scheduler(prisma, restart), scheduler(prisma, restart)];
    await Promise.all(workers.map((worker) => worker.tick()));
    expect(await slotsOf(prisma, "gap")).toEqual(seconds(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    // Backfilled oldest first: the claim order (run_after) runs slot 1 first.
    restart.now += 1_000;
    await workers[0]!.tick();
    expect(await slotsOf(prisma, "gap")).toEqual(seconds(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
  });

  test("without backfill, schedulers started after a gap enqueue none of its slots, only those after they start", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "no-backfill" }]);
    await storedSlot(prisma, 0);
    const restart = { now: T0 + 10_400 };
    const workers = [scheduler(prisma, restart), scheduler(prisma, restart), scheduler(prisma, restart)];
    await Promise.all(workers.map((worker) => worker.tick()));
    expect(await slotsOf(prisma, "no-backfill")).toEqual(seconds(0));
    restart.now += 1_000;
    await Promise.all(workers.map((worker) => worker.tick()));
    expect(await slotsOf(prisma, "no-backfill")).toEqual(seconds(0, 11));
  });

  test("backfill reaches back no further than its window, and says what it skipped", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "window", backfill: 5_000 }]);
    await storedSlot(prisma, 0);
    const worker = scheduler(prisma, { now: T0 + 10_400 });
    await worker.tick();
    expect(await slotsOf(prisma, "window")).toEqual(seconds(0, 6, 7, 8, 9, 10));
    expect(worker.log.find((entry) => entry.event === "schedule-skipped")?.message).toBe(
      `schedule "window" skipped the slots from ${at(1).toISOString()} to ${new Date(T0 + 5_400).toISOString()}: missed by more than its backfill of 5000 ms`,
    );
  });

  test("a long backfill takes 500 slots a tick and holds back no other schedule's slots", async () => {
    const { prisma } = await app([
      { task: tick, cron: "* * * * * *", key: "long-backfill", backfill: 3_600_000 },
      { task: tick, cron: "* * * * * *", key: "on-time" },
    ]);
    await storedSlot(prisma, 0);
    // A worker starts 20 minutes later: 1,200 slots to backfill, while the other schedule's slot is due each second.
    const clock = { now: T0 + 1_200_500 };
    const worker = scheduler(prisma, clock);
    await worker.tick();
    clock.now += 1_000;
    await worker.tick();
    expect(await slotsOf(prisma, "on-time")).toEqual(seconds(1_201));
    expect(await slotsOf(prisma, "long-backfill")).toEqual(seconds(...Array.from({ length: 1_001 }, (_, i) => i)));
    clock.now += 1_000;
    await worker.tick();
    expect(await slotsOf(prisma, "on-time")).toEqual(seconds(1_201, 1_202));
    expect((await slotsOf(prisma, "long-backfill")).length).toBe(1_203);
    expect(worker.log.map((entry) => entry.event)).not.toContain("schedule-skipped");
  });

  test(`a running scheduler that falls behind enqueues the slots of the last ${ON_TIME_MS / 1000} s and skips older ones`, async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "late" }]);
    const clock = { now: T0 + 500 };
    const worker = scheduler(prisma, clock);
    await worker.tick();
    clock.now = T0 + 8_500;
    await worker.tick();
    expect(await slotsOf(prisma, "late")).toEqual(seconds(4, 5, 6, 7, 8));
    expect(worker.log.map((entry) => entry.event)).toContain("schedule-skipped");
  });

  test("a changed cron applies from the key's next slot; a schedule removed from the config enqueues nothing more", async () => {
    const { prisma } = await app([{ task: tick, cron: "*/2 * * * * *", key: "report" }]);
    const before = { now: T0 + 500 };
    const old = scheduler(prisma, before);
    await old.tick();
    before.now = T0 + 4_500;
    await old.tick();
    expect(await slotsOf(prisma, "report")).toEqual(seconds(2, 4));

    const changed = schedulesOf([{ task: tick, cron: "* * * * * *", key: "report", backfill: 60_000 }]);
    await scheduler(prisma, { now: T0 + 7_500 }, changed).tick();
    expect(await slotsOf(prisma, "report")).toEqual(seconds(2, 4, 5, 6, 7));

    const removed = schedulesOf([{ task: tick, cron: "* * * * * *", key: "another" }]);
    const after = { now: T0 + 8_500 };
    const other = scheduler(prisma, after, removed);
    await other.tick();
    after.now += 2_000;
    await other.tick();
    expect(await slotsOf(prisma, "report")).toEqual(seconds(2, 4, 5, 6, 7));
    expect(await slotsOf(prisma, "another")).toEqual(seconds(9, 10));
  });

  test("the task sees its slot as ctx.scheduledAt; a task enqueued otherwise sees undefined", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "ctx" }]);
    const clock = { now: T0 + 500 };
    const worker = scheduler(prisma, clock);
    await worker.tick();
    clock.now += 2_000;
    await worker.tick();
    const plain = await prisma.$tasks.enqueue(tick, undefined);
    await runUntilIdle(prisma);
    const rows = await prisma.taskResult.findMany({ where: { taskName: tick.name }, orderBy: { runAfter: "asc" } });
    expect(rows.map((row) => [row.status, row.scheduleKey, (row.returnValue as { scheduledAt: string | null }).scheduledAt])).toEqual([
      ["COMPLETE", "ctx", at(1).toISOString()],
      ["COMPLETE", "ctx", at(2).toISOString()],
      ["COMPLETE", null, null],
    ]);
    expect(await plain.refresh()).toMatchObject({ status: "COMPLETE", scheduleKey: null, scheduledAt: null });
    expect(await prisma.$tasks.getResult(rows[0]!.id)).toMatchObject({ scheduleKey: "ctx", scheduledAt: at(1) });
  });

  test("a slot whose args function throws or gives args the task refuses is logged and skipped; the others are enqueued", async () => {
    const args = (slot: Date) => {
      const second = (slot.getTime() - T0) / 1000;
      if (second === 2) throw new Error("no report on second 2");
      return { day: second === 3 ? "not a day" : slot.toISOString().slice(0, 10) };
    };
    const { prisma } = await app([{ task: dailyReport, cron: "* * * * * *", key: "daily", args }]);
    const clock = { now: T0 + 500 };
    const worker = scheduler(prisma, clock);
    await worker.tick();
    clock.now += 3_000;
    await worker.tick();
    expect(await slotsOf(prisma, "daily")).toEqual(seconds(1));
    clock.now += 1_000;
    await worker.tick();
    expect(await slotsOf(prisma, "daily")).toEqual(seconds(1, 4));
    const failures = worker.log.filter((entry) => entry.event === "schedule-args-failed");
    expect(failures.map((entry) => [entry.message, entry.error])).toEqual([
      [`schedule "daily" could not make its task for slot ${at(2).toISOString()}; the slot is skipped`, "no report on second 2"],
      [`schedule "daily" could not make its task for slot ${at(3).toISOString()}; the slot is skipped`, expect.stringMatching(/invalid arguments/)],
    ]);
  });

  test("prune keeps the newest row of each schedule key, so a backfill after it does not enqueue slots that ran", async () => {
    const { prisma } = await app([{ task: tick, cron: "* * * * * *", key: "pruned", backfill: 3_600_000 }]);
    await storedSlot(prisma, 0);
    const clock = { now: T0 + 500 };
    const worker = scheduler(prisma, clock);
    await worker.tick();
    clock.now += 3_000;
    await worker.tick();
    await prisma.$tasks.enqueue(tick, undefined);
    await runUntilIdle(prisma);
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const future = new Date(Date.now() + 60_000);
    expect(await pruneTasks(dialect, sql, { completeBefore: future, failedBefore: future, queues: "*" })).toEqual({ complete: 4, failed: 0 });
    expect(await slotsOf(prisma, "pruned")).toEqual(seconds(3));
    expect(await prisma.taskResult.count()).toBe(1);

    await scheduler(prisma, { now: T0 + 3_700 }).tick();
    expect(await slotsOf(prisma, "pruned")).toEqual(seconds(3));
  });

  test("a schedule's status has its key, cron, time zone, last stored slot and next slots", async () => {
    const { prisma } = await app([
      { task: tick, cron: "* * * * * *", key: "stored" },
      { task: tick, cron: "0 3 * * *", key: "nightly", tz: "Asia/Tokyo" },
    ]);
    await storedSlot(prisma, 7);
    const { dialect, sql, schedules } = runtimeOf(prisma.$tasks);
    const now = new Date("2026-06-01T12:00:00Z");
    const statuses = await scheduleStatuses(schedules, (keys) => dialect.lastScheduledSlots(sql, keys), 3, now);
    expect(statuses).toEqual([
      { key: "stored", taskName: "test.tick", cron: "* * * * * *", tz: "UTC", backfill: undefined, lastSlot: at(7), nextSlots: [1, 2, 3].map((s) => new Date(now.getTime() + s * 1000)) },
      {
        key: "nightly",
        taskName: "test.tick",
        cron: "0 3 * * *",
        tz: "Asia/Tokyo",
        backfill: undefined,
        lastSlot: undefined,
        nextSlots: ["2026-06-01T18:00:00.000Z", "2026-06-02T18:00:00.000Z", "2026-06-03T18:00:00.000Z"].map((iso) => new Date(iso)),
      },
    ]);
  });
}, 60_000);

describe("a scheduler whose insert fails", () => {
  /** Runs a scheduler whose every insert throws `error` until it has failed twice; returns its database-error count. */
  async function failing(error: Error): Promise<{ databaseErrors: number; levels: string[] }> {
    const [schedule] = schedulesOf([{ task: tick, cron: "* * * * * *", key: "failing" }]);
    const log: LogEntry[] = [];
    let databaseErrors = 0;
    let failures = 0;
    let failedTwice: () => void = () => {};
    const done = new Promise<void>((resolve) => (failedTwice = resolve));
    const made = new Scheduler({
      schedules: [schedule!],
      dialect: {
        insertScheduledTasks: async () => {
          if (++failures === 2) failedTwice();
          throw error;
        },
        lastScheduledSlots: async () => new Map(),
      },
      sql: undefined as never,
      log: (entry) => log.push(entry),
      onDatabaseError: () => databaseErrors++,
    });
    made.start();
    await done;
    await made.stop();
    return { databaseErrors, levels: log.filter((entry) => entry.event === "schedules-failed").map((entry) => entry.level) };
  }

  test("tells the rescuer to hold back for an outage, and not for a refusal that would repeat forever", async () => {
    const outage = await failing(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }));
    expect(outage.databaseErrors).toBeGreaterThan(0);
    expect(outage.levels[0]).toBe("warn");
    // A trigger that refuses scheduled rows: were it an outage, every worker's rescuer would stop for good.
    const refusal = await failing(Object.assign(new Error("scheduled rows are refused here"), { code: "P0001" }));
    expect(refusal.databaseErrors).toBe(0);
    expect(refusal.levels.length).toBeGreaterThan(0);
    expect(refusal.levels.every((level) => level === "error")).toBe(true);
  }, 30_000);
});

test("a worker's schedules option must be true or false", async () => {
  const app = await createApp("sqlite", { tasks: scheduleTasks });
  opened.push(app.close);
  expect(() => new Worker({ prisma: app.prisma, schedules: "no" as never })).toThrow(InvalidConfig);
  expect(() => new Worker({ prisma: app.prisma, schedules: "no" as never })).toThrow('Worker option schedules: "no" must be true or false.');
});
