// Specification of unique tasks: enqueue's uniqueKey and task({ unique }), enforced by the database on PostgreSQL and
// SQLite (across processes and transactions), and held in memory by the dummy and immediate backends.
import { spawn } from "node:child_process";
import { afterAll, describe, expect, test } from "vitest";
import { createDashboard } from "../src/dashboard/index.js";
import { InvalidTask, TaskStatus, UniqueKeyHeld, task, type AnyTask } from "../src/index.js";
import { runtimeOf } from "../src/tasks-client.js";
import { runUntilIdle } from "../src/testing.js";
import { noop } from "./fixtures/tasks.js";
import { exportAccount, refreshAccount, syncAccount, uniqueTasks } from "./fixtures/unique-tasks.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import { compiled } from "./support/compiled.js";
import type { Provider, TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";

const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

async function freshApp(provider: Provider, backend: "database" | "dummy" | "immediate" = "database", tasks: AnyTask[] = [...uniqueTasks, noop]) {
  const app = await createApp(provider, { tasks, backends: { default: { backend } } });
  opened.push(app.close);
  return app;
}

async function rowsOf(prisma: TasksPrisma, taskName: string) {
  return prisma.taskResult.findMany({ where: { taskName }, orderBy: { enqueuedAt: "asc" } });
}

/** Claims every ready task of these names as a worker would: they stay RUNNING, held by a worker no process runs. */
async function claim(prisma: TasksPrisma, taskNames: string[]) {
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  return dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames, leaseMs: 60_000, limit: 100, workerId: "test-holder" });
}

