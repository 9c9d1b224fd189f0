// Specification of the heartbeat against real databases: it renews the leases held, gives up the ones another worker
// took, never overlaps itself however slow the database, and gives up on a statement that takes too long.
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { TaskStatus, task, Worker } from "../src/index.js";
import { runtimeOf } from "../src/tasks-client.js";
import { Heartbeat, type HeartbeatSetup } from "../src/worker/heartbeat.js";
import type { LogEntry } from "../src/worker/log.js";
import { record } from "./fixtures/tasks.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import { claimRecords } from "./support/claims.js";
import type { Provider } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { sleep, withSql, wrapSql, type Around } from "./support/sql.js";

/** The heartbeat statement of both dialects. */
const HEARTBEAT = /UPDATE (?:"public"\.)?"?task_results"? SET heartbeat_at = /;

/** Counts heartbeat statements, and the most in flight at once; each answer comes `delayMs` after the statement ran. */
function slowHeartbeats(delayMs: number) {
  const seen = { started: 0, inFlight: 0, mostInFlight: 0 };
  const around: Around = async (text, run) => {
    if (!HEARTBEAT.test(text)) return run();
    seen.started++;
    seen.mostInFlight = Math.max(seen.mostInFlight, ++seen.inFlight);
    try {
      const answer = await run();
      await sleep(delayMs);
      return answer;
    } finally {
      seen.inFlight--;
    }
  };
  return { seen, around };
}

async function leases(prisma: TasksPrisma, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await prisma.taskResult.findMany({ where: { id: { in: [...ids] } }, select: { id: true, leaseExpiresAt: true } });
  return new Map(rows.map((row) => [row.id, row.leaseExpiresAt!.getTime()]));
}

