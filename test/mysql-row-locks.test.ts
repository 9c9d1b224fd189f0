// Specification of row locks on MySQL: a statement that locks or changes given tasks (by id, or by unique key) locks
// those tasks' rows and no other. MariaDB left to itself ran such statements as a scan of a small table, locking each
// row it looked at; a claim running then skipped a ready task so locked and took a later one (a worker at
// --concurrency 1 ran a priority -100 task before a priority -5 one). A claim leaves the ready tasks past those it
// takes to other workers: given its task names as a JSON list it read, sorted and locked every ready task, and a
// second worker's claim found them all locked. Each test of a statement holds the lock of an unrelated ready task in a transaction of its own and
// runs the statement: it must finish without waiting for that lock.
import { createConnection, type Connection } from "mariadb";
import { afterAll, describe, expect, test } from "vitest";
import { connectionOptions } from "../scripts/db/mariadb.js";
import type { StoredTask } from "../src/dialects/types.js";
import { runtimeOf } from "../src/tasks-client.js";
import { noop } from "./fixtures/tasks.js";
import { refreshAccount, syncAccount } from "./fixtures/unique-tasks.js";
import { createApp, type TasksPrisma } from "./support/app.js";
import type { TestDatabase } from "./support/databases.js";

const opened: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

async function freshApp() {
  const app = await createApp("mysql", { tasks: [noop, syncAccount, refreshAccount] });
  opened.push(app.close);
  return app;
}

/** A transaction on a connection of its own that holds the locks of these rows until it rolls back. */
async function holdRowLocks(database: TestDatabase, ...ids: string[]): Promise<Connection> {
  const connection = await createConnection(connectionOptions(database.url));
  opened.push(() => connection.end());
  // As the library's transactions run (a claim's among them): REPEATABLE READ would lock the gaps between ids too.
  await connection.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  await connection.query("BEGIN");
  // One row at a time, by its id in the primary key: a lock on that row alone.
  for (const id of ids) {
    const rows = (await connection.query("SELECT id FROM task_results WHERE id = ? FOR UPDATE", [id])) as unknown[];
    expect(rows).toHaveLength(1);
  }
  return connection;
}

/**
 * Runs `statement`; fails as soon as a transaction on this database waits for a lock (InnoDB reports it in
 * information_schema while it waits), rather than after the server's lock wait timeout.
 */