describe.each(["postgresql", "sqlite", "mysql"] as const)("unique tasks on %s", (provider) => {
  test("an enqueue whose key a waiting task holds stores nothing and returns that task, deduplicated", async () => {
    const { prisma } = await freshApp(provider);
    const first = await prisma.$tasks.enqueue(syncAccount, { accountId: 1, note: "first" });
    const second = await prisma.$tasks.enqueue(syncAccount, { accountId: 1, note: "second" });
    const otherAccount = await prisma.$tasks.enqueue(syncAccount, { accountId: 2 });
    const byOption = await prisma.$tasks.enqueue(noop, undefined, { uniqueKey: "sync:1" });
    const byOptionAgain = await prisma.$tasks.enqueue(noop, undefined, { uniqueKey: "sync:1" });

    expect(first).toMatchObject({ deduplicated: false, replaced: false, uniqueKey: "sync:1" });
    expect(second).toMatchObject({ id: first.id, deduplicated: true, replaced: false, status: "NEW", args: { accountId: 1, note: "first" } });
    expect(otherAccount.deduplicated).toBe(false);
    expect(byOption.deduplicated).toBe(false);
    expect(byOptionAgain).toMatchObject({ id: byOption.id, deduplicated: true });
    expect((await rowsOf(prisma, syncAccount.name)).map((row) => row.id)).toEqual([first.id, otherAccount.id]);
  });

  test("keys that differ only in case or accents are different keys, as the app wrote them", async () => {
    const { prisma } = await freshApp(provider);
    const keys = ["aB3x", "Ab3X", "resume", "résumé", "straße", "strasse"];
    const results = await Promise.all(keys.map((uniqueKey) => prisma.$tasks.enqueue(noop, undefined, { uniqueKey })));

    expect(results.map((result) => result.deduplicated)).toEqual(keys.map(() => false));
    expect(new Set(results.map((result) => result.id)).size).toBe(keys.length);
    expect((await prisma.$tasks.enqueue(noop, undefined, { uniqueKey: "Ab3X" })).id).toBe(results[1]!.id);
  });

  test('onConflict "replace" keeps one row, with the last args, priority and runAfter', async () => {
    const { prisma } = await freshApp(provider);
    const first = await prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "first" });
    const last = await prisma.$tasks.enqueue(refreshAccount.using({ priority: 5 }), { accountId: 1, note: "last" }, { runAfter: 60_000 });

    expect(last).toMatchObject({ id: first.id, replaced: true, deduplicated: false, args: { accountId: 1, note: "last" }, priority: 5 });
    const rows = await rowsOf(prisma, refreshAccount.name);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.id, args: { accountId: 1, note: "last" }, priority: 5 });
    expect(rows[0]!.runAfter.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  test("a finished task frees its key: completed or cancelled, the next enqueue stores a new task", async () => {
    const { prisma } = await freshApp(provider);
    const completed = await prisma.$tasks.enqueue(syncAccount, { accountId: 3 });
    await runUntilIdle(prisma);
    const afterCompleted = await prisma.$tasks.enqueue(syncAccount, { accountId: 3 });
    await afterCompleted.cancel();
    const afterCancelled = await prisma.$tasks.enqueue(syncAccount, { accountId: 3 });

    expect((await completed.refresh()).status).toBe(TaskStatus.COMPLETE);
    expect(afterCompleted).toMatchObject({ deduplicated: false, status: TaskStatus.CANCELLED });
    expect(afterCancelled.deduplicated).toBe(false);
    expect(new Set([completed.id, afterCompleted.id, afterCancelled.id]).size).toBe(3);
  });

  test("a transaction sees its own key held, and a rolled-back transaction frees the key", async () => {
    const { prisma } = await freshApp(provider);
    const rollback = new Error("rolled back on purpose");
    const inside = prisma.$transaction(async (tx) => {
      const first = await tx.$tasks.enqueue(syncAccount, { accountId: 4 });
      const again = await tx.$tasks.enqueue(syncAccount, { accountId: 4 });
      expect(again).toMatchObject({ id: first.id, deduplicated: true });
      throw rollback;
    });
    await expect(inside).rejects.toBe(rollback);

    const after = await prisma.$tasks.enqueue(syncAccount, { accountId: 4 });
    expect(after.deduplicated).toBe(false);
    expect(await rowsOf(prisma, syncAccount.name)).toHaveLength(1);
  });

  test("enqueueMany stores one task per key and reports the items deduplicated in the batch and against stored rows", async () => {
    const { prisma } = await freshApp(provider);
    const stored = await prisma.$tasks.enqueue(syncAccount, { accountId: 1, note: "stored" });
    const results = await prisma.$tasks.enqueueMany(syncAccount, [
      { accountId: 1, note: "a" },
      { accountId: 2, note: "b" },
      { accountId: 2, note: "c" },
      { accountId: 3, note: "d" },
    ]);
    expect(results.map((result) => [result.id, result.deduplicated])).toEqual([
      [stored.id, true],
      [results[1]!.id, false],
      [results[1]!.id, true],
      [results[3]!.id, false],
    ]);
    // Rows of one batch share their enqueue time: compared in account order.
    const byAccount = (a: { args: unknown }, b: { args: unknown }) => (a.args as { accountId: number }).accountId - (b.args as { accountId: number }).accountId;
    expect((await rowsOf(prisma, syncAccount.name)).sort(byAccount).map((row) => row.args)).toEqual([
      { accountId: 1, note: "stored" },
      { accountId: 2, note: "b" },
      { accountId: 3, note: "d" },
    ]);

    const replaced = await prisma.$tasks.enqueueMany(refreshAccount, [
      { accountId: 1, note: "a" },
      { accountId: 1, note: "b" },
    ]);
    expect(replaced.map((result) => [result.id, result.replaced])).toEqual([
      [replaced[0]!.id, false],
      [replaced[0]!.id, true],
    ]);
    expect((await rowsOf(prisma, refreshAccount.name)).map((row) => row.args)).toEqual([{ accountId: 1, note: "b" }]);
  });

  test('"unfinished" holds the key while the task runs (replace acts as skip on it); "queued" gives it up at the claim', async () => {
    const { prisma } = await freshApp(provider);
    const exporting = await prisma.$tasks.enqueue(exportAccount, { accountId: 1, note: "running" });
    const syncing = await prisma.$tasks.enqueue(syncAccount, { accountId: 1 });
    expect(await claim(prisma, [exportAccount.name, syncAccount.name])).toHaveLength(2);

    const exportAgain = await prisma.$tasks.enqueue(exportAccount, { accountId: 1, note: "later" });
    const syncAgain = await prisma.$tasks.enqueue(syncAccount, { accountId: 1 });

    expect(exportAgain).toMatchObject({ id: exporting.id, deduplicated: true, replaced: false, status: "RUNNING", args: { accountId: 1, note: "running" } });
    expect(syncAgain.deduplicated).toBe(false);
    expect(syncAgain.id).not.toBe(syncing.id);
  });

  test("retry takes the key back; it fails with UniqueKeyHeld naming the holder when another task holds it", async () => {
    const { prisma } = await freshApp(provider);
    const first = await prisma.$tasks.enqueue(syncAccount, { accountId: 9, note: "first" });
    await first.cancel();
    const second = await prisma.$tasks.enqueue(syncAccount, { accountId: 9, note: "second" });
    await second.cancel();

    // Both are CANCELLED with one key: a bulk retry sends one back and leaves the other.
    const retried = await prisma.$tasks.retryMany({ status: TaskStatus.CANCELLED, taskName: syncAccount.name });
    expect(retried.ids).toEqual([[first.id, second.id].sort()[0]]);
    const left = retried.ids[0] === first.id ? second : first;

    const refused = await prisma.$tasks.retry(left.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UniqueKeyHeld);
    expect(refused).toMatchObject({ id: left.id, uniqueKey: "sync:9", holderId: retried.ids[0] });
    expect((refused as Error).message).toContain(retried.ids[0]);
    expect((await left.refresh()).status).toBe(TaskStatus.CANCELLED);
    expect(await prisma.$tasks.enqueue(syncAccount, { accountId: 9 })).toMatchObject({ id: retried.ids[0], deduplicated: true });
  });
});

