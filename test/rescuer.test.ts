// Specification of the rescuer against real databases: it recovers expired leases in bounded batches, leaves live ones
// alone, holds back right after a database error, and gives up on a statement that takes too long.
import { describe, expect, test } from "vitest";
import { noop, record } from "./fixtures/tasks.js";
import { runtimeOf } from "../src/tasks-client.js";
import type { LogEntry } from "../src/worker/log.js";
import { Rescuer, type RescuerSetup } from "../src/worker/rescuer.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import { claimRecords } from "./support/claims.js";
import type { Provider } from "./support/databases.js";
import { connectionLost, sleep, wrapSql, type Around } from "./support/sql.js";

/**
 * The statement that starts a rescue: the one UPDATE on PostgreSQL and SQLite; on MySQL, the locking read of the
 * expired rows that its transaction then updates.
 */
const RESCUE = /^(?![\s\S]*JSON_ARRAY_APPEND)[\s\S]*'WorkerLost'|lease_expires_at < LEAST\(UTC_TIMESTAMP\(3\), \?\) ORDER BY lease_expires_at LIMIT \?\s+FOR UPDATE SKIP LOCKED/;

function countRescues(delayMs = 0) {
  const seen = { statements: 0 };
  const around: Around = async (text, run) => {
    if (!RESCUE.test(text)) return run();
    seen.statements++;
    await sleep(delayMs);
    return run();
  };
  return { seen, around };
}

function rescuerFor(prisma: TasksPrisma, setup: Partial<RescuerSetup> = {}): Rescuer {
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  return new Rescuer({
    dialect,
    sql,
    leaseMs: 60_000,
    log: () => {},
    databaseFailedAt: () => -Infinity,
    onDatabaseError: () => {},
    onRequeued: () => {},
    ...setup,
  });
}

/** Makes the leases of these tasks run out an hour ago, as if their worker had died. */
async function expire(prisma: TasksPrisma, ids: readonly string[]): Promise<void> {
  await prisma.taskResult.updateMany({ where: { id: { in: [...ids] } }, data: { leaseExpiresAt: new Date(Date.now() - 3_600_000) } });
}

async function statuses(prisma: TasksPrisma): Promise<Record<string, number>> {
  const groups = await prisma.taskResult.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(groups.map((group) => [group.status, group._count._all]));
}

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the rescuer on %s", (provider) => {
  test("recovers expired leases a batch per statement until a batch comes back short: NEW while attempts remain, else FAILED", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record, noop] });
    const retryable = await claimRecords(prisma, 25, "dead");
    await prisma.$tasks.enqueueMany(noop, [undefined, undefined]);
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const lastAttempts = await dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames: [noop.name], leaseMs: 60_000, limit: 2, workerId: "dead" });
    await expire(prisma, [...retryable, ...lastAttempts].map((each) => each.id));
    const { seen, around } = countRescues();
    const entries: LogEntry[] = [];
    let requeued = 0;

    const counts = await rescuerFor(prisma, { sql: wrapSql(sql, around), batchSize: 10, log: (entry) => entries.push(entry), onRequeued: () => requeued++ }).rescue();

    expect(counts).toEqual({ requeued: 25, failed: 2 });
    expect(seen.statements).toBe(3);
    expect(await statuses(prisma)).toEqual({ NEW: 25, FAILED: 2 });
    const failed = await prisma.taskResult.findMany({ where: { status: "FAILED" }, select: { errors: true, lockedBy: true } });
    expect(failed.map((row) => [(row.errors as { exceptionClass: string }[])[0]!.exceptionClass, row.lockedBy])).toEqual([
      ["WorkerLost", null],
      ["WorkerLost", null],
    ]);
    expect(entries.map((entry) => entry.message)).toEqual(["recovered tasks of silent workers: 25 back to NEW, 2 FAILED (WorkerLost)"]);
    expect(requeued).toBe(1);
    await close();
  });

  test("leaves tasks whose lease has not run out alone", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const [dead, alive] = await claimRecords(prisma, 2, "someone");
    await expire(prisma, [dead!.id]);

    expect(await rescuerFor(prisma).rescue()).toEqual({ requeued: 1, failed: 0 });

    const alivesRow = await prisma.taskResult.findUniqueOrThrow({ where: { id: alive!.id } });
    expect([alivesRow.status, alivesRow.lockedBy]).toEqual(["RUNNING", "someone"]);
    await close();
  });

  test("takes no one's tasks for a lease after a database error: live workers' heartbeats are overdue too", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const tasks = await claimRecords(prisma, 1, "cut-off");
    await expire(prisma, tasks.map((each) => each.id));
    const { seen, around } = countRescues();
    let failedAt = -Infinity;
    const rescuer = rescuerFor(prisma, { sql: wrapSql(runtimeOf(prisma.$tasks).sql, around), leaseMs: 300, databaseFailedAt: () => failedAt });

    // The error is as recent as it can be: on a busy machine, a lease could pass between an earlier clock read and the call.
    failedAt = performance.now();
    expect(await rescuer.rescue()).toEqual({ requeued: 0, failed: 0 });
    expect(seen.statements).toBe(0);
    // A little past the lease: a timer may fire a millisecond before performance.now() says its time is up.
    await sleep(300 - (performance.now() - failedAt) + 25);
    expect(await rescuer.rescue()).toEqual({ requeued: 1, failed: 0 });
    await close();
  });

  test("after a rescue that could not reach the database, takes no one's tasks until the database has answered again for a lease", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const tasks = await claimRecords(prisma, 1, "cut-off");
    await expire(prisma, tasks.map((each) => each.id));
    let down = true;
    const flapping = wrapSql(runtimeOf(prisma.$tasks).sql, async (text, run) => {
      if (down) throw connectionLost();
      return run();
    });
    let failedAt = -Infinity;
    const rescuer = rescuerFor(prisma, {
      sql: flapping,
      leaseMs: 300,
      databaseFailedAt: () => failedAt,
      onDatabaseError: () => (failedAt = performance.now()),
    });

    expect(await rescuer.rescue()).toEqual({ requeued: 0, failed: 0 });
    // The outage outlasts a lease; when it ends, live workers need a lease to renew theirs before anyone rescues.
    await sleep(400);
    down = false;
    expect(await rescuer.rescue()).toEqual({ requeued: 0, failed: 0 });
    expect((await prisma.taskResult.findUniqueOrThrow({ where: { id: tasks[0]!.id } })).status).toBe("RUNNING");
    await sleep(350);
    expect(await rescuer.rescue()).toEqual({ requeued: 1, failed: 0 });
    await close();
  });

  test("gives up on a statement that takes longer than its timeout: logged and reported as a database error", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const { around } = countRescues(1_000);
    const entries: LogEntry[] = [];
    let databaseErrors = 0;
    const rescuer = rescuerFor(prisma, {
      sql: wrapSql(runtimeOf(prisma.$tasks).sql, around),
      timeoutMs: 100,
      log: (entry) => entries.push(entry),
      onDatabaseError: () => databaseErrors++,
    });

    const started = performance.now();
    expect(await rescuer.rescue()).toEqual({ requeued: 0, failed: 0 });

    expect(performance.now() - started).toBeLessThan(900);
    expect(entries).toEqual([expect.objectContaining({ event: "rescue-failed", error: "a rescue of expired leases got no answer from the database within 100 ms" })]);
    expect(databaseErrors).toBe(1);
    await close();
  });
});
