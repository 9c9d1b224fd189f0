// Acceptance of schedules with real tasks-worker processes: one task per slot across workers started at different times
// with skewed clocks (PostgreSQL and SQLite), backfill after a gap, and a PostgreSQL outage the workers ride out.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { setUpAppDatabase } from "../scripts/db/migrations.js";
import { startPostgres, type PostgresServer } from "../scripts/db/postgres.js";
import { scheduleTasks } from "./fixtures/schedule-tasks.js";
import { tasksClient, type TasksPrisma } from "./support/app.js";
import { createDatabase, type Provider, type TestDatabase } from "./support/databases.js";
import { killLeftoverWorkers, startWorker, type WorkerProcess } from "./support/processes.js";

afterEach(killLeftoverWorkers);

const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

interface ScheduleSpec {
  key: string;
  cron: string;
  backfill?: number;
}

function client(database: TestDatabase): TasksPrisma {
  const prisma = tasksClient(database, { tasks: scheduleTasks });
  opened.push(() => prisma.$disconnect());
  return prisma;
}

/** A tasks-worker on the schedules config, running `schedules`; `offsetMs` shifts its scheduler's clock. */
function scheduleWorker(database: TestDatabase, id: string, schedules: ScheduleSpec[], offsetMs = 0): WorkerProcess {
  const env = { TASKS_TEST_SCHEDULES: JSON.stringify(schedules), ...(offsetMs ? { PRISMA_TASKS_TEST_CLOCK_OFFSET_MS: String(offsetMs) } : {}) };
  const args = ["--config", "test/fixtures/schedules.config.ts", "--no-startup-delay", "--interval", "0.2", "--worker-id", id];
  return startWorker(database, args, [], env);
}

/** Stops a worker with SIGTERM; resolves with its exit code. */
async function stop(worker: WorkerProcess): Promise<number | null> {
  worker.child.kill("SIGTERM");
  return (await worker.exited).code;
}

/** How many rows each stored slot of `key` has, by slot (ms). */
async function rowsPerSlot(prisma: TasksPrisma, key: string): Promise<Map<number, number>> {
  const rows = await prisma.taskResult.findMany({ where: { scheduleKey: key }, select: { scheduledAt: true } });
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(row.scheduledAt!.getTime(), (counts.get(row.scheduledAt!.getTime()) ?? 0) + 1);
  return counts;
}

