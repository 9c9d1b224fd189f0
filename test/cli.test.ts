// Specification of the tasks-worker command line: usage errors exit 2 with one line, --help, the start-up line, JSON logs.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../scripts/db/postgres.js";
import { allTasks, fail, record } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import type { Provider, TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { killLeftoverWorkers, runWorker, startWorker } from "./support/processes.js";

/** A database no test here should reach: every command below fails or finishes before connecting. */
const unreachable: TestDatabase = { provider: "sqlite", url: "/nonexistent/prisma-tasks.sqlite" };

let configDir: string;
const opened: (() => Promise<void>)[] = [];

beforeAll(async () => {
  configDir = await mkdtemp(join(tmpdir(), "prisma-tasks-cli-"));
  // An app's folder, as the README asks: "type": "module". Without it, tsx registered by tasks-worker itself (Node 20)
  // loads a .ts config as CommonJS and refuses its export.
  await writeFile(join(configDir, "package.json"), '{ "type": "module" }\n');
  await writeFile(join(configDir, "throws.config.ts"), 'throw new Error("the config exploded");\n');
  await writeFile(join(configDir, "syntax.config.ts"), "export default defineConfig({ prisma: \n");
  await writeFile(join(configDir, "no-client.config.ts"), "export default { prisma: {} };\n");
});

afterAll(async () => {
  await killLeftoverWorkers();
  await Promise.all(opened.map((close) => close()));
  await rm(configDir, { recursive: true, force: true });
});

/** Asserts the process exited 2 with exactly one line on stderr that matches `reason`, and printed nothing else. */
function expectUsageError(run: { code: number | null; stdout: string; stderr: string }, reason: RegExp) {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^tasks-worker: [^\n]+\n$/);
  expect(run.stderr).toMatch(reason);
  expect(run.stdout).toBe("");
}

