// Specification of the Completer (outcome writes) against real databases: what it reports after abandon(), after an
// answer lost with the connection, and while PostgreSQL goes away twice in a row.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyMigrations } from "../scripts/db/migrations.js";
import { startPostgres, type PostgresServer } from "../scripts/db/postgres.js";
import { runtimeOf } from "../src/tasks-client.js";
import type { Outcome, StoredTask } from "../src/dialects/types.js";
import { Completer } from "../src/worker/completer.js";
import type { LogEntry } from "../src/worker/log.js";
import { record } from "./fixtures/tasks.js";
import { createApp, tasksClient, type TasksPrisma } from "./support/app.js";
import { claimRecords } from "./support/claims.js";
import type { Provider } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { connectionLost, sleep, wrapSql } from "./support/sql.js";

/** The statements that write outcomes, in both dialects (a claim's UPDATE has no alias). */
const OUTCOME_WRITE = /^\s*UPDATE (?:"public"\.)?"?task_results"? AS t\s/;

/** Outcomes of each kind in turn: COMPLETE, FAILED, and NEW (a retry). */
function outcomeOf(task: StoredTask, index: number): Outcome {
  const error = { exceptionClass: "Error", message: `attempt of ${task.id} failed`, traceback: "" };
  if (index % 3 === 0) return { id: task.id, attempt: task.attempts, status: "COMPLETE", returnValue: { json: JSON.stringify(`done ${index}`), meta: null }, finishedAt: new Date() };
  if (index % 3 === 1) return { id: task.id, attempt: task.attempts, status: "FAILED", error, finishedAt: new Date() };
  return { id: task.id, attempt: task.attempts, status: "NEW", error, runAfter: new Date(Date.now() + 60_000) };
}

/** Records every outcome; resolves with what each one's `done` reported, once the Completer has drained. */
async function recordAll(completer: Completer, outcomes: readonly Outcome[]): Promise<boolean[]> {
  const reports: boolean[] = [];
  outcomes.forEach((outcome, index) => completer.record(outcome, (written) => (reports[index] = written)));
  await completer.drain();
  return reports;
}

/** The stored rows: status, attempts and error classes, in the order of `tasks`. */
async function rows(prisma: TasksPrisma, tasks: readonly StoredTask[]) {
  const found = await prisma.taskResult.findMany({ where: { id: { in: tasks.map((task) => task.id) } } });
  const byId = new Map(found.map((row) => [row.id, row]));
  return tasks.map((task) => {
    const row = byId.get(task.id)!;
    return { status: row.status, attempts: row.attempts, lockedBy: row.lockedBy, errors: (row.errors as { exceptionClass: string }[]).map((error) => error.exceptionClass) };
  });
}

const expectedRows = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    status: ["COMPLETE", "FAILED", "NEW"][index % 3],
    attempts: 1,
    lockedBy: null,
    errors: index % 3 === 0 ? [] : ["Error"],
  }));

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("the Completer on %s", (provider) => {
  test("record() after abandon() reports the outcome unwritten at once, and drain() counts it", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const [task] = await claimRecords(prisma, 1, "abandoner");
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const completer = new Completer(dialect, sql, "abandoner", () => {});
    completer.abandon();
    const reports: boolean[] = [];
    completer.record(outcomeOf(task!, 0), (written) => reports.push(written));
    expect(reports).toEqual([false]);
    expect(await completer.drain()).toBe(1);
    await close();
  });

  test("outcomes whose write committed but whose answer was lost count as written when retried: done(true), written once", async () => {
    const { prisma, close } = await createApp(provider, { tasks: [record] });
    const tasks = await claimRecords(prisma, 6, "writer");
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    // Each outcome statement runs for real, then its first answer is lost, as when the connection dies right after
    // the commit.
    const answered = new Set<string>();
    const lossy = wrapSql(sql, async (text, run) => {
      const answer = await run();
      if (OUTCOME_WRITE.test(text) && !answered.has(text)) {
        answered.add(text);
        throw connectionLost();
      }
      return answer;
    });
    const entries: LogEntry[] = [];
    const completer = new Completer(dialect, lossy, "writer", (entry) => entries.push(entry));

    const reports = await recordAll(completer, tasks.map(outcomeOf));

    expect(answered.size).toBeGreaterThan(0);
    expect(reports).toEqual(tasks.map(() => true));
    expect(await rows(prisma, tasks)).toEqual(expectedRows(tasks.length));
    expect(entries.map((entry) => entry.event)).not.toContain("outcome-rejected");
    await close();
  });
});

describe("the Completer while PostgreSQL goes away twice", () => {
  // A server of this file's own: the run's shared server must not stop under other test files.
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres({ useDatabaseUrl: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  test("keeps the outcomes through both outages, however they fall, and writes every one: none is OutcomeRejected", async () => {
    const url = await server.createDatabase("flapping");
    await applyMigrations({ provider: "postgresql", url });
    const prisma = tasksClient({ provider: "postgresql", url }, { tasks: [record] });
    const tasks = await claimRecords(prisma, 30, "flappy");
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    // Once armed, the first statement that succeeds takes the server down again before its answer returns: the next
    // statement meets a server going away, as when outcomes held through an outage have just begun to be written.
    let armed = false;
    let secondOutage: Promise<void> | undefined;
    let failedBeforeSecondOutage = 0;
    const flapping = wrapSql(sql, async (text, run) => {
      const answer = await run();
      if (armed) {
        armed = false;
        await server.pause();
        failedBeforeSecondOutage = failedWrites();
        secondOutage = sleep(2_000).then(() => server.start());
      }
      return answer;
    });
    const entries: LogEntry[] = [];
    const completer = new Completer(dialect, flapping, "flappy", (entry) => entries.push(entry));
    const failedWrites = () => entries.filter((entry) => entry.event === "outcome-write-failed").length;

    await server.pause();
    const reports = recordAll(completer, tasks.map(outcomeOf));
    await eventually("three writes fail while the server is down", async () => failedWrites() >= 3);
    armed = true;
    await server.start();
    await eventually("the server goes down a second time", async () => secondOutage !== undefined);
    await secondOutage;

    expect(await reports).toEqual(tasks.map(() => true));
    expect(failedWrites()).toBeGreaterThan(failedBeforeSecondOutage);
    expect(entries.map((entry) => entry.event)).not.toContain("outcome-rejected");
    expect(await rows(prisma, tasks)).toEqual(expectedRows(tasks.length));
    await prisma.$disconnect();
  }, 60_000);
});
