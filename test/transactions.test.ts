// Specification of enqueue inside interactive transactions: tasks commit and roll back with the data around them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { z } from "zod";
import {
  InvalidTaskArguments,
  NestedTransaction,
  TaskStatus,
  TransactionClosed,
  task,
  withTasks,
  type TaskResult,
  type TasksConfig,
} from "../src/index.js";
import { NOTIFY_CHANNEL } from "../src/dialects/index.js";
import { connect, createDatabase, type Provider, type TestDatabase } from "./support/databases.js";
import { listen, openSecondConnection, type SecondConnection } from "./support/observers.js";

/** What tasks run by the immediate backend did, in order, beside what the tests themselves record. */
const events: string[] = [];
/** The connection the greet task checks its user's row through, to prove it runs only after the commit. */
let observer: SecondConnection;

const sendWelcomeEmail = task(
  { name: "accounts.sendWelcomeEmail", args: z.object({ userId: z.number().int() }), queueName: "emails" },
  async ({ userId }) => `sent:${userId}`,
);

const greet = task({ name: "accounts.greet", args: z.object({ email: z.string() }) }, async ({ email }) => {
  events.push(`greet ran; its user committed: ${await observer.seesUser(email)}`);
  return `greeted ${email}`;
});

const tasks = [sendWelcomeEmail, greet];

function uniqueEmail(): string {
  return `${randomUUID()}@example.com`;
}

