// Reliability on MySQL (MariaDB in the tests): the chaos and outage tests of reliability.test.ts, on a database where
// claims are transactions of their own and workers poll. The PostgreSQL tests tell a worker's readiness from
// pg_stat_activity; here a worker is ready once it has said so and its first claim has come back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setUpAppDatabase } from "../scripts/db/migrations.js";
import { startMysql, type MysqlServer } from "../scripts/db/mariadb.js";
import { allTasks, record, recordDurably } from "./fixtures/tasks.js";
import { createApp, tasksClient, type TasksPrisma } from "./support/app.js";
import type { TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { killLeftoverWorkers, startWorker, type WorkerProcess } from "./support/processes.js";

afterEach(killLeftoverWorkers);

async function statusCounts(prisma: TasksPrisma): Promise<Record<string, number>> {
  const groups = await prisma.taskResult.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(groups.map((group) => [group.status, group._count._all]));
}

/** Tasks whose key ran more than once, with the workers that held them and their errors. */
async function duplicates(prisma: TasksPrisma) {
  const runs = await prisma.execution.findMany({ where: { count: { gt: 1 } } });
  const rows = await prisma.taskResult.findMany({ select: { args: true, workerIds: true, errors: true } });
  const byKey = new Map(rows.map((row) => [(row.args as { key: string }).key, row]));
  return runs.map((run) => ({ key: run.key, count: run.count, workerIds: byKey.get(run.key)!.workerIds as string[], errors: byKey.get(run.key)!.errors as { exceptionClass: string; message: string }[] }));
}

async function errorsOf(prisma: TasksPrisma) {
  const rows = await prisma.taskResult.findMany({ select: { errors: true } });
  return rows.flatMap((row) => row.errors as { exceptionClass: string; message: string }[]);
}

/** SIGTERM once the worker has said it started (a signal during start-up ends it before its handler is set). */
async function terminate(worker: WorkerProcess): Promise<number | null> {
  await worker.waitFor(/started: queues=/);
  worker.child.kill("SIGTERM");
  return (await worker.exited).code;
}

describe("a worker killed with SIGKILL on MySQL", () => {
  it("loses no task while one of three workers is killed 20 times mid-drain; only its tasks run twice", async () => {
    const started = Date.now();
    const { prisma, database, close } = await createApp("mysql", { tasks: allTasks });
    const common = ["--concurrency", "10", "--lease-ms", "2000", "--no-startup-delay", "--interval", "0.2"];
    // "connected to" is logged once the worker's first statement has come back: from then on it claims every 0.2 s.
    const start = async (id: string) => {
      const worker = startWorker(database, [...common, "--worker-id", id]);
      await worker.waitFor(/connected to /);
      return worker;
    };
    const survivors = await Promise.all(["chaos-a", "chaos-b"].map(start));
    const killed: string[] = [];
    const heldAtKill: number[] = [];
    const batch = 100;
    let total = 0;
    for (let kill = 1; kill <= 20; kill++) {
      const id = `chaos-victim-${kill}`;
      const victim = await start(id);
      // The survivors may take a whole batch before the victim's next claim: another batch follows until it holds some.
      let held = 0;
      const deadline = Date.now() + 60_000;
      while (held === 0) {
        if (Date.now() > deadline) throw new Error(`${id} never held a task; its output:\n${victim.output()}`);
        await prisma.$tasks.enqueueMany(recordDurably, Array.from({ length: batch }, (_, i) => ({ key: `chaos-${total + i}`, sleepMs: 20 })));
        total += batch;
        const batchDeadline = Date.now() + 5_000;
        while (held === 0 && Date.now() < batchDeadline) {
          held = await prisma.taskResult.count({ where: { status: "RUNNING", lockedBy: id } });
          if (held === 0 && (await prisma.taskResult.count({ where: { status: "NEW" } })) === 0) break;
        }
      }
      victim.child.kill("SIGKILL");
      await victim.exited;
      killed.push(id);
      heldAtKill.push(held);
    }
    await eventually("every task to be COMPLETE", async () => (await prisma.taskResult.count({ where: { status: "COMPLETE" } })) === total, 60_000);
    const codes = await Promise.all(survivors.map(terminate));

    const counts = await statusCounts(prisma);
    const ran = await prisma.execution.count({ where: { key: { startsWith: "chaos-" } } });
    const repeated = await duplicates(prisma);
    const errors = await errorsOf(prisma);
    const rescued = errors.filter((error) => error.exceptionClass === "WorkerLost").length;
    // Errors that name a survivor: a worker that never stopped would have lost a lease (or aborted its own task).
    const survivorLosses = errors.filter((error) => /chaos-[ab]([^a-z0-9-]|$)/.test(error.message));
    console.log(
      `chaos on mysql: tasks=${total} kills=${killed.length} heldAtKill=${heldAtKill.reduce((a, b) => a + b, 0)} ` +
        `rescued=${rescued} survivorLosses=${survivorLosses.length} duplicates=${repeated.length} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    );
    expect(codes).toEqual([0, 0]);
    expect(counts).toEqual({ COMPLETE: total });
    expect(ran).toBe(total);
    expect(survivorLosses).toEqual([]);
    for (const duplicate of repeated) {
      expect(duplicate.workerIds.some((workerId) => killed.includes(workerId)), JSON.stringify(duplicate)).toBe(true);
    }
    await close();
  }, 180_000);
});

describe("a MySQL outage", () => {
  // A server of this file's own: the run's shared server must not stop under other test files.
  let server: MysqlServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startMysql({ useMysqlUrl: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function ownApp() {
    const url = await server.createDatabase(`outage_${++counter}`);
    await setUpAppDatabase({ provider: "mysql", url });
    const database: TestDatabase = { provider: "mysql", url };
    const prisma = tasksClient(database, { tasks: allTasks });
    return { database, prisma, close: () => prisma.$disconnect() };
  }

  it("rejects an enqueue while the server is down, and stores nothing", async () => {
    const { prisma, close } = await ownApp();
    await prisma.$tasks.enqueue(record, { key: "before-outage" });
    await server.pause();
    try {
      const outcome = await Promise.race([
        prisma.$tasks.enqueue(record, { key: "during-outage" }).then(
          () => "resolved",
          (error: unknown) => error as Error,
        ),
        new Promise((resolve) => setTimeout(() => resolve("still pending"), 30_000)),
      ]);
      expect(outcome).toBeInstanceOf(Error);
    } finally {
      await server.start();
    }
    const keys = (await prisma.taskResult.findMany({ select: { args: true } })).map((stored) => (stored.args as { key: string }).key);
    expect(keys).toEqual(["before-outage"]);
    await close();
  }, 90_000);

  it("finishes a drain across a 5 s outage: nothing lost, nothing stuck RUNNING, the workers stay up", async () => {
    const { prisma, database, close } = await ownApp();
    const total = 800;
    await prisma.$tasks.enqueueMany(record, Array.from({ length: total }, (_, i) => ({ key: `outage-${i}`, sleepMs: 50 })));
    const common = ["--concurrency", "4", "--lease-ms", "2000", "--no-startup-delay", "--interval", "0.2"];
    const workers = ["outage-a", "outage-b"].map((id) => startWorker(database, [...common, "--worker-id", id]));
    await eventually("a quarter of the tasks to complete", async () => (await prisma.taskResult.count({ where: { status: "COMPLETE" } })) >= total / 4);

    const before = await prisma.taskResult.count({ where: { status: "COMPLETE" } });
    const stoppedAt = Date.now();
    await server.pause();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await server.start();
    const outageMs = Date.now() - stoppedAt;
    const restartedAt = Date.now();

    await eventually("every task to be COMPLETE", async () => (await prisma.taskResult.count({ where: { status: "COMPLETE" } })) === total, 90_000);
    const drainMs = Date.now() - restartedAt;
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    const counts = await statusCounts(prisma);
    const repeated = await duplicates(prisma);
    const errors = await errorsOf(prisma);
    const lost = errors.filter((error) => error.exceptionClass === "WorkerLost").length;
    console.log(
      `outage on mysql: tasks=${total} completeBefore=${before} outageMs=${outageMs} drainAfterRestartMs=${drainMs} ` +
        `errors=${errors.length} rescued=${lost} duplicates=${repeated.length}`,
    );
    expect(counts).toEqual({ COMPLETE: total });
    expect(await prisma.execution.count()).toBe(total);
    // A task runs again only when an attempt of it was cut off (and recorded as such), never silently.
    for (const duplicate of repeated) expect(duplicate.errors.length, JSON.stringify(duplicate)).toBeGreaterThan(0);
    // Both workers lived through the outage: neither may have had a task rescued from it once the server was back.
    expect(lost).toBe(0);
    // A claim during the outage fails and is logged, or waits for a connection until the server is back (Prisma's
    // pool): either way the worker claims again afterwards, and says so when it had said it could not.
    for (const worker of workers) {
      if (/could not claim tasks/.test(worker.output())) expect(worker.output()).toMatch(/claiming tasks again/);
    }
    expect(errors.length + workers.filter((worker) => /could not claim tasks/.test(worker.output())).length).toBeGreaterThan(0);
    expect(await Promise.all(workers.map(terminate))).toEqual([0, 0]);
    await close();
  }, 180_000);
});
