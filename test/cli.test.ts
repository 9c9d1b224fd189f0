// Specification of the tasks-worker command line: usage errors exit 2 with one line, --help, the start-up line, JSON logs.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allTasks, fail, record } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import type { Provider, TestDatabase } from "./support/databases.js";
import { killLeftoverWorkers, runWorker } from "./support/processes.js";

/** A database no test here should reach: every command below fails or finishes before connecting. */
const unreachable: TestDatabase = { provider: "sqlite", url: "/nonexistent/prisma-tasks.sqlite" };

let configDir: string;
const opened: (() => Promise<void>)[] = [];

beforeAll(async () => {
  configDir = await mkdtemp(join(tmpdir(), "prisma-tasks-cli-"));
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

  test("--help prints the usage and exits 0", async () => {
    const run = await runWorker(unreachable, ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n\s+tasks-worker \[--config tasks\.config\.ts\]/);
    expect(run.stdout).toMatch(/tasks-worker prune .*--min-age-days/);
    expect(run.stderr).toBe("");
  });
});

describe.concurrent.each<Provider>(["postgresql", "sqlite"])("tasks-worker output on %s", (provider) => {
  async function freshApp() {
    const app = await createApp(provider, { tasks: allTasks });
    opened.push(app.close);
    return app;
  }

  test("the start-up line names the queues, the concurrency and the database, its password masked", async () => {
    const { database } = await freshApp();

    const run = await runWorker(database, ["--batch", "--no-startup-delay", "--queue", "emails,default", "--concurrency", "3"]);

    expect(run.code).toBe(0);
    const [startup] = run.stdout.split("\n");
    const where = provider === "postgresql" ? /postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/t_\w+$/ : /sqlite$/;
    expect(startup).toMatch(/INFO {2}worker worker-\w+ started: queues=emails,default concurrency=3 database=/);
    expect(startup).toMatch(where);
    expect(run.output).not.toContain(":tasks@");
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
    const opening = provider === "sqlite" ? ["worker-started", "journal-mode"] : ["worker-started"];
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