/** The rejection of a promise that must reject, so its class and fields can be asserted. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the promise to reject"),
    (error: unknown) => error,
  );
}

class Rollback extends Error {}

function clientFor(database: TestDatabase, config: Partial<TasksConfig> = {}) {
  return connect(database).$extends(withTasks({ tasks, ...config }));
}

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("enqueue in a transaction on %s", (provider) => {
  let database: TestDatabase;
  let prisma: ReturnType<typeof clientFor>;
  let immediate: ReturnType<typeof clientFor>;
  let dummy: ReturnType<typeof clientFor>;
  let hooked: ReturnType<typeof clientFor>;
  const enqueuedHook: string[] = [];

  beforeAll(async () => {
    database = await createDatabase(provider);
    prisma = clientFor(database);
    immediate = clientFor(database, { backends: { default: { backend: "immediate" } } });
    dummy = clientFor(database, { backends: { default: { backend: "dummy" } } });
    hooked = clientFor(database, { onEnqueued: (result) => void enqueuedHook.push(`onEnqueued ${result.id}`) });
    observer = await openSecondConnection(database);
  });

  afterAll(async () => {
    await observer.close();
    await Promise.all([prisma, immediate, dummy, hooked].map((client) => client.$disconnect()));
  });

  beforeEach(() => {
    events.length = 0;
    enqueuedHook.length = 0;
    dummy.$tasks.dummy().clear();
  });

  describe("visibility to other connections", () => {
    test("a task enqueued in an open transaction is invisible to another connection until the commit", async () => {
      let id = "";
      await prisma.$transaction(async (tx) => {
        const user = await tx.user.create({ data: { email: uniqueEmail() } });
        id = (await tx.$tasks.enqueue(sendWelcomeEmail, { userId: user.id })).id;
        expect(await observer.seesTask(id)).toBe(false);
      });
      expect(await observer.seesTask(id)).toBe(true);
    });

    test("a task enqueued in a transaction that rolls back is never visible", async () => {
      let id = "";
      const error = await rejectionOf(
        prisma.$transaction(async (tx) => {
          const user = await tx.user.create({ data: { email: uniqueEmail() } });
          id = (await tx.$tasks.enqueue(sendWelcomeEmail, { userId: user.id })).id;
          throw new Rollback("roll back");
        }),
      );
      expect(error).toBeInstanceOf(Rollback);
      expect(await observer.seesTask(id)).toBe(false);
      expect(await prisma.taskResult.findUnique({ where: { id } })).toBeNull();
    });

    test("the enqueuing transaction itself reads its task back before the commit", async () => {
      await prisma.$transaction(async (tx) => {
        const result = await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
        expect((await tx.$tasks.getResult(result.id)).status).toBe(TaskStatus.NEW);
        expect((await result.refresh()).status).toBe(TaskStatus.NEW);
      });
    });
  });

  describe("concurrent transactions", () => {
    test("of ten concurrent transactions, exactly the five that commit leave their users and tasks", async () => {
      const emails = Array.from({ length: 10 }, uniqueEmail);
      const outcomes = await Promise.allSettled(
        emails.map((email, i) =>
          prisma.$transaction(async (tx) => {
            const user = await tx.user.create({ data: { email } });
            await tx.$tasks.enqueue(sendWelcomeEmail, { userId: user.id }, { queueName: "concurrent" });
            if (i % 2 === 1) throw new Rollback(`roll back ${email}`);
          }),
        ),
      );
      expect(outcomes.map((outcome) => outcome.status)).toEqual(emails.map((_, i) => (i % 2 ? "rejected" : "fulfilled")));

      const users = await prisma.user.findMany({ where: { email: { in: emails } } });
      expect(users.map((user) => user.email).sort()).toEqual(emails.filter((_, i) => i % 2 === 0).sort());
      const rows = await prisma.taskResult.findMany({ where: { queueName: "concurrent" } });
      const taskUserIds = rows.map((row) => (row.args as { userId: number }).userId);
      const byNumber = (a: number, b: number) => a - b;
      expect(taskUserIds.sort(byNumber)).toEqual(users.map((user) => user.id).sort(byNumber));
    });
  });

  describe("joining the transaction", () => {
    test("prisma.$tasks.enqueue called inside the callback joins the transaction and rolls back with it", async () => {
      let id = "";
      await rejectionOf(
        prisma.$transaction(async () => {
          id = (await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 7 })).id;
          expect(await observer.seesTask(id)).toBe(false);
          throw new Rollback("roll back");
        }),
      );
      expect(await prisma.taskResult.findUnique({ where: { id } })).toBeNull();
    });

    test("prisma.$tasks.enqueue called inside the callback commits with the transaction", async () => {
      let id = "";
      await prisma.$transaction(async () => {
        id = (await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 8 })).id;
        expect(await observer.seesTask(id)).toBe(false);
      });
      expect(await observer.seesTask(id)).toBe(true);
    });

    test("a caught InvalidTaskArguments leaves the transaction usable for more writes and enqueues", async () => {
      const email = uniqueEmail();
      let id = "";
      await prisma.$transaction(async (tx) => {
        const error = await rejectionOf(tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1.5 }));
        expect(error).toBeInstanceOf(InvalidTaskArguments);
        const user = await tx.user.create({ data: { email } });
        id = (await tx.$tasks.enqueue(sendWelcomeEmail, { userId: user.id })).id;
      });
      expect(await observer.seesUser(email)).toBe(true);
      expect(await observer.seesTask(id)).toBe(true);
    });
  });

  describe("misuse of transaction clients", () => {
    test("$transaction called on tx throws NestedTransaction", async () => {
      let error: unknown;
      await prisma.$transaction(async (tx) => {
        error = await rejectionOf(tx.$transaction(async () => undefined));
      });
      expect(error).toBeInstanceOf(NestedTransaction);
    });

    test("tx.$tasks.enqueue from a timer that fires after the callback returned throws TransactionClosed and writes nothing", async () => {
      const before = await prisma.taskResult.count();
      let late: Promise<unknown> | undefined;
      await prisma.$transaction(async (tx) => {
        late = new Promise((resolve) => setTimeout(resolve, 0)).then(() => tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }));
        late.catch(() => undefined);
      });
      expect(await rejectionOf(late!)).toBeInstanceOf(TransactionClosed);
      expect(await prisma.taskResult.count()).toBe(before);
    });

    test("a tx kept after $transaction resolved throws TransactionClosed and writes nothing", async () => {
      const before = await prisma.taskResult.count();
      let kept: Parameters<Parameters<typeof prisma.$transaction>[0]>[0] | undefined;
      await prisma.$transaction(async (tx) => {
        kept = tx;
      });
      expect(await rejectionOf(kept!.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }))).toBeInstanceOf(TransactionClosed);
      expect(await prisma.taskResult.count()).toBe(before);
    });

    test("a tx kept after its transaction rolled back throws TransactionClosed and writes nothing", async () => {
      const before = await prisma.taskResult.count();
      let kept: Parameters<Parameters<typeof prisma.$transaction>[0]>[0] | undefined;
      await rejectionOf(
        prisma.$transaction(async (tx) => {
          kept = tx;
          throw new Rollback("roll back");
        }),
      );
      expect(await rejectionOf(kept!.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }))).toBeInstanceOf(TransactionClosed);
      expect(await prisma.taskResult.count()).toBe(before);
    });

    test("the array form of $transaction still runs its queries in one transaction", async () => {
      const [first, second] = [uniqueEmail(), uniqueEmail()];
      const [a, b] = await prisma.$transaction([
        prisma.user.create({ data: { email: first } }),
        prisma.user.create({ data: { email: second } }),
      ]);
      expect([a.email, b.email]).toEqual([first, second]);
      await rejectionOf(
        prisma.$transaction([prisma.user.create({ data: { email: uniqueEmail() } }), prisma.user.create({ data: { email: first } })]),
      );
      expect(await prisma.user.count({ where: { email: { in: [first, second] } } })).toBe(2);
    });
  });

  describe("the immediate backend", () => {
    test("runs a task enqueued in a transaction after the commit, before $transaction resolves", async () => {
      const email = uniqueEmail();
      let result: TaskResult<{ email: string }, string> | undefined;
      await immediate.$transaction(async (tx) => {
        await tx.user.create({ data: { email } });
        result = await tx.$tasks.enqueue(greet, { email });
        events.push(`enqueue resolved with ${result.status}`);
      });
      events.push("transaction resolved");
      expect(events).toEqual(["enqueue resolved with NEW", "greet ran; its user committed: true", "transaction resolved"]);
      await result!.refresh();
      expect(result!.status).toBe(TaskStatus.COMPLETE);
      expect(result!.returnValue).toBe(`greeted ${email}`);
    });

    test("never runs a task enqueued in a transaction that rolled back", async () => {
      await rejectionOf(
        immediate.$transaction(async (tx) => {
          await tx.$tasks.enqueue(greet, { email: uniqueEmail() });
          throw new Rollback("roll back");
        }),
      );
      expect(events).toEqual([]);
    });
  });

  describe("the dummy backend", () => {
    test("records a task enqueued in a transaction only once it commits, and runs nothing", async () => {
      const email = uniqueEmail();
      let id = "";
      await dummy.$transaction(async (tx) => {
        id = (await tx.$tasks.enqueue(greet, { email })).id;
        expect(dummy.$tasks.dummy().results).toEqual([]);
      });
      expect(dummy.$tasks.dummy().results.map((result) => [result.id, result.status, result.args])).toEqual([
        [id, TaskStatus.NEW, { email }],
      ]);
      expect(events).toEqual([]);
    });

    test("records nothing for a transaction that rolled back", async () => {
      await rejectionOf(
        dummy.$transaction(async (tx) => {
          await tx.$tasks.enqueue(greet, { email: uniqueEmail() });
          throw new Rollback("roll back");
        }),
      );
      expect(dummy.$tasks.dummy().results).toEqual([]);
    });
  });

  describe("the onEnqueued hook", () => {
    test("is called after the commit, not when enqueue resolves inside the transaction", async () => {
      let id = "";
      await hooked.$transaction(async (tx) => {
        id = (await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 })).id;
        enqueuedHook.push("callback returning");
      });
      expect(enqueuedHook).toEqual(["callback returning", `onEnqueued ${id}`]);
    });

    test("is not called for a transaction that rolled back", async () => {
      await rejectionOf(
        hooked.$transaction(async (tx) => {
          await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
          throw new Rollback("roll back");
        }),
      );
      expect(enqueuedHook).toEqual([]);
    });
  });
});

describe("enqueue wakes PostgreSQL workers with NOTIFY", () => {
  let database: TestDatabase;
  let prisma: ReturnType<typeof clientFor>;
  let listener: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    database = await createDatabase("postgresql");
    prisma = clientFor(database);
    listener = await listen(database, NOTIFY_CHANNEL);
  });

  afterAll(async () => {
    await listener.close();
    await prisma.$disconnect();
  });

  beforeEach(() => {
    listener.payloads.length = 0;
  });

  test(`an enqueue outside a transaction notifies channel "${NOTIFY_CHANNEL}" with the queue name`, async () => {
    await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
    await listener.sync("marker");
    expect(listener.payloads).toEqual(["emails", "marker"]);
  });

  test("an enqueue in a transaction notifies only once the transaction commits", async () => {
    await prisma.$transaction(async (tx) => {
      await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
      await listener.sync("before commit");
      expect(listener.payloads).toEqual(["before commit"]);
    });
    await listener.sync("after commit");
    expect(listener.payloads).toEqual(["before commit", "emails", "after commit"]);
  });

  test("an enqueue in a transaction that rolls back never notifies", async () => {
    await rejectionOf(
      prisma.$transaction(async (tx) => {
        await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
        throw new Rollback("roll back");
      }),
    );
    await listener.sync("after rollback");
    expect(listener.payloads).toEqual(["after rollback"]);
  });

  test("a task whose runAfter is in the future sends no notification", async () => {
    await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }, { runAfter: 60_000 });
    await listener.sync("marker");
    expect(listener.payloads).toEqual(["marker"]);
  });

  test("enqueueMany to one queue sends a single notification", async () => {
    await prisma.$tasks.enqueueMany(sendWelcomeEmail, [{ userId: 1 }, { userId: 2 }, { userId: 3 }]);
    await listener.sync("marker");
    expect(listener.payloads).toEqual(["emails", "marker"]);
  });
});