describe("unique tasks in the dashboard", () => {
  test("a retry refused because another task holds the key says so on the task's page", async () => {
    const { prisma } = await freshApp("sqlite");
    const cancelled = await prisma.$tasks.enqueue(syncAccount, { accountId: 5 });
    await cancelled.cancel();
    await prisma.$tasks.enqueue(syncAccount, { accountId: 5 });
    const dashboard = createDashboard({ prisma });
    const token = "a".repeat(64);
    const posted = await dashboard(
      new Request(`http://app.example/tasks/${cancelled.id}/retry`, {
        method: "POST",
        headers: { cookie: `prisma_tasks_csrf=${token}`, origin: "http://app.example", "content-type": "application/x-www-form-urlencoded" },
        body: `csrf=${token}`,
      }),
    );
    expect(posted.status).toBe(303);
    const page = await dashboard(new Request(new URL(posted.headers.get("location")!, "http://app.example")));
    expect(await page.text()).toContain("Not retried: another task with the same unique key is waiting or running.");
    expect((await cancelled.refresh()).status).toBe(TaskStatus.CANCELLED);
  });
});

describe("unique tasks across processes", () => {
  // One set of processes for both databases: starting a process is what takes time here.
  test("16 concurrent enqueues of one key from 4 processes store one task, on PostgreSQL and on SQLite", async () => {
    const apps = [await freshApp("postgresql"), await freshApp("sqlite")];
    const processes = Array.from({ length: 4 }, () => startEnqueuer(apps.map((app) => app.database), 4));
    await Promise.all(processes.map((each) => each.ready));
    for (const each of processes) each.go();
    const results = await Promise.all(processes.map((each) => each.results));

    for (const [index, { prisma }] of apps.entries()) {
      const rows = await rowsOf(prisma, syncAccount.name);
      const mine = results.flatMap((perDatabase) => perDatabase[index]!);
      expect(rows).toHaveLength(1);
      expect(mine).toHaveLength(16);
      expect(mine.filter((result) => !result.deduplicated)).toHaveLength(1);
      expect(new Set(mine.map((result) => result.id))).toEqual(new Set([rows[0]!.id]));
    }
  });
});

