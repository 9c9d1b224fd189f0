// Reliability: no task is lost or left RUNNING when workers are killed, the database goes away, or tasks misbehave.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Worker, task } from "../src/index.js";
import { setUpAppDatabase } from "../scripts/db/migrations.js";
import { startPostgres, type PostgresServer } from "../scripts/db/postgres.js";
import { allTasks, flaky, holdOnce, holdTwice, record, recordDurably, slow } from "./fixtures/tasks.js";
import { createApp, tasksClient, type TasksPrisma } from "./support/app.js";
import type { TestDatabase } from "./support/databases.js";
import { killLeftoverWorkers, runWorker, startWorker, type WorkerProcess } from "./support/processes.js";

afterEach(killLeftoverWorkers);

interface Row {
  id: string;
  status: string;
  attempts: number;
  workerIds: string[];
  errors: { exceptionClass: string; message: string }[];
  lockedBy: string | null;
  finishedAt: Date | null;
  startedAt: Date | null;
}

/** Calls `check` until it returns a value other than undefined/false; fails with `what` after `timeoutMs`. */
async function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function row(prisma: TasksPrisma, id: string): Promise<Row> {
  const found = await prisma.taskResult.findUniqueOrThrow({ where: { id } });
  return found as unknown as Row;
}

function finished(prisma: TasksPrisma, id: string, timeoutMs?: number): Promise<Row> {
  return poll(
    `task ${id} to finish`,
    async () => {
      const current = await row(prisma, id);
      return current.status === "COMPLETE" || current.status === "FAILED" ? current : undefined;
    },
    timeoutMs,
  );
}

async function executions(prisma: TasksPrisma, key: string): Promise<number> {
  return (await prisma.execution.findUnique({ where: { key } }))?.count ?? 0;
}

async function statusCounts(prisma: TasksPrisma): Promise<Record<string, number>> {
  const groups = await prisma.taskResult.groupBy({ by: ["status"], _count: { _all: true } });
  return Object.fromEntries(groups.map((group) => [group.status, group._count._all]));
}

/**
 * Stops a worker with one SIGTERM and returns its exit code. It waits for the worker to say it started first: a signal
 * that comes while the process is still loading ends it before its handler is installed (on a busy machine, seconds).
 */
async function terminate(worker: WorkerProcess): Promise<number | null> {
  await worker.waitFor(/started: queues=/);
  worker.child.kill("SIGTERM");
  return (await worker.exited).code;
}

async function killNow(worker: WorkerProcess): Promise<void> {
  worker.child.kill("SIGKILL");
  await worker.exited;
}

/** Tasks whose key ran more than once, with the workers that held them. */
async function duplicates(prisma: TasksPrisma) {
  return prisma.$queryRawUnsafe<{ key: string; count: number; worker_ids: string[]; errors: { exceptionClass: string }[] }[]>(`
    SELECT e.key, e.count, t.worker_ids, t.errors
    FROM executions e JOIN task_results t ON t.args ->> 'key' = e.key
    WHERE e.count > 1`);
}