describe.concurrent("tasks-worker usage", () => {
  test.each([
    { given: "--concurrency 0", args: ["--concurrency", "0"], reason: /--concurrency "0": must be a whole number from 1 to 1000/ },
    { given: "--concurrency abc", args: ["--concurrency", "abc"], reason: /--concurrency "abc": must be a whole number/ },
    { given: "--interval -1", args: ["--interval=-1"], reason: /--interval "-1": must be a number of seconds above 0/ },
    { given: "--worker-id of 65 characters", args: ["--worker-id", "w".repeat(65)], reason: /--worker-id "w{65}": must be 1 to 64 characters/ },
    { given: "--log-format xml", args: ["--log-format", "xml"], reason: /--log-format "xml": must be text or json/ },
    { given: "--log-level debug", args: ["--log-level", "debug"], reason: /--log-level "debug": must be info, warn or error/ },
    { given: "--log-level to prune", args: ["prune", "--log-level", "warn"], reason: /--log-level is a worker option/ },
    { given: "an unknown flag", args: ["--frobnicate"], reason: /--frobnicate/ },
    { given: "prune --concurrency 3", args: ["prune", "--concurrency", "3"], reason: /--concurrency is a worker option/ },
    { given: "--batch to prune", args: ["prune", "--batch"], reason: /--batch is a worker option/ },
    { given: "--dry-run to the worker", args: ["--dry-run"], reason: /--dry-run belongs to "tasks-worker prune"/ },
  ])("$given exits 2 with a one-line reason", async ({ args, reason }) => {
    expectUsageError(await runWorker(unreachable, args), reason);
  });

  test("--interval -1, with the value as its own argument, exits 2 with a one-line reason", async () => {
    expectUsageError(await runWorker(unreachable, ["--interval", "-1"]), /--interval/);
  });

  test("a config file that does not exist exits 2 naming it", async () => {
    expectUsageError(await runWorker(unreachable, ["--config", "nope.ts"]), /config file not found: .*nope\.ts/);
  });

  test("a config file that throws exits 2 with its error", async () => {
    const config = join(configDir, "throws.config.ts");
    expectUsageError(await runWorker(unreachable, ["--config", config]), /failed to load: the config exploded/);
  });

  test("a config file with a syntax error exits 2", async () => {
    const config = join(configDir, "syntax.config.ts");
    expectUsageError(await runWorker(unreachable, ["--config", config]), /syntax\.config\.ts failed to load: /);
  });

  test("a config whose prisma is not extended with withTasks exits 2 saying so", async () => {
    const config = join(configDir, "no-client.config.ts");
    expectUsageError(await runWorker(unreachable, ["--config", config]), /prisma must be a PrismaClient extended with withTasks/);
  });

  test.each(["--help", "dashboard --help", "prune -h"])("tasks-worker %s prints the usage and exits 0", async (line) => {
    const run = await runWorker(unreachable, line.split(" "));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n\s+tasks-worker \[--config tasks\.config\.ts\]/);
    expect(run.stdout).toMatch(/tasks-worker prune .*--min-age-days/);
    expect(run.stdout).toMatch(/tasks-worker dashboard .*--port/);
    expect(run.stderr).toBe("");
  });
});

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker output on %s", (provider) => {
  async function freshApp() {
    const app = await createApp(provider, { tasks: allTasks });
    opened.push(app.close);
    return app;
  }

  test("the start-up line names the queues, the concurrency and the database as host:port/database, without user or password", async () => {
    const { database } = await freshApp();

    const run = await runWorker(database, ["--batch", "--no-startup-delay", "--queue", "emails,default", "--concurrency", "3"]);

    expect(run.code).toBe(0);
    const [startup] = run.stdout.split("\n");
    const where = { postgresql: /database=127\.0\.0\.1:\d+\/t_\w+$/, sqlite: /database=sqlite$/, mysql: /database=mysql$/ }[provider];
    expect(startup).toMatch(/INFO {2}worker worker-\w+ started: queues=emails,default concurrency=3 database=/);
    expect(startup).toMatch(where);
    // The MariaDB adapter's settings cannot be read from the client: the worker asks the server once it has connected.
    if (provider === "mysql") expect(run.stdout).toMatch(/INFO {2}connected to MariaDB \d+\.\d+\.\d+ on [\w.-]+:\d+, database t_\w+;/);
    expect(run.output).not.toMatch(/postgres:|:tasks@|\*\*\*\*/);
  });

  test("--log-level warn prints warnings and errors only: no line per started or completed task", async () => {
    const { prisma, database } = await freshApp();
    await prisma.$tasks.enqueue(record, { key: "quiet" });
    const failing = await prisma.$tasks.enqueue(fail, { reason: "loud" });

    const run = await runWorker(database, ["--batch", "--no-startup-delay", "--log-level", "warn"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`ERROR task failed taskId=${failing.id} .*loud`))]);
    expect((await prisma.$tasks.getResult(failing.id)).status).toBe("FAILED");
  });

  test("--log-format json prints one JSON object per line, with the task's fields on task events", async () => {
    const { prisma, database } = await freshApp();
    const result = await prisma.$tasks.enqueue(record, { key: "logged" });

    const run = await runWorker(database, ["--batch", "--no-startup-delay", "--log-format", "json"]);

    expect(run.code).toBe(0);
    const lines = run.output.split("\n").filter((line) => line !== "");
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // On SQLite, the switch of the fresh file to WAL journal mode is logged before the first task.
    // On MySQL, the server and database the worker reached.
    const opening = { sqlite: ["worker-started", "journal-mode"], mysql: ["worker-started", "connected"], postgresql: ["worker-started"] }[provider];
    expect(entries.map((entry) => entry.event)).toEqual([...opening, "started", "complete", "worker-stopped"]);
    expect(entries.at(-2)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: "info",
      event: "complete",
      message: "task complete",
      taskId: result.id,
      taskName: "test.record",
      queue: "default",
      attempt: 1,
      durationMs: expect.any(Number),
    });
  });
});

/**
 * Runs a worker command to its end, or kills it after `limitMs` (its code is then null), so that a worker that would
 * never end fails its test instead of hanging it; with how long it ran.
 */
async function runWithin(database: TestDatabase, args: readonly string[], limitMs = 90_000) {
  const started = performance.now();
  const worker = startWorker(database, args);
  const timer = setTimeout(() => worker.child.kill("SIGKILL"), limitMs);
  const { code } = await worker.exited;
  clearTimeout(timer);
  return { code, stdout: worker.stdout(), stderr: worker.stderr(), ms: performance.now() - started };
}