describe("unique tasks in PostgreSQL transactions", () => {
  /** Enqueues sync:12 in a transaction held open while another connection enqueues it too; ends it as `end` says. */
  async function raceWithOpenTransaction(end: "commit" | "rollback") {
    const { prisma } = await freshApp("postgresql");
    let finish!: () => void;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    let enqueuedInside!: (id: string) => void;
    const inside = new Promise<string>((resolve) => (enqueuedInside = resolve));
    const transaction = prisma
      .$transaction(async (tx) => {
        enqueuedInside((await tx.$tasks.enqueue(syncAccount, { accountId: 12, note: "inside" })).id);
        await ended;
        if (end === "rollback") throw new Error("rolled back on purpose");
      })
      .catch(() => undefined);
    const heldId = await inside;
    const outside = prisma.$tasks.enqueue(syncAccount, { accountId: 12, note: "outside" });
    await eventually("the outside enqueue waits for the transaction that holds the key", async () => {
      const [row] = await prisma.$queryRawUnsafe<{ waiting: number }[]>(
        "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return row!.waiting === 1;
    });
    finish();
    await transaction;
    return { heldId, outside: await outside };
  }

  test("a key held by an uncommitted transaction makes another enqueue wait; after the commit it is deduplicated", async () => {
    const { heldId, outside } = await raceWithOpenTransaction("commit");
    expect(outside).toMatchObject({ id: heldId, deduplicated: true });
  });

  test("after that transaction rolls back, the waiting enqueue stores its task", async () => {
    const { heldId, outside } = await raceWithOpenTransaction("rollback");
    expect(outside.deduplicated).toBe(false);
    expect(outside.id).not.toBe(heldId);
    expect(outside.args).toEqual({ accountId: 12, note: "outside" });
  });
});

describe("retry racing an enqueue of the same key on PostgreSQL", () => {
  test.each(["retry", "retryMany"] as const)(
    "%s of a task whose key an uncommitted enqueue takes waits, then names the holder or skips it: no database error",
    async (how) => {
      const { prisma } = await freshApp("postgresql");
      const failed = await prisma.$tasks.enqueue(syncAccount, { accountId: 21, note: "failed" });
      await prisma.taskResult.update({ where: { id: failed.id }, data: { status: "FAILED", finishedAt: new Date(), uniqueHeld: false } });
      let finish!: () => void;
      const ended = new Promise<void>((resolve) => (finish = resolve));
      let enqueuedInside!: (id: string) => void;
      const inside = new Promise<string>((resolve) => (enqueuedInside = resolve));
      const transaction = prisma.$transaction(async (tx) => {
        enqueuedInside((await tx.$tasks.enqueue(syncAccount, { accountId: 21, note: "holder" })).id);
        await ended;
      });
      const holderId = await inside;
      // The retry's statement does not see the uncommitted holder; its write waits on the unique index.
      const retrying = (how === "retry" ? prisma.$tasks.retry(failed.id) : prisma.$tasks.retryMany({ status: TaskStatus.FAILED, taskName: syncAccount.name })).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await eventually("the retry waits for the transaction that holds the key", async () => {
        const [row] = await prisma.$queryRawUnsafe<{ waiting: number }[]>(
          "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        return row!.waiting === 1;
      });
      finish();
      await transaction;

      const outcome = await retrying;
      if (how === "retry") expect(outcome).toMatchObject({ error: { name: "UniqueKeyHeld", holderId } });
      else expect(outcome).toEqual({ value: { count: 0, ids: [] } });
      expect((await prisma.$tasks.getResult(failed.id)).status).toBe(TaskStatus.FAILED);
    },
  );
});

describe("keyed batches at once on PostgreSQL", () => {
  test("two enqueueMany calls with the same keys in opposite orders never deadlock: each key stored once", async () => {
    const { prisma } = await freshApp("postgresql");
    const keys = Array.from({ length: 200 }, (_, i) => i);
    for (let round = 0; round < 10; round++) {
      const items = keys.map((i) => ({ accountId: round * 1000 + i, note: "" }));
      const results = await Promise.all([
        prisma.$tasks.enqueueMany(syncAccount, items),
        prisma.$tasks.enqueueMany(syncAccount, [...items].reverse()),
      ]);
      expect(results.flat().filter((result) => !result.deduplicated)).toHaveLength(keys.length);
    }
    expect(await prisma.taskResult.count()).toBe(10 * keys.length);
  });
});

describe("unique tasks on the dummy backend", () => {
  test("hold their key while recorded NEW: deduplicated, replaced, and a retry refused while another holds it", async () => {
    const { prisma } = await freshApp("sqlite", "dummy");
    const first = await prisma.$tasks.enqueue(syncAccount, { accountId: 1, note: "first" });
    expect(await prisma.$tasks.enqueue(syncAccount, { accountId: 1, note: "again" })).toMatchObject({ id: first.id, deduplicated: true });
    const refresh = await prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "a" });
    expect(await prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "b" })).toMatchObject({ id: refresh.id, replaced: true, args: { accountId: 1, note: "b" } });

    await first.cancel();
    const holder = await prisma.$tasks.enqueue(syncAccount, { accountId: 1, note: "holder" });
    expect(holder.deduplicated).toBe(false);
    await expect(first.retry()).rejects.toMatchObject({ name: "UniqueKeyHeld", holderId: holder.id });
    expect(prisma.$tasks.dummy().results.map((result) => result.args)).toEqual([
      { accountId: 1, note: "first" },
      { accountId: 1, note: "b" },
      { accountId: 1, note: "holder" },
    ]);
  });
});

