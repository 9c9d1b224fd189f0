// Specification of schedules: the config withTasks checks (InvalidSchedule) and the slots a cron expression gives. The
// scheduler that enqueues them is specified in scheduler.test.ts, and with worker processes in schedule-workers.test.ts.
import { afterAll, describe, expect, test } from "vitest";
import { InvalidSchedule, withTasks } from "../src/index.js";
import { resolveSchedules } from "../src/schedules.js";
import { TaskRegistry } from "../src/task.js";
import { schedulerClock, TEST_CLOCK_OFFSET_ENV } from "../src/worker/scheduler.js";
import { dailyReport, scheduleTasks, tick } from "./fixtures/schedule-tasks.js";
import { connect, createDatabase } from "./support/databases.js";

const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

const registry = new TaskRegistry(scheduleTasks);
const schedulesOf = (configs: unknown) => resolveSchedules(configs, registry);

describe("schedule config", () => {
  test.each([
    { given: "a cron of 4 fields", config: { task: tick, cron: "* * * *" }, message: /Schedule "test.tick": cron must be a cron expression of 5 fields .*; got "\* \* \* \*"/ },
    { given: "a cron out of range", config: { task: tick, cron: "61 * * * *" }, message: /cron must be a cron expression .*minute/ },
    { given: "a cron that never matches", config: { task: tick, cron: "0 0 30 2 *" }, message: /cron never matches a date from now on/ },
    { given: "an unknown time zone", config: { task: tick, cron: "0 3 * * *", tz: "Mars/Olympus" }, message: /tz must be an IANA time zone name .*; got "Mars\/Olympus"/ },
    { given: "a task not given to withTasks", config: { task: { name: "nope", fn: () => 1 }, cron: "* * * * *" }, message: /schedules\[0\]: task must be one of the tasks given to withTasks/ },
    { given: "a backfill that is not a number of ms", config: { task: tick, cron: "* * * * *", backfill: "1h" }, message: /backfill must be a whole number of milliseconds .*; got "1h"/ },
    { given: "a negative backfill", config: { task: tick, cron: "* * * * *", backfill: -5 }, message: /backfill must be a whole number of milliseconds/ },
    { given: "a misspelt field", config: { task: tick, cron: "* * * * *", timezone: "UTC" }, message: /schedules\[0\]: timezone is not a schedule field; the fields are task, cron, tz, args, key, backfill/ },
    { given: "args the task refuses", config: { task: dailyReport, cron: "0 3 * * *", args: { day: "monday" } }, message: /Schedule "test.dailyReport": args must be args the task accepts: .*day/s },
    { given: "a blank key", config: { task: tick, cron: "* * * * *", key: " " }, message: /key must be a non-blank string/ },
  ])("$given is an InvalidSchedule naming the schedule, the field and the fix", ({ config, message }) => {
    expect(() => schedulesOf([config])).toThrow(InvalidSchedule);
    expect(() => schedulesOf([config])).toThrow(message);
  });

  test("two schedules with one key are refused; each schedule of one task needs a key of its own", () => {
    const config = [
      { task: tick, cron: "* * * * *" },
      { task: tick, cron: "0 * * * *" },
    ];
    expect(() => schedulesOf(config)).toThrow(/Schedule "test.tick": key is used by an earlier schedule/);
    expect(schedulesOf([config[0], { ...config[1], key: "hourly" }]).map((schedule) => schedule.key)).toEqual(["test.tick", "hourly"]);
  });

  test("withTasks refuses a bad schedule when it is called, before any client exists", () => {
    expect(() => withTasks({ tasks: scheduleTasks, schedules: [{ task: tick, cron: "every minute" }] })).toThrow(InvalidSchedule);
  });

  test("a schedule whose task goes to a backend without workers is refused when the client is extended", async () => {
    const database = await createDatabase("sqlite");
    const client = connect(database);
    opened.push(() => client.$disconnect());
    const extension = withTasks({ tasks: scheduleTasks, schedules: [{ task: tick, cron: "* * * * *" }], backends: { default: { backend: "immediate" } } });
    expect(() => client.$extends(extension)).toThrow(/task goes to backend "default", which is an immediate backend; workers run schedules/);
  });
});

describe("schedule slots", () => {
  test("slots between two times are those strictly after the first and up to the second, oldest first", () => {
    const [schedule] = schedulesOf([{ task: tick, cron: "*/10 * * * * *" }]);
    const from = new Date("2026-01-01T00:00:00.000Z");
    expect(schedule!.slotsBetween(from, new Date("2026-01-01T00:00:30.000Z"), 100).map((slot) => slot.toISOString())).toEqual([
      "2026-01-01T00:00:10.000Z",
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:30.000Z",
    ]);
    expect(schedule!.slotsBetween(from, new Date("2026-01-01T00:01:00.000Z"), 2)).toHaveLength(2);
  });

  test("a 5-field cron is read in its time zone, and DST transitions follow croner: a skipped time runs after the gap, a repeated one once", () => {
    const [paris] = schedulesOf([{ task: tick, cron: "30 2 * * *", tz: "Europe/Paris" }]);
    // 2026-03-29: Paris skips from 02:00 to 03:00 (CET to CEST); 2026-10-25: 02:30 happens twice (CEST, then CET).
    expect(paris!.nextSlots(3, new Date("2026-03-27T12:00:00Z")).map((slot) => slot.toISOString())).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    expect(paris!.nextSlots(3, new Date("2026-10-24T12:00:00Z")).map((slot) => slot.toISOString())).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
      "2026-10-27T01:30:00.000Z",
    ]);
  });

  test("args may be a function of the slot's time", () => {
    const [schedule] = schedulesOf([{ task: dailyReport, cron: "0 3 * * *", args: (slot: Date) => ({ day: slot.toISOString().slice(0, 10) }) }]);
    const task = schedule!.taskFor(new Date("2026-05-04T03:00:00Z"), new Date());
    expect(task).toMatchObject({ taskName: "test.dailyReport", scheduleKey: "test.dailyReport", args: { json: { day: "2026-05-04" } } });
    expect(task.scheduledAt.toISOString()).toBe("2026-05-04T03:00:00.000Z");
  });

  test("the test-only clock offset moves the scheduler's clock, and only when it is set", () => {
    const ahead = schedulerClock({ [TEST_CLOCK_OFFSET_ENV]: "3000" });
    expect(ahead() - Date.now()).toBeGreaterThanOrEqual(2_990);
    expect(schedulerClock({})).toBe(Date.now);
  });
});
