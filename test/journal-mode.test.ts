// Specification of what a worker does to a SQLite file before its first claim: WAL journal mode, said in its log.
import Database from "better-sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import { TaskStatus, Worker, type LogEntry } from "../src/index.js";
import { allTasks, noop } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import { killLeftoverWorkers, runWorker } from "./support/processes.js";

const opened: (() => Promise<void>)[] = [];

afterAll(async () => {
  await killLeftoverWorkers();
  await Promise.all(opened.map((close) => close()));
});

async function freshSqliteApp() {
  const app = await createApp("sqlite", { tasks: allTasks });
  opened.push(app.close);
  return app;
}

function journalMode(file: string): unknown {
  const connection = new Database(file, { readonly: true });
  try {
    return connection.pragma("journal_mode", { simple: true });
  } finally {
    connection.close();
  }
}

describe("a worker on a SQLite file", () => {
  test("switches it to WAL journal mode and says so in its log, once: the file keeps the mode", async () => {
    const { database } = await freshSqliteApp();
    expect(journalMode(database.url)).toBe("delete");

    const first = await runWorker(database, ["--batch", "--no-startup-delay"]);
    const second = await runWorker(database, ["--batch", "--no-startup-delay"]);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`INFO  switched ${database.url} to WAL journal mode, a lasting setting of the file`);
    expect(journalMode(database.url)).toBe("wal");
    expect(second.code).toBe(0);
    expect(second.output).not.toContain("WAL");
  });

  test("that another connection keeps from switching warns with the error, and runs tasks all the same", async () => {
    const { database, prisma } = await freshSqliteApp();
    const result = await prisma.$tasks.enqueue(noop);
    // A read transaction holds a shared lock, which the switch to WAL must wait out (the busy timeout) and then gives up.
    const reader = new Database(database.url);
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM task_results").get();
    const entries: LogEntry[] = [];
    const log = (entry: LogEntry) => {
      entries.push(entry);
      if (entry.event === "journal-mode-failed") reader.exec("COMMIT");
    };

    try {
      await new Worker({ prisma, log, batch: true, startupDelay: false }).run();
    } finally {
      if (reader.inTransaction) reader.exec("COMMIT");
      reader.close();
    }

    expect(entries).toContainEqual(
      expect.objectContaining({
        level: "warn",
        event: "journal-mode-failed",
        message: expect.stringContaining(`could not switch ${database.url} to WAL journal mode (it stays in delete mode)`),
        // The database's answer, on one line.
        error: expect.stringMatching(/^[^\n]*SQLITE_BUSY[^\n]*database is locked[^\n]*$/),
      }),
    );
    expect(journalMode(database.url)).toBe("delete");
    await result.refresh();
    expect(result.status).toBe(TaskStatus.COMPLETE);
  });
});
