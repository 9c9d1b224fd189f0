// Specification of `tasks-worker prune`: which finished rows it deletes (or, dry, counts), and which it never touches.
import { afterAll, describe, expect, test } from "vitest";
import { TaskStatus } from "../src/index.js";
import { allTasks, noop, record, sendEmail } from "./fixtures/tasks.js";
import { createApp } from "./support/app.js";
import type { Provider } from "./support/databases.js";
import { killLeftoverWorkers, runWorker } from "./support/processes.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const opened: (() => Promise<void>)[] = [];

afterAll(async () => {
  await killLeftoverWorkers();
  await Promise.all(opened.map((close) => close()));
});

/** Rows by label: [queue, status, age in days of finished_at]. */
const ROWS = {
  "complete 20 days ago": ["default", TaskStatus.COMPLETE, 20],
  "complete 1 day ago": ["default", TaskStatus.COMPLETE, 1],
  "failed 20 days ago": ["default", TaskStatus.FAILED, 20],
  "failed 7 days ago": ["default", TaskStatus.FAILED, 7],
  "emails, complete 20 days ago": ["emails", TaskStatus.COMPLETE, 20],
  // Never finished rows carry no finished_at; these carry an old one anyway, so only their status protects them.
  "new, enqueued 30 days ago": ["default", TaskStatus.NEW, 30],
  "running, started 30 days ago": ["default", TaskStatus.RUNNING, 30],
} as const;

type Label = keyof typeof ROWS;

/** A fresh database holding one row per label, aged by backdating its times. */
async function agedRows(provider: Provider) {
  const app = await createApp(provider, { tasks: allTasks });
  opened.push(app.close);
  const ids = new Map<string, Label>();
  for (const [label, [queue, status, ageDays]] of Object.entries(ROWS) as [Label, (typeof ROWS)[Label]][]) {
    const result =
      queue === "emails" ? await app.prisma.$tasks.enqueue(sendEmail, { key: label }) : await app.prisma.$tasks.enqueue(record, { key: label });
    const then = new Date(Date.now() - ageDays * DAY_MS);
    await app.prisma.taskResult.updateMany({
      where: { id: result.id },
      data: { status, enqueuedAt: then, runAfter: then, startedAt: then, finishedAt: then, attempts: status === TaskStatus.NEW ? 0 : 1 },
    });
    ids.set(result.id, label);
  }
  const remaining = async () => {
    const rows = await app.prisma.taskResult.findMany({ select: { id: true } });
    return rows.map((row) => ids.get(row.id)).sort();
  };
  return { ...app, remaining };
}

const ALL_LABELS = (Object.keys(ROWS) as Label[]).sort();

describe.concurrent.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker prune on %s", (provider) => {
  test("--dry-run prints what it would delete and deletes nothing", async () => {
    const { database, remaining } = await agedRows(provider);

    const run = await runWorker(database, ["prune", "--dry-run"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "prune (all queues): would delete 2 COMPLETE task(s) finished over 14 day(s) ago and " +
        "1 FAILED or CANCELLED task(s) finished over 14 day(s) ago\n",
    );
    expect(await remaining()).toEqual(ALL_LABELS);
  });

  test("deletes finished rows older than 14 days by default, and never NEW or RUNNING rows", async () => {
    const { database, remaining } = await agedRows(provider);

    const run = await runWorker(database, ["prune"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/deleted 2 COMPLETE task\(s\) finished over 14 day\(s\) ago and 1 FAILED or CANCELLED task\(s\)/);
    expect(await remaining()).toEqual(
      ["complete 1 day ago", "failed 7 days ago", "new, enqueued 30 days ago", "running, started 30 days ago"].sort(),
    );
  });

  test("--min-age-days and --failed-min-age-days set the age limits of COMPLETE and FAILED rows apart", async () => {
    const { database, remaining } = await agedRows(provider);

    const run = await runWorker(database, ["prune", "--min-age-days", "30", "--failed-min-age-days", "5"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/deleted 0 COMPLETE task\(s\) finished over 30 day\(s\) ago and 2 FAILED or CANCELLED task\(s\) finished over 5 day\(s\) ago/);
    expect(await remaining()).toEqual(ALL_LABELS.filter((label) => !label.startsWith("failed")));
  });

  test("--queue emails deletes only rows of the emails queue", async () => {
    const { database, remaining } = await agedRows(provider);

    const run = await runWorker(database, ["prune", "--queue", "emails"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^prune \(queues emails\): deleted 1 COMPLETE task\(s\) .* and 0 FAILED or CANCELLED task\(s\)/);
    expect(await remaining()).toEqual(ALL_LABELS.filter((label) => label !== "emails, complete 20 days ago"));
  });
});

// Not concurrent with the tests above: it runs two prune processes over 30,000 rows, which would slow theirs.
describe.each<Provider>(["postgresql", "sqlite", "mysql"])("tasks-worker prune of many rows on %s", (provider) => {
  test("deletes 30,000 rows in batches of --batch-size, printing its progress; --dry-run first counts them all", async () => {
    const app = await createApp(provider, { tasks: allTasks });
    opened.push(app.close);
    for (let i = 0; i < 3; i++) await app.prisma.$tasks.enqueueMany(noop, Array.from({ length: 10_000 }, () => undefined));
    const old = new Date(Date.now() - 20 * DAY_MS);
    await app.prisma.taskResult.updateMany({ data: { status: TaskStatus.COMPLETE, finishedAt: old, attempts: 1 } });

    const dry = await runWorker(app.database, ["prune", "--dry-run", "--batch-size", "1000"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe("prune (all queues): would delete 30000 COMPLETE task(s) finished over 14 day(s) ago and 0 FAILED or CANCELLED task(s) finished over 14 day(s) ago\n");
    expect(await app.prisma.taskResult.count()).toBe(30_000);

    const run = await runWorker(app.database, ["prune", "--batch-size", "1000"]);

    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toMatch(/^prune \(all queues\): deleted 30000 COMPLETE task\(s\) .* and 0 FAILED or CANCELLED task\(s\)/);
    // A line every ten batches at least (more when batches are slow), ending with the thirtieth, the last full one.
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (const line of progress) expect(line).toMatch(/^prune \(all queues\): deleted \d+ so far \(\d+ COMPLETE, 0 FAILED or CANCELLED\) in \d+ batch\(es\), [\d.]+ s$/);
    expect(progress.at(-1)).toMatch(/deleted 30000 so far \(30000 COMPLETE, 0 FAILED or CANCELLED\) in 30 batch\(es\)/);
    expect(await app.prisma.taskResult.count()).toBe(0);
  }, 180_000);
});