describe("unique tasks on the immediate backend", () => {
  test('run every enqueue made one after another; "unfinished" deduplicates an enqueue made while its holder runs', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const report = task(
      { name: "test.uniqueReport", unique: { key: (month: string) => `report:${month}`, while: "unfinished" } },
      async (month: string) => {
        started();
        await finished;
        return month;
      },
    );
    const { prisma } = await freshApp("sqlite", "immediate", [report, syncAccount]);

    const first = await prisma.$tasks.enqueue(syncAccount, { accountId: 1 });
    const second = await prisma.$tasks.enqueue(syncAccount, { accountId: 1 });
    expect([first.status, second.status, second.deduplicated]).toEqual(["COMPLETE", "COMPLETE", false]);
    expect(second.id).not.toBe(first.id);

    const holder = prisma.$tasks.enqueue(report, "2026-11");
    await running;
    const during = await prisma.$tasks.enqueue(report, "2026-11");
    finish();
    const held = await holder;
    expect(during).toMatchObject({ id: held.id, deduplicated: true, status: "RUNNING" });
    expect(held.status).toBe("COMPLETE");
    expect((await prisma.$tasks.enqueue(report, "2026-11")).deduplicated).toBe(false);
  });
});

describe("unique tasks on the immediate backend, in one enqueueMany", () => {
  test('"replace" acts as "skip": the first item runs with its own args and the later one reports it, deduplicated', async () => {
    const { prisma } = await freshApp("sqlite", "immediate");

    const [first, later] = await prisma.$tasks.enqueueMany(refreshAccount, [
      { accountId: 3, note: "first" },
      { accountId: 3, note: "last" },
    ]);

    expect(first).toMatchObject({ status: "COMPLETE", args: { accountId: 3, note: "first" }, returnValue: { accountId: 3, note: "first" } });
    expect(first!.deduplicated || first!.replaced).toBe(false);
    expect(later).toMatchObject({ id: first!.id, deduplicated: true, replaced: false, returnValue: { accountId: 3, note: "first" } });
  });
});

describe("unique options", () => {
  test("are checked where they are given, naming the task, the field and the rule", async () => {
    expect(() => task({ name: "bad.while", unique: { while: "always" as "queued" } }, async () => null)).toThrow(
      /Task "bad\.while": unique\.while must be "queued" \(NEW\) or "unfinished"/,
    );
    expect(() => task({ name: "bad.key", unique: { key: "sync" as unknown as () => string } }, async () => null)).toThrow(InvalidTask);
    const { prisma } = await freshApp("sqlite", "dummy");
    await expect(prisma.$tasks.enqueue(noop, undefined, { uniqueKey: "" })).rejects.toThrow(/Task "test\.noop": uniqueKey must be a non-empty string/);
    const unkeyable = task({ name: "bad.keyValue", unique: { key: () => 42 as unknown as string } }, async () => null);
    const app = await freshApp("sqlite", "dummy", [unkeyable]);
    await expect(app.prisma.$tasks.enqueue(unkeyable)).rejects.toThrow(/unique\.key\(args\) must be a non-empty string.*got 42/);
  });
});

/** A process that enqueues sync:42 `count` times at once into each database when told to go; resolves with what each
 * enqueue returned, per database. */
function startEnqueuer(databases: TestDatabase[], count: number) {
  const targets = databases.map((database) => `${database.provider}=${database.url}`);
  const child = spawn(process.execPath, [compiled("test/fixtures/enqueue-unique.ts"), String(count), ...targets], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  let onOutput = () => {};
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    onOutput();
  });
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      onOutput = () => {
        const match = pattern.exec(output);
        if (match) resolve(match);
      };
      child.once("exit", (code) => reject(new Error(`enqueuer exited ${code} before printing ${pattern}:\n${output}`)));
      onOutput();
    });
  const ready = line(/^ready$/m);
  return {
    ready,
    go: () => child.stdin.write("go\n"),
    results: ready.then(() => line(/^results (.*)$/m)).then((match) => JSON.parse(match[1]!) as { id: string; deduplicated: boolean }[][]),
  };
}