describe.concurrent("tasks-worker that cannot reach its database at start-up", { timeout: 120_000 }, () => {
  test.each([
    { mode: "a long-running worker", args: [] },
    { mode: "--batch", args: ["--batch"] },
  ])("$mode at a closed port exits 1 after --connect-timeout, with one line naming host:port/database", async ({ args }) => {
    const port = await freePort();
    const closed: TestDatabase = { provider: "postgresql", url: `postgresql://app:s3cret@127.0.0.1:${port}/orders` };

    const run = await runWithin(closed, ["--no-startup-delay", "--connect-timeout", "2", ...args]);

    expect(run.code).toBe(1);
    expect(run.ms).toBeGreaterThanOrEqual(2_000);
    expect(run.stdout).toContain(`database=127.0.0.1:${port}/orders`);
    expect(run.stderr).toMatch(/^tasks-worker: [^\n]+\n$/);
    expect(run.stderr).toMatch(new RegExp(`could not reach the database at 127\\.0\\.0\\.1:${port}/orders within 2 s: .*ECONNREFUSED.*--connect-timeout`));
    expect(run.stdout + run.stderr).not.toContain("s3cret");
  });

  test("with no database URL at all exits 1 after --connect-timeout, with one line", async () => {
    const unset: TestDatabase = { provider: "postgresql", url: "" };

    const run = await runWithin(unset, ["--no-startup-delay", "--connect-timeout", "1", "--batch"]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^tasks-worker: could not reach the database at [^\n]+ within 1 s: [^\n]+\n$/);
  });

  test("a SQLite file in a folder that does not exist exits 1 at once: waiting will not create the folder", async () => {
    const run = await runWithin(unreachable, ["--no-startup-delay", "--connect-timeout", "60", "--batch"]);

    expect(run.code).toBe(1);
    // No "within 60 s": it gave up at the first answer instead of waiting out --connect-timeout.
    expect(run.stderr).toMatch(/^tasks-worker: could not reach the database at sqlite: [^\n]*directory does not exist\. Fix: check the connection settings[^\n]*\n$/);
  });

  test("--connect-timeout -1 exits 2 with a one-line reason", async () => {
    expectUsageError(await runWorker(unreachable, ["--connect-timeout=-1"]), /--connect-timeout "-1": must be a number of seconds from 0 to 3600/);
  });
});

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker on a %s database whose migrations were not applied", (provider) => {
  test("--batch without the task_results table exits 1, with one line naming the table and the fix", async () => {
    const { prisma, database } = await createApp(provider, { tasks: allTasks });
    opened.push(() => prisma.$disconnect());
    await prisma.$executeRawUnsafe("DROP TABLE task_results");

    const run = await runWithin(database, ["--no-startup-delay", "--batch"]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^tasks-worker: cannot read the task_results table at [^\n]+: [^\n]*task_results[^\n]*\. Fix: apply this release's migrations[^\n]*\n$/);
    expect(run.stdout).not.toMatch(/could not claim tasks/);
  });

  test("a long-running worker on a table without a column a later release added says so once, and starts once the column is in", async () => {
    const { prisma, database } = await createApp(provider, { tasks: allTasks });
    opened.push(() => prisma.$disconnect());
    await prisma.$executeRawUnsafe("ALTER TABLE task_results DROP COLUMN trace_context");

    const worker = startWorker(database, ["--no-startup-delay"]);
    await worker.waitFor(/ERROR .*cannot read the task_results table at [^\n]*trace_context[^\n]*\. Fix: apply this release's migrations[^\n]*Waiting for it/);
    await prisma.$executeRawUnsafe("ALTER TABLE task_results ADD COLUMN trace_context TEXT");
    await worker.waitFor(/task_results has every column this release uses: starting/);
    const result = await prisma.$tasks.enqueue(record, { key: "after-migration" });
    await eventually("the task enqueued after the migration is COMPLETE", async () => (await result.refresh()).status === "COMPLETE");
    worker.child.kill("SIGTERM");

    expect((await worker.exited).code).toBe(0);
    expect(worker.output().match(/cannot read the task_results table/g)).toHaveLength(1);
  });
});

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker exit codes on %s", (provider) => {
  test("--batch stopped by SIGTERM before it ran out of ready tasks exits 143, leaving the rest NEW", async () => {
    const { prisma, database } = await createApp(provider, { tasks: allTasks });
    opened.push(() => prisma.$disconnect());
    await prisma.$tasks.enqueueMany(record, Array.from({ length: 5 }, (_, i) => ({ key: `batch-${i}`, sleepMs: 2_000 })));
    const worker = startWorker(database, ["--no-startup-delay", "--batch", "--concurrency", "1", "--prefetch", "0"]);
    await worker.waitFor(/task started/);

    worker.child.kill("SIGTERM");

    expect(await worker.exited).toEqual({ code: 143, signal: null });
    const statuses = await prisma.taskResult.groupBy({ by: ["status"], _count: { _all: true }, orderBy: { status: "asc" } });
    const count = (status: string) => statuses.find((group) => group.status === status)?._count._all ?? 0;
    // The running task finished; at least one was never started (how many ran depends on how fast the signal came).
    expect([count("COMPLETE") >= 1, count("NEW") >= 1, count("COMPLETE") + count("NEW")]).toEqual([true, true, 5]);
  }, 120_000);
});

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker and schedules on %s", (provider) => {
  const schedulesConfig = ["--config", "test/fixtures/schedules.config.ts"];
  const env = (schedules: unknown[]) => ({ TASKS_TEST_SCHEDULES: JSON.stringify(schedules) });

  test("tasks-worker schedules prints each schedule's key, task, cron, time zone, last stored slot and next three slots", async () => {
    const app = await createApp(provider, { tasks: allTasks });
    opened.push(app.close);
    const last = new Date("2026-11-30T02:00:00.000Z");
    await app.prisma.taskResult.create({ data: { id: crypto.randomUUID(), taskName: "test.tick", args: {}, scheduleKey: "nightly", scheduledAt: last, status: "COMPLETE" } });
    const schedules = [
      { key: "nightly", cron: "0 3 * * *", tz: "Europe/Paris", backfill: 3_600_000 },
      { key: "<every-second>", cron: "* * * * * *" },
    ];

    const run = startWorker(app.database, schedulesConfig, ["schedules"], env(schedules));
    const { code } = await run.exited;

    expect(code).toBe(0);
    expect(run.stderr()).toBe("");
    const lines = run.stdout().trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual([
      'nightly: task=test.tick cron="0 3 * * *" tz=Europe/Paris backfill=3600000ms',
      "  last slot: 2026-11-30T02:00:00.000Z",
    ]);
    const nightly = lines[2]!.match(/^ {2}next slots: (\S+), (\S+), (\S+)$/)!.slice(1).map((text) => new Date(text));
    for (const slot of nightly) expect(slot.toLocaleString("en-GB", { timeZone: "Europe/Paris", timeStyle: "short" })).toBe("03:00");
    expect(nightly[1]!.getTime() - nightly[0]!.getTime()).toBeGreaterThanOrEqual(23 * 3_600_000);
    expect(lines.slice(3, 5)).toEqual(['<every-second>: task=test.tick cron="* * * * * *" tz=UTC', "  last slot: none yet"]);
    const seconds = lines[5]!.match(/^ {2}next slots: (\S+), (\S+), (\S+)$/)!.slice(1).map((text) => Date.parse(text));
    expect([seconds[1]! - seconds[0]!, seconds[2]! - seconds[1]!]).toEqual([1000, 1000]);
    expect(lines).toHaveLength(6);
  });

  test("a worker started with --no-schedules enqueues no slot", async () => {
    const app = await createApp(provider, { tasks: allTasks });
    opened.push(app.close);
    const worker = startWorker(app.database, [...schedulesConfig, "--no-startup-delay", "--no-schedules"], [], env([{ key: "every-second", cron: "* * * * * *" }]));
    await worker.waitFor(/started: queues=/);
    // Two slots' time, and the time the worker takes to reach the database: a scheduler would have started by then.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    expect(worker.output()).not.toMatch(/scheduler started|enqueued slot/);
    expect(await app.prisma.taskResult.count()).toBe(0);
  });
});

describe.concurrent("tasks-worker schedules usage", () => {
  test.each([
    { given: "a worker option", args: ["schedules", "--concurrency", "3"], reason: /--concurrency is not a schedules option; schedules takes --config/ },
    { given: "--no-schedules to prune", args: ["prune", "--no-schedules"], reason: /--no-schedules is a worker option/ },
  ])("$given exits 2 with a one-line reason", async ({ args, reason }) => {
    expectUsageError(await runWorker(unreachable, args), reason);
  });

  test("a schedule that the config gets wrong exits 2 naming it", async () => {
    const config = ["--config", "test/fixtures/schedules.config.ts"];
    const run = startWorker(unreachable, config, ["schedules"], { TASKS_TEST_SCHEDULES: JSON.stringify([{ key: "bad", cron: "0 25 * * *" }]) });
    const { code } = await run.exited;
    expectUsageError({ code, stdout: run.stdout(), stderr: run.stderr() }, /Schedule "bad": cron must be a cron expression .*; got "0 25 \* \* \*"/);
  });
});