async function withoutLockWaits<T>(database: TestDatabase, observer: Connection, statement: () => Promise<T>): Promise<T> {
  const name = new URL(database.url).pathname.slice(1);
  let done = false;
  const watch = (async () => {
    while (!done) {
      const waiting = (await observer.query(
        `SELECT t.trx_query AS query FROM information_schema.INNODB_TRX AS t
         JOIN information_schema.PROCESSLIST AS p ON p.ID = t.trx_mysql_thread_id
         WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?`,
        [name],
      )) as { query: string }[];
      if (waiting.length > 0) throw new Error(`a statement waits for a lock it should not need: ${waiting[0]!.query}`);
      // InnoDB refreshes what INNODB_TRX shows only when it was last read over 0.1 s before: a faster poll never
      // sees a wait.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    return await Promise.race([statement(), watch.then(() => undefined as never)]);
  } finally {
    done = true;
    await watch.catch(() => undefined);
  }
}

describe("on MySQL, a statement that locks given tasks locks only their rows", () => {
  test("a claim leaves the ready tasks it does not take to another worker's claim while it runs", async () => {
    const { prisma } = await freshApp();
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    // Ahead of them in claim order, ready tasks the claim steps over: of a task it does not claim, and of another queue.
    await prisma.$tasks.enqueueMany(refreshAccount.using({ priority: 10 }), [1, 2, 3].map((accountId) => ({ accountId })));
    await prisma.$tasks.enqueueMany(noop.using({ priority: 10, queueName: "reports" }), [undefined, undefined]);
    const tasks = await prisma.$tasks.enqueueMany(noop, Array.from({ length: 8 }, () => undefined));
    const request = { queues: ["default"], backend: undefined, taskNames: [noop.name], leaseMs: 60_000 };
    // The first claim's transaction, paused between its locking read and its UPDATE while a second worker claims.
    let second: StoredTask[] | undefined;
    const paused = {
      $transaction: (run: (tx: typeof sql) => Promise<unknown>, options: unknown) =>
        (sql as unknown as { $transaction: (run: (tx: typeof sql) => Promise<unknown>, options: unknown) => Promise<unknown> }).$transaction(
          (tx) =>
            run(
              new Proxy(tx, {
                get(target, property, receiver) {
                  if (property !== "$executeRawUnsafe") return Reflect.get(target, property, receiver);
                  return async (...args: Parameters<typeof tx.$executeRawUnsafe>) => {
                    second ??= await dialect.claimTasks(sql, { ...request, limit: 100, workerId: "second" });
                    return target.$executeRawUnsafe(...args);
                  };
                },
              }),
            ),
          options,
        ),
    } as unknown as typeof sql;

    const first = await dialect.claimTasks(paused, { ...request, limit: 2, workerId: "first" });

    expect(first).toHaveLength(2);
    // Given the task names as a JSON list, the first claim had locked every ready task of its name: the second got none.
    expect(second?.map((task) => task.id).sort()).toEqual(
      tasks
        .map((task) => task.id)
        .filter((id) => !first.some((task) => task.id === id))
        .sort(),
    );
  });

  test("recording a batch of outcomes does not wait on a ready task another transaction has locked", async () => {
    const { prisma, database } = await freshApp();
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const first = await prisma.$tasks.enqueue(noop.using({ priority: 10 }), undefined);
    const second = await prisma.$tasks.enqueue(noop.using({ priority: 5 }), undefined);
    const waiting = await prisma.$tasks.enqueue(noop, undefined);
    const claimed = await dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames: [noop.name], leaseMs: 60_000, limit: 2, workerId: "w" });
    expect(claimed.map((task) => task.id)).toEqual([first.id, second.id]);

    const locker = await holdRowLocks(database, waiting.id);
    const outcomes = claimed.map((task) => ({ id: task.id, attempt: 1, status: "COMPLETE" as const, returnValue: { json: "null", meta: null }, finishedAt: new Date() }));
    const written = await withoutLockWaits(database, locker, () => dialect.recordOutcomes(sql, "w", outcomes));

    expect(written.sort()).toEqual([first.id, second.id].sort());
    await locker.query("ROLLBACK");
    expect(await statuses(prisma)).toEqual({ [first.id]: "COMPLETE", [second.id]: "COMPLETE", [waiting.id]: "NEW" });
  });

  test("an enqueue that replaces its key's waiting task does not wait on another key's task", async () => {
    const { prisma, database } = await freshApp();
    const held = await prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "first" });
    const other = await prisma.$tasks.enqueue(refreshAccount, { accountId: 2 });
    const unkeyed = await prisma.$tasks.enqueue(noop, undefined);

    const locker = await holdRowLocks(database, other.id, unkeyed.id);
    const replaced = await withoutLockWaits(database, locker, () => prisma.$tasks.enqueue(refreshAccount, { accountId: 1, note: "second" }));

    expect(replaced).toMatchObject({ id: held.id, replaced: true, args: { accountId: 1, note: "second" } });
    await locker.query("ROLLBACK");
  });

  test("a retry of a keyed task does not wait on another key's task", async () => {
    const { prisma, database } = await freshApp();
    const { dialect, sql } = runtimeOf(prisma.$tasks);
    const failed = await prisma.$tasks.enqueue(syncAccount, { accountId: 1 });
    await dialect.claimTasks(sql, { queues: "*", backend: undefined, taskNames: [syncAccount.name], leaseMs: 60_000, limit: 1, workerId: "w" });
    const error = { exceptionClass: "Error", message: "down", traceback: "" };
    expect(await dialect.recordOutcomes(sql, "w", [{ id: failed.id, attempt: 1, status: "FAILED", error, finishedAt: new Date() }])).toEqual([failed.id]);
    const other = await prisma.$tasks.enqueue(syncAccount, { accountId: 2 });

    const locker = await holdRowLocks(database, other.id);
    const retried = await withoutLockWaits(database, locker, () => prisma.$tasks.retry(failed.id));

    expect(retried).toMatchObject({ id: failed.id, status: "NEW" });
    await locker.query("ROLLBACK");
  });
});

async function statuses(prisma: TasksPrisma): Promise<Record<string, string>> {
  const rows = await prisma.taskResult.findMany({ select: { id: true, status: true } });
  return Object.fromEntries(rows.map((row) => [row.id, row.status]));
}