describe("a worker killed with SIGKILL", () => {
  it("loses no task while one of three workers is killed 20 times mid-drain; only its tasks run twice", async () => {
    const started = Date.now();
    const { prisma, database, close } = await createApp("postgresql", { tasks: allTasks });
    const common = ["--concurrency", "10", "--lease-ms", "2000", "--no-startup-delay", "--interval", "0.2"];
    // Each worker's connections carry its id as application_name, so the test can tell when one is listening for
    // tasks and has claimed (found none) at least once: from then on an enqueue reaches it as soon as the others.
    const start = (id: string) =>
      startWorker({ ...database, url: `${database.url}?application_name=${id}` }, [...common, "--worker-id", id]);
    const listening = (id: string) =>
      poll(`${id} to LISTEN and claim`, async () => {
        const [{ listens, claims }] = await prisma.$queryRawUnsafe<{ listens: number; claims: number }[]>(
          `SELECT count(*) FILTER (WHERE query LIKE 'LISTEN%')::int AS listens,
                  count(*) FILTER (WHERE query LIKE '%SKIP LOCKED%')::int AS claims
           FROM pg_stat_activity WHERE application_name = $1`,
          id,
        );
        return listens === 1 && claims > 0;
      });
    const survivors = ["chaos-a", "chaos-b"].map(start);
    await Promise.all(["chaos-a", "chaos-b"].map(listening));
    const killed: string[] = [];
    const heldAtKill: number[] = [];
    const batch = 100;
    let total = 0;
    for (let kill = 1; kill <= 20; kill++) {
      const id = `chaos-victim-${kill}`;
      const victim = start(id);
      await listening(id);
      // The two warm survivors may take a whole batch before the new worker's first claim comes back (on a busy
      // machine, often): another batch follows until the victim holds some tasks, polled without pause, since it
      // holds its claimed tasks for tens of milliseconds.
      let held = 0;
      const deadline = Date.now() + 60_000;
      while (held === 0) {
        if (Date.now() > deadline) throw new Error(`${id} never held a task; its output:\n${victim.output()}`);
        await prisma.$tasks.enqueueMany(
          recordDurably,
          Array.from({ length: batch }, (_, i) => ({ key: `chaos-${total + i}`, sleepMs: 20 })),
        );
        total += batch;
        const batchDeadline = Date.now() + 5_000;
        while (held === 0 && Date.now() < batchDeadline) {
          held = await prisma.taskResult.count({ where: { status: "RUNNING", lockedBy: id } });
          if (held === 0 && (await prisma.taskResult.count({ where: { status: "NEW" } })) === 0) break;
        }
      }
      await killNow(victim);
      killed.push(id);
      heldAtKill.push(held);
    }
    await poll(
      "every task to be COMPLETE",
      async () => (await prisma.taskResult.count({ where: { status: "COMPLETE" } })) === total,
      30_000,
    );
    const codes = await Promise.all(survivors.map(terminate));

    const counts = await statusCounts(prisma);
    const ran = await prisma.execution.count({ where: { key: { startsWith: "chaos-" } } });
    const repeated = await duplicates(prisma);
    const rescued = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM task_results WHERE errors @> '[{"exceptionClass": "WorkerLost"}]'`,
    );
    // Errors that name a survivor: a worker that never stopped would have lost a lease (or aborted its own task).
    const survivorLosses = await prisma.$queryRawUnsafe<{ message: string }[]>(
      `SELECT e ->> 'message' AS message FROM task_results, jsonb_array_elements(errors) AS e
       WHERE e ->> 'message' ~ 'chaos-[ab]([^a-z0-9-]|$)'`,
    );
    const stuck = (counts.RUNNING ?? 0) + (counts.NEW ?? 0);
    console.log(
      `chaos: tasks=${total} kills=${killed.length} heldAtKill=${heldAtKill.reduce((a, b) => a + b, 0)} ` +
        `rescued=${rescued[0]!.n} survivorLosses=${survivorLosses.length} duplicates=${repeated.length} stuck=${stuck} seconds=${((Date.now() - started) / 1000).toFixed(1)}`,
    );
    expect(codes).toEqual([0, 0]);
    expect(counts).toEqual({ COMPLETE: total });
    expect(ran).toBe(total);
    expect(survivorLosses).toEqual([]);
    for (const duplicate of repeated) {
      expect(duplicate.worker_ids.some((workerId) => killed.includes(workerId)), JSON.stringify(duplicate)).toBe(true);
    }
    await close();
  }, 120_000);

  it("returns the task to NEW when attempts remain, and another worker completes it", async () => {
    const { prisma, database, close } = await createApp("postgresql", { tasks: allTasks });
    const doomed = startWorker(database, ["--lease-ms", "1000", "--no-startup-delay", "--worker-id", "doomed"]);
    const result = await prisma.$tasks.enqueue(holdTwice, { key: "kill-retry", ms: 60_000, laterMs: 0 });
    await poll("the task to start", async () => (await executions(prisma, "kill-retry")) === 1);
    await killNow(doomed);

    // A worker serving another queue still rescues every expired lease, and leaves the task for its own queue.
    const rescuer = startWorker(database, ["--lease-ms", "1000", "--no-startup-delay", "--queue", "emails", "--worker-id", "rescuer"]);
    const requeued = await poll("the task to go back to NEW", async () => {
      const current = await row(prisma, result.id);
      return current.status === "NEW" ? current : undefined;
    });
    expect(requeued).toMatchObject({ attempts: 1, lockedBy: null, workerIds: ["doomed"], finishedAt: null });
    expect(requeued.errors).toHaveLength(1);
    expect(requeued.errors[0]).toMatchObject({ exceptionClass: "WorkerLost" });
    expect(requeued.errors[0]!.message).toMatch(/doomed .*attempt 1 of 2/);
    expect(await terminate(rescuer)).toBe(0);

    const run = await runWorker(database, ["--batch", "--no-startup-delay", "--worker-id", "finisher"]);
    expect(run.code).toBe(0);
    const done = await row(prisma, result.id);
    expect(done).toMatchObject({ status: "COMPLETE", attempts: 2, workerIds: ["doomed", "finisher"] });
    await result.refresh();
    expect(result.returnValue).toBe("held by attempt 2");
    expect(await executions(prisma, "kill-retry")).toBe(2);
    await close();
  });

  it("fails the task with WorkerLost when the killed worker held its last attempt", async () => {
    const { prisma, database, close } = await createApp("postgresql", { tasks: allTasks });
    const doomed = startWorker(database, ["--lease-ms", "1000", "--no-startup-delay", "--worker-id", "doomed"]);
    const result = await prisma.$tasks.enqueue(holdOnce, { key: "kill-last", ms: 60_000 });
    await poll("the task to start", async () => (await executions(prisma, "kill-last")) === 1);
    await killNow(doomed);

    const rescuer = startWorker(database, ["--lease-ms", "1000", "--no-startup-delay", "--worker-id", "rescuer"]);
    const failed = await finished(prisma, result.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 1, lockedBy: null, workerIds: ["doomed"] });
    expect(failed.finishedAt).not.toBeNull();
    expect(failed.errors.map((error) => error.exceptionClass)).toEqual(["WorkerLost"]);
    await result.refresh();
    expect(result.errors[0]!.message).toMatch(/Worker doomed stopped heartbeating during attempt 1 of 1/);
    expect(await terminate(rescuer)).toBe(0);
    expect(await executions(prisma, "kill-last")).toBe(1);
    await close();
  });

  it("does not let a worker with a shorter lease take a live worker's task: each row carries its holder's lease", async () => {
    const { prisma, database, close } = await createApp("postgresql", { tasks: allTasks });
    const holder = startWorker(database, ["--lease-ms", "60000", "--no-startup-delay", "--worker-id", "patient"]);
    const result = await prisma.$tasks.enqueue(holdTwice, { key: "own-lease", ms: 3_000 });
    await poll("the task to start", async () => (await executions(prisma, "own-lease")) === 1);
    // Rescues every 250 ms with a 500 ms lease of its own: the row's lease is the holder's 60 s.
    const hasty = startWorker(database, ["--lease-ms", "500", "--no-startup-delay", "--worker-id", "hasty"]);
    const done = await finished(prisma, result.id);
    expect(done).toMatchObject({ status: "COMPLETE", attempts: 1, errors: [], workerIds: ["patient"] });
    expect(await executions(prisma, "own-lease")).toBe(1);
    expect(await Promise.all([holder, hasty].map(terminate))).toEqual([0, 0]);
    await close();
  });

  it("keeps the newer outcome when a live worker finishes a task that was rescued from it", async () => {
    const { prisma, database, close } = await createApp("postgresql", { tasks: allTasks });
    // One slot and no prefetch: the slow worker cannot take the task back while its first attempt still runs.
    const slowpoke = startWorker(database, ["--concurrency", "1", "--prefetch", "0", "--no-startup-delay", "--worker-id", "slowpoke"]);
    const result = await prisma.$tasks.enqueue(holdTwice, { key: "late-outcome", ms: 3_000, laterMs: 0 });
    await poll("the task to start", async () => (await executions(prisma, "late-outcome")) === 1);
    // The lease expires as if slowpoke had stopped heartbeating; a new worker rescues and reruns the task at once. The
    // rescuer has started before the lease is expired: on a busy machine its start-up could outlast slowpoke's next
    // heartbeat, which would renew the lease.
    const rescuer = startWorker(database, ["--no-startup-delay", "--worker-id", "rescuer"]);
    await rescuer.waitFor(/started: queues=/);
    await prisma.$executeRawUnsafe(`UPDATE task_results SET lease_expires_at = now() - interval '1 hour' WHERE id = $1::uuid`, result.id);
    const rerun = await finished(prisma, result.id);
    expect(rerun).toMatchObject({ status: "COMPLETE", attempts: 2, workerIds: ["slowpoke", "rescuer"] });

    await slowpoke.waitFor(/recovered by another worker .*its outcome here was dropped/, 10_000);
    const final = await row(prisma, result.id);
    expect(final).toEqual(rerun);
    expect(final.errors.map((error) => error.exceptionClass)).toEqual(["WorkerLost"]);
    await result.refresh();
    expect(result.returnValue).toBe("held by attempt 2");
    expect(await executions(prisma, "late-outcome")).toBe(2);

    // slowpoke carries on with the next task.
    expect(await terminate(rescuer)).toBe(0);
    const next = await prisma.$tasks.enqueue(record, { key: "after-late-outcome" });
    expect((await finished(prisma, next.id)).workerIds).toEqual(["slowpoke"]);
    expect(await terminate(slowpoke)).toBe(0);
    await close();
  });
});

describe.each(["postgresql", "sqlite", "mysql"] as const)("retries, leases and timeouts on %s", (provider) => {
  it("completes a task that failed twice on its third attempt, keeping both errors", async () => {
    const { prisma, database, close } = await createApp(provider, { tasks: allTasks });
    const worker = startWorker(database, ["--no-startup-delay", "--interval", "0.1"]);
    const result = await prisma.$tasks.enqueue(flaky, { key: "flaky", failures: 2 });
    const done = await finished(prisma, result.id);
    expect(done).toMatchObject({ status: "COMPLETE", attempts: 3 });
    expect(done.errors.map((error) => error.message)).toEqual(["attempt 1 failed on purpose", "attempt 2 failed on purpose"]);
    await result.refresh();
    expect(result.returnValue).toBe("ok after 3");
    expect(await executions(prisma, "flaky")).toBe(3);
    expect(await terminate(worker)).toBe(0);
    await close();
  });

  it("keeps a task that runs for several leases alive with heartbeats: it runs once", async () => {
    const { prisma, database, close } = await createApp(provider, { tasks: allTasks });
    // Two workers, each rescuing leases older than 1.5 s every 0.75 s; the task runs for 5 s, over three leases. (A
    // lease a few times the heartbeat interval, as in production, so a loaded CI machine does not look like a dead one.)
    const workers = ["keeper", "watcher"].map((id) =>
      startWorker(database, ["--lease-ms", "1500", "--no-startup-delay", "--interval", "0.1", "--worker-id", id]),
    );
    const result = await prisma.$tasks.enqueue(holdTwice, { key: "long-lease", ms: 5_000 });
    const done = await finished(prisma, result.id);
    expect(done).toMatchObject({ status: "COMPLETE", attempts: 1, errors: [] });
    expect(await executions(prisma, "long-lease")).toBe(1);
    expect(await Promise.all(workers.map(terminate))).toEqual([0, 0]);
    await close();
  });

  it("fails a task that runs past its timeoutMs with TaskTimeout, and runs the next task", async () => {
    const { prisma, database, close } = await createApp(provider, { tasks: allTasks });
    // One slot: the next task can only run once the timed-out one has let go of it.
    const worker = startWorker(database, ["--concurrency", "1", "--prefetch", "0", "--no-startup-delay", "--interval", "0.1"]);
    const stuck = await prisma.$tasks.enqueue(slow, { ms: 60_000 });
    const next = await prisma.$tasks.enqueue(record.using({ priority: -1 }), { key: "after-timeout" });
    const failed = await finished(prisma, stuck.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(failed.errors.map((error) => error.exceptionClass)).toEqual(["TaskTimeout"]);
    expect(failed.finishedAt!.getTime() - failed.startedAt!.getTime()).toBeLessThan(5_000);
    expect(await finished(prisma, next.id)).toMatchObject({ status: "COMPLETE" });
    expect(await executions(prisma, "after-timeout")).toBe(1);
    expect(await terminate(worker)).toBe(0);
    await close();
  });
});

describe("a second SIGTERM", () => {
  it("aborts running tasks through their signal, records them FAILED or NEW by attempts left, and exits", async () => {
    const { prisma, database, close } = await createApp("postgresql", { tasks: allTasks });
    const worker = startWorker(database, ["--no-startup-delay"]);
    const once = await prisma.$tasks.enqueue(holdOnce, { key: "abort-once", ms: 60_000 });
    const twice = await prisma.$tasks.enqueue(holdTwice, { key: "abort-twice", ms: 60_000 });
    await poll(
      "both tasks to start",
      async () => (await executions(prisma, "abort-once")) === 1 && (await executions(prisma, "abort-twice")) === 1,
    );
    worker.child.kill("SIGTERM");
    await worker.waitFor(/finishing running tasks/);
    expect(worker.child.exitCode).toBeNull();
    const signalled = Date.now();
    worker.child.kill("SIGTERM");
    const { code, signal } = await worker.exited;
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain("task abort-once saw its signal abort: TaskAborted");
    expect(worker.output()).toContain("task abort-twice saw its signal abort: TaskAborted");

    const failed = await row(prisma, once.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 1, lockedBy: null });
    expect(failed.errors.map((error) => error.exceptionClass)).toEqual(["TaskAborted"]);
    const retrying = await row(prisma, twice.id);
    expect(retrying).toMatchObject({ status: "NEW", attempts: 1, lockedBy: null, finishedAt: null });
    expect(retrying.errors.map((error) => error.exceptionClass)).toEqual(["TaskAborted"]);
    await close();
  });
});

describe("a PostgreSQL outage", () => {
  // A server of this file's own: the run's shared server must not stop under other test files.
  let server: PostgresServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startPostgres({ useDatabaseUrl: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function ownApp() {
    const url = await server.createDatabase(`outage_${++counter}`);
    await setUpAppDatabase({ provider: "postgresql", url });
    const database: TestDatabase = { provider: "postgresql", url };
    const prisma = tasksClient(database, { tasks: allTasks });
    return { database, prisma, close: () => prisma.$disconnect() };
  }

  it("lets a forced stop exit while the server is down, leaving the unwritten outcome to the lease", async () => {
    const { database, prisma, close } = await ownApp();
    const result = await prisma.$tasks.enqueue(holdOnce, { key: "forced-during-outage", ms: 1_500 });
    const worker = startWorker(database, ["--no-startup-delay", "--worker-id", "cut-off"]);
    await worker.waitFor(new RegExp(`task started taskId=${result.id}`));
    await server.pause();
    worker.child.kill("SIGTERM");
    await worker.waitFor(/finishing running tasks/);
    worker.child.kill("SIGTERM");
    const exited = await worker.exited;
    await server.start();
    expect(exited.code).toBe(1);
    expect(worker.output()).toMatch(/stopped with 1 outcome\(s\) unwritten/);
    // The row is still the dead worker's until its lease runs out; then any worker retries or fails it.
    expect((await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } })).status).toBe("RUNNING");
    await close();
  }, 60_000);

  it("rejects an enqueue while the server is down, and stores nothing", async () => {
    const { prisma, close } = await ownApp();
    await prisma.$tasks.enqueue(record, { key: "before-outage" });
    await server.pause();
    try {
      const attempt = prisma.$tasks.enqueue(record, { key: "during-outage" });
      const outcome = await Promise.race([
        attempt.then(
          () => "resolved",
          (error: unknown) => error as Error,
        ),
        new Promise((resolve) => setTimeout(() => resolve("still pending"), 15_000)),
      ]);
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/ECONNREFUSED|can't reach|connect/i);
    } finally {
      await server.start();
    }
    const keys = (await prisma.taskResult.findMany({ select: { args: true } })).map((stored) => (stored.args as { key: string }).key);
    expect(keys).toEqual(["before-outage"]);
    await close();
  });

  it("finishes a drain across a 5 s outage: nothing lost, nothing stuck RUNNING, the workers stay up", async () => {
    const { prisma, database, close } = await ownApp();
    const total = 800;
    await prisma.$tasks.enqueueMany(
      record,
      Array.from({ length: total }, (_, i) => ({ key: `outage-${i}`, sleepMs: 50 })),
    );
    const common = ["--concurrency", "4", "--lease-ms", "2000", "--no-startup-delay", "--interval", "0.2"];
    const workers = ["outage-a", "outage-b"].map((id) => startWorker(database, [...common, "--worker-id", id]));
    await poll("a quarter of the tasks to complete", async () => (await prisma.taskResult.count({ where: { status: "COMPLETE" } })) >= total / 4);

    const before = await prisma.taskResult.count({ where: { status: "COMPLETE" } });
    const stoppedAt = Date.now();
    await server.pause();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await server.start();
    const outageMs = Date.now() - stoppedAt;
    const restartedAt = Date.now();

    await poll(
      "every task to be COMPLETE",
      async () => (await prisma.taskResult.count({ where: { status: "COMPLETE" } })) === total,
      60_000,
    );
    const drainMs = Date.now() - restartedAt;
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    const counts = await statusCounts(prisma);
    const repeated = await duplicates(prisma);
    const interrupted = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM task_results WHERE jsonb_array_length(errors) > 0`,
    );
    const lost = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM task_results WHERE errors @> '[{"exceptionClass": "WorkerLost"}]'`,
    );
    console.log(
      `outage: tasks=${total} completeBefore=${before} outageMs=${outageMs} drainAfterRestartMs=${drainMs} ` +
        `interruptedAttempts=${interrupted[0]!.n} rescued=${lost[0]!.n} duplicates=${repeated.length} stuck=${(counts.RUNNING ?? 0) + (counts.NEW ?? 0)}`,
    );
    expect(counts).toEqual({ COMPLETE: total });
    expect(await prisma.execution.count()).toBe(total);
    // A task runs again only when an attempt of it was cut off (and recorded as such), never silently.
    for (const duplicate of repeated) expect(duplicate.errors.length, JSON.stringify(duplicate)).toBeGreaterThan(0);
    // Both workers lived through the outage: neither may have had a task rescued from it once the server was back.
    expect(lost[0]!.n).toBe(0);
    for (const worker of workers) {
      expect(worker.output()).toMatch(/could not claim tasks/);
      expect(worker.output()).toMatch(/claiming tasks again/);
      expect(worker.output()).toMatch(/listening for new tasks again/);
    }
    expect(await Promise.all(workers.map(terminate))).toEqual([0, 0]);
    await close();
  }, 120_000);
});

describe("an outcome the database refuses", () => {
  const echo = task({ name: "reliability.echo", args: z.object({ word: z.string() }) }, async ({ word }) => word);

  it("is recorded as FAILED with OutcomeRejected, the other outcomes land, and the worker finishes", async () => {
    const { prisma, close } = await createApp("postgresql", { tasks: [echo] });
    // A real refusal by the database: a trigger rejects one return value, as a constraint or an extension might.
    await prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
      BEGIN
        IF NEW.return_value::text LIKE '%poison%' THEN RAISE EXCEPTION 'poison is not welcome here'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await prisma.$executeRawUnsafe(
      "CREATE TRIGGER refuse_poison BEFORE UPDATE ON task_results FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
    );
    const results = await prisma.$tasks.enqueueMany(echo, [{ word: "apple" }, { word: "poison" }, { word: "pear" }]);

    await new Worker({ prisma, queues: "*", batch: true, startupDelay: false }).run();

    for (const result of results) await result.refresh();
    expect(results.map((result) => result.status)).toEqual(["COMPLETE", "FAILED", "COMPLETE"]);
    expect(results[1]!.errors[0]).toMatchObject({ exceptionClass: "OutcomeRejected" });
    expect(results[1]!.errors[0]!.message).toContain("poison is not welcome here");
    await close();
  });
});
