// Specification of where hook failures and failures after a commit are reported: a worker's log while it runs, the
// app's log (withTasks({ log })) otherwise, console.error when no log is given; never as a failure of the work.
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { TaskStatus, task, withTasks, type LogEntry } from "../src/index.js";
import { record } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import { connect, createDatabase, type Provider, type TestDatabase } from "./support/databases.js";
import { killLeftoverWorkers, runWorker } from "./support/processes.js";

const greet = task({ name: "hooks.greet" }, async () => "hello");

function hookThatThrows(hook: string) {
  return () => {
    throw new Error(`${hook} broke`);
  };
}

afterAll(() => killLeftoverWorkers());

describe.each<Provider>(["postgresql", "sqlite"])("hook failures on %s", (provider) => {
  let database: TestDatabase;
  const opened: { $disconnect(): Promise<void> }[] = [];
  let consoleError: ReturnType<typeof vi.spyOn>;

  beforeAll(async () => {
    database = await createDatabase(provider);
  });

  afterAll(async () => {
    await Promise.all(opened.map((client) => client.$disconnect()));
  });

  afterEach(() => consoleError?.mockRestore());

  function withLog(config: Omit<Parameters<typeof withTasks>[0], "tasks">) {
    const client = connect(database).$extends(withTasks({ tasks: [greet], ...config }));
    opened.push(client);
    return client;
  }

  test("go to withTasks' log as structured entries, and not to the console", async () => {
    consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const entries: LogEntry[] = [];
    const app = withLog({
      backends: { default: { backend: "immediate" } },
      log: (entry) => void entries.push(entry),
      onEnqueued: hookThatThrows("onEnqueued"),
      onFinished: hookThatThrows("onFinished"),
    });

    const result = await app.$tasks.enqueue(greet);

    expect(result.status).toBe(TaskStatus.COMPLETE);
    expect(entries).toEqual(
      ["onEnqueued", "onFinished"].map((hook) =>
        expect.objectContaining({ level: "error", event: "hook-failed", hook, taskId: result.id, taskName: "hooks.greet", error: `Error: ${hook} broke` }),
      ),
    );
    expect(consoleError).not.toHaveBeenCalled();
  });

  test("go to console.error when withTasks is given no log", async () => {
    consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const app = withLog({ onEnqueued: hookThatThrows("onEnqueued") });

    const result = await app.$tasks.enqueue(greet);

    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(String(consoleError.mock.calls[0]![0])).toContain(`the onEnqueued hook threw for task "hooks.greet" (${result.id}): Error: onEnqueued broke`);
  });

  test("go to a tasks-worker's JSON log, with the event, the task id and the error, and nothing else reaches stderr", async () => {
    const { prisma, database: workerDatabase, close } = await createApp(provider, { tasks: [record] });
    try {
      const result = await prisma.$tasks.enqueue(record, { key: "hooked" });

      const run = await runWorker(workerDatabase, ["--batch", "--no-startup-delay", "--log-format", "json", "--config", "test/fixtures/throwing-hook.config.ts"]);

      expect(run.code).toBe(0);
      const stderr = run.stderr.split("\n").filter((line) => line !== "");
      const entries = stderr.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toEqual([
        expect.objectContaining({
          level: "error",
          event: "hook-failed",
          hook: "onStarted",
          taskId: result.id,
          error: `Error: the onStarted hook broke on ${result.id}`,
        }),
      ]);
      expect((await prisma.$tasks.getResult(result.id)).status).toBe(TaskStatus.COMPLETE);
    } finally {
      await close();
    }
  });
});