/** Whole seconds from `from` to `to`, both included. */
function secondsBetween(from: number, to: number): number[] {
  const slots: number[] = [];
  for (let slot = Math.ceil(from / 1000) * 1000; slot <= to; slot += 1000) slots.push(slot);
  return slots;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Starts a worker every `staggerMs` (the one at `skewedIndex` 3 s ahead), lets them run a per-second schedule for
 * `runMs` after the first slot, stops them, and checks that every slot in the window is stored exactly once.
 */
async function everySlotOnce(provider: Provider, count: number, skewedIndex: number) {
  const database = await createDatabase(provider);
  const prisma = client(database);
  const schedules = [{ key: "every-second", cron: "* * * * * *" }];
  const workers: WorkerProcess[] = [];
  workers.push(scheduleWorker(database, `${provider}-0`, schedules));
  await workers[0]!.waitFor(/scheduler started/);
  // From the first worker's start on, the others join one by one while the window runs.
  const windowStart = Date.now() + 1_000;
  for (let index = 1; index < count; index++) {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    workers.push(scheduleWorker(database, `${provider}-${index}`, schedules, index === skewedIndex ? 3_000 : 0));
  }
  await Promise.all(workers.map((worker) => worker.waitFor(/scheduler started/)));
  await new Promise((resolve) => setTimeout(resolve, Math.max(15_000 - (Date.now() - windowStart), 0)));
  const windowEnd = Date.now();
  for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  const codes = await Promise.all(workers.map(stop));

  const counts = await rowsPerSlot(prisma, "every-second");
  const missing = secondsBetween(windowStart, windowEnd).filter((slot) => counts.get(slot) !== 1);
  expect(missing.map((slot) => `${iso(slot)}: ${counts.get(slot) ?? 0}`)).toEqual([]);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  // Several workers took part: each slot went to whichever inserted it first.
  const enqueuers = workers.filter((worker) => /enqueued slot/.test(worker.output()));
  expect(enqueuers.length).toBeGreaterThan(1);
  // The skewed worker inserted its slots ahead of time: each is to run at its slot, not when it was inserted.
  expect(workers[skewedIndex]!.output()).toMatch(/schedule "every-second" enqueued slot/);
  expect(codes).toEqual(workers.map(() => 0));
  return { slots: counts.size, window: secondsBetween(windowStart, windowEnd).length };
}

describe("schedules across worker processes", () => {
  test("each per-second slot is stored exactly once: 4 workers on PostgreSQL (one 3 s ahead) and 2 on SQLite, started at different times", async () => {
    const [postgresql, sqlite] = await Promise.all([everySlotOnce("postgresql", 4, 3), everySlotOnce("sqlite", 2, 1)]);
    expect(postgresql.window).toBeGreaterThanOrEqual(14);
    expect(sqlite.window).toBeGreaterThanOrEqual(14);
  }, 90_000);

  test("3 workers started at once after a 10-slot gap backfill exactly those 10 slots (PostgreSQL); without backfill none (SQLite)", async () => {
    const hour = 3_600_000;
    const lastSlot = Math.floor(Date.now() / hour) * hour - 10 * hour;
    const scenario = async (provider: Provider, backfill: number | undefined) => {
      const database = await createDatabase(provider);
      const prisma = client(database);
      const key = backfill ? "hourly-backfilled" : "hourly";
      // The key's last slot, stored by workers that ran before the gap.
      await prisma.taskResult.create({ data: { id: crypto.randomUUID(), taskName: "test.tick", args: {}, scheduleKey: key, scheduledAt: new Date(lastSlot), status: "COMPLETE" } });
      const schedules = [{ key, cron: "0 * * * *", ...(backfill ? { backfill } : {}) }];
      const workers = ["a", "b", "c"].map((id) => scheduleWorker(database, `${provider}-${id}`, schedules));
      await Promise.all(workers.map((worker) => worker.waitFor(/scheduler started/)));
      await Promise.all(workers.map(stop));
      const lines = workers.flatMap((worker) => worker.output().split("\n").filter((line) => line.includes("enqueued slot")));
      return { counts: await rowsPerSlot(prisma, key), lines, checkedAt: Date.now() };
    };
    const [backfilled, skipped] = await Promise.all([scenario("postgresql", 11 * hour), scenario("sqlite", undefined)]);

    // Every hourly slot after the last stored one, up to now: the 10 of the gap (an 11th only if an hour began meanwhile).
    const expected = [];
    for (let slot = lastSlot + hour; slot <= backfilled.checkedAt; slot += hour) expected.push(slot);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    expect([...backfilled.counts.entries()].sort(([a], [b]) => a - b)).toEqual([[lastSlot, 1], ...expected.map((slot) => [slot, 1])]);
    expect(backfilled.lines).toHaveLength(expected.length);
    expect([...skipped.counts.entries()]).toEqual([[lastSlot, 1]]);
    expect(skipped.lines).toEqual([]);
  }, 60_000);
});

describe("schedules through a PostgreSQL outage", () => {
  // A server of this file's own: the run's shared server must not stop under other test files.
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres({ useDatabaseUrl: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test("workers stay up while the server is down for 5 s, say so, and store each slot after it exactly once", async () => {
    const url = await server.createDatabase("schedule_outage");
    await setUpAppDatabase({ provider: "postgresql", url });
    const database: TestDatabase = { provider: "postgresql", url };
    const prisma = client(database);
    const schedules = [{ key: "through-outage", cron: "* * * * * *" }];
    const workers = ["outage-a", "outage-b"].map((id) => scheduleWorker(database, id, schedules));
    await Promise.all(workers.map((worker) => worker.waitFor(/scheduler started/)));
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    await server.pause();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await server.start();
    const restoredAt = Date.now();
    await Promise.all(workers.map((worker) => worker.waitFor(/enqueueing schedule slots again/, 30_000)));
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const until = Date.now();
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    const codes = await Promise.all(workers.map(stop));

    for (const worker of workers) expect(worker.output()).toMatch(/could not enqueue schedule slots; retrying in \d+ ms/);
    const counts = await rowsPerSlot(prisma, "through-outage");
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // From a second after the server is back (the workers reconnect within their back-off) every slot is there.
    const after = secondsBetween(restoredAt + 2_000, until).filter((slot) => counts.get(slot) !== 1);
    expect(after.map(iso)).toEqual([]);
    expect(codes).toEqual([0, 0]);
    // The slots' tasks ran and saw their slots as ctx.scheduledAt.
    const done = await prisma.taskResult.findMany({ where: { scheduleKey: "through-outage", status: "COMPLETE" } });
    expect(done.length).toBeGreaterThan(after.length);
    for (const row of done) expect(row.returnValue).toEqual({ scheduledAt: row.scheduledAt!.toISOString() });
  }, 90_000);
});