function heartbeatFor(prisma: TasksPrisma, setup: Partial<HeartbeatSetup> & Pick<HeartbeatSetup, "held">): Heartbeat {
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  return new Heartbeat({ dialect, sql, workerId: "beater", leaseMs: 60_000, log: () => {}, onDatabaseError: () => {}, ...setup });
}

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the heartbeat on %s", (provider) => {
  test("extends the leases of the tasks held, and of no other", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const tasks = await claimRecords(prisma, 3, "beater", 1_000);
    const ids = tasks.map((each) => each.id);
    const before = await leases(prisma, ids);
    const lost: ReadonlySet<string>[] = [];

    await heartbeatFor(prisma, { held: () => ({ ids: ids.slice(0, 2), lost: (renewed) => lost.push(renewed) }) }).beat();

    const after = await leases(prisma, ids);
    expect(ids.map((id) => after.get(id)! > before.get(id)!)).toEqual([true, true, false]);
    expect(after.get(ids[0]!)! - Date.now()).toBeGreaterThan(30_000);
    expect(lost).toEqual([]);
    await close();
  });

  test("tells which held tasks it could not renew: another worker holds them now", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const [kept, taken] = await claimRecords(prisma, 2, "beater");
    await prisma.taskResult.update({ where: { id: taken!.id }, data: { lockedBy: "rescuer" } });
    const lost: ReadonlySet<string>[] = [];

    await heartbeatFor(prisma, { held: () => ({ ids: [kept!.id, taken!.id], lost: (renewed) => lost.push(renewed) }) }).beat();

    expect(lost).toEqual([new Set([kept!.id])]);
    await close();
  });

  test("renews many leases a thousand ids per statement", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const tasks = await claimRecords(prisma, 2, "beater");
    const { seen, around } = slowHeartbeats(0);
    const ids = [...tasks.map((each) => each.id), ...Array.from({ length: 2_400 }, () => randomUUID())];
    const lost: ReadonlySet<string>[] = [];
    const { dialect, sql } = runtimeOf(prisma.$tasks);

    await heartbeatFor(prisma, { sql: wrapSql(sql, around), dialect, held: () => ({ ids, lost: (renewed) => lost.push(renewed) }) }).beat();

    expect(seen.started).toBe(3);
    expect(lost).toEqual([new Set(tasks.map((each) => each.id))]);
    await close();
  });

  test("never starts while the previous one is running, on a database slower than its interval", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const [held] = await claimRecords(prisma, 1, "beater");
    const { seen, around } = slowHeartbeats(200);
    const heartbeat = heartbeatFor(prisma, { sql: wrapSql(runtimeOf(prisma.$tasks).sql, around), intervalMs: 20, held: () => ({ ids: [held!.id], lost: () => {} }) });

    heartbeat.start();
    await eventually("three heartbeats have started", async () => seen.started >= 3);
    await heartbeat.stop();

    expect(seen.mostInFlight).toBe(1);
    await close();
  });

  test("gives up on a statement that takes longer than its timeout: logged, reported, and the next heartbeat runs", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const [held] = await claimRecords(prisma, 1, "beater");
    const { seen, around } = slowHeartbeats(1_000);
    const entries: LogEntry[] = [];
    let databaseErrors = 0;
    const heartbeat = heartbeatFor(prisma, {
      sql: wrapSql(runtimeOf(prisma.$tasks).sql, around),
      intervalMs: 20,
      timeoutMs: 100,
      held: () => ({ ids: [held!.id], lost: () => {} }),
      log: (entry) => entries.push(entry),
      onDatabaseError: () => databaseErrors++,
    });

    heartbeat.start();
    await eventually("a second heartbeat has started", async () => seen.started >= 2, 5_000);
    await heartbeat.stop();

    expect(entries[0]).toMatchObject({ event: "heartbeat-failed", error: "a heartbeat got no answer from the database within 100 ms" });
    expect(databaseErrors).toBeGreaterThanOrEqual(1);
    await close();
  });
});

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the Worker's heartbeats on %s", (provider) => {
  test("never overlap while a task runs, however much slower than their interval the database answers", async () => {
    const nap = task({ name: "heartbeat.nap", args: z.object({ ms: z.number() }) }, async ({ ms }) => void (await sleep(ms)));
    const { prisma, close } = await createApp(provider, { tasks: [nap] });
    await prisma.$tasks.enqueue(nap, { ms: 2_000 });
    // A lease of 600 ms: a heartbeat every 200 ms, each answered 400 ms after it ran (the lease is renewed in time).
    const { seen, around } = slowHeartbeats(400);

    await new Worker({ prisma: withSql(prisma, wrapSql(runtimeOf(prisma.$tasks).sql, around)), leaseMs: 600, batch: true, startupDelay: false }).run();

    expect(seen.started).toBeGreaterThanOrEqual(2);
    expect(seen.mostInFlight).toBe(1);
    expect(await prisma.taskResult.findMany({ select: { status: true, attempts: true } })).toEqual([{ status: "COMPLETE", attempts: 1 }]);
    await close();
  });

  test("go on while running tasks finish after stop(): their leases never run out, so no other worker takes them", async () => {
    let started = false;
    const nap = task({ name: "heartbeat.longNap", args: z.object({ ms: z.number() }) }, async ({ ms }) => {
      started = true;
      await sleep(ms);
    });
    const { prisma, close } = await createApp(provider, { tasks: [nap] });
    const result = await prisma.$tasks.enqueue(nap, { ms: 4_000 });
    const worker = new Worker({ prisma, leaseMs: 1_500, startupDelay: false });
    const running = worker.run();
    await eventually("the task has started", async () => started);

    const stopping = worker.stop();
    await sleep(3_000);
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    // Another worker's rescue, two leases after stop(): the task's lease is still being renewed.
    expect(await dialect.rescueExpired(sql, 100)).toEqual({ requeued: 0, failed: 0 });
    await stopping;
    await running;

    await result.refresh();
    expect([result.status, result.attempts, result.errors]).toEqual([TaskStatus.COMPLETE, 1, []]);
    await close();
  });
});
