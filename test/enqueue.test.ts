// Specification of $tasks.enqueue, enqueueMany and getResult: what is stored, what is refused, what each backend does.
import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { z } from "zod";
import { Prisma } from "../generated/postgresql/client.js";
import {
  GetResultNotSupported,
  InvalidConfig,
  InvalidTask,
  InvalidTaskArguments,
  QueueNotServed,
  SerializationError,
  TaskResultDoesNotExist,
  TaskStatus,
  UnknownBackend,
  task,
  withTasks,
  type TasksConfig,
} from "../src/index.js";
import { serialize } from "../src/serialization.js";
import { connect, createDatabase, type Provider, type TestDatabase } from "./support/databases.js";

/** What tasks did when a backend ran them, in order. */
const ran: string[] = [];

const sendWelcomeEmail = task(
  { name: "accounts.sendWelcomeEmail", args: z.object({ userId: z.number().int() }), queueName: "emails" },
  async ({ userId }) => {
    ran.push(`sendWelcomeEmail ${userId}`);
    return `sent:${userId}`;
  },
);

const scheduleReport = task(
  {
    name: "reports.schedule",
    args: z.object({ at: z.date(), budget: z.bigint(), owners: z.map(z.string(), z.number()) }),
  },
  async ({ owners }) => owners.size,
);

const importRows = task<{ row: number; parse?: unknown }>({ name: "imports.row" }, async ({ row }) => row);

const chargeCard = task({ name: "billing.charge", args: z.object({ cents: z.number() }) }, async ({ cents }) => {
  ran.push(`chargeCard ${cents}`);
  throw new RangeError(`card declined for ${cents} cents`);
});

let flakyFailuresLeft = 0;
const flaky = task(
  { name: "network.flaky", maxAttempts: 3, retryDelay: () => 60_000 },
  async () => {
    ran.push("flaky attempt");
    if (flakyFailuresLeft-- > 0) throw new Error("connection reset");
    return "finally";
  },
);

const tasks = [sendWelcomeEmail, scheduleReport, importRows, chargeCard, flaky];

/** A task that no withTasks() configuration in this file is given. */
const unregistered = task({ name: "never.registered" }, async () => undefined);

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the promise to reject"),
    (error: unknown) => error,
  );
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail("expected a throw");
}

function clientFor(database: TestDatabase, config: Partial<TasksConfig> = {}) {
  return connect(database).$extends(withTasks({ tasks, ...config }));
}

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("enqueue on %s", (provider) => {
  let database: TestDatabase;
  let prisma: ReturnType<typeof clientFor>;
  const clients: { $disconnect(): Promise<void> }[] = [];

  /** Another client with its own withTasks configuration, on the same database; disconnected after the file. */
  function configured(config: Partial<TasksConfig>) {
    const client = clientFor(database, config);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    database = await createDatabase(provider);
    prisma = configured({});
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
  });

  afterEach(async () => {
    ran.length = 0;
    await prisma.taskResult.deleteMany();
  });

  describe("the database backend", () => {
    test("stores a NEW row and returns its result at once", async () => {
      const result = await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 42 });
      expect(result.status).toBe(TaskStatus.NEW);
      const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } });
      expect(row).toMatchObject({
        taskName: "accounts.sendWelcomeEmail",
        status: "NEW",
        queueName: "emails",
        backend: "default",
        priority: 0,
        args: { userId: 42 },
        attempts: 0,
      });
      expect(ran).toEqual([]);
    });

    test("stores the queue and priority chosen with .using()", async () => {
      const result = await prisma.$tasks.enqueue(sendWelcomeEmail.using({ queueName: "urgent", priority: 90 }), { userId: 1 });
      const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } });
      expect(row).toMatchObject({ queueName: "urgent", priority: 90 });
    });

    test("stores the queue, priority and runAfter given as enqueue options, over the task's own", async () => {
      const runAfter = new Date(Date.now() + 3_600_000);
      const result = await prisma.$tasks.enqueue(
        sendWelcomeEmail.using({ queueName: "urgent", priority: 90 }),
        { userId: 1 },
        { queueName: "later", priority: -20, runAfter },
      );
      const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } });
      expect(row).toMatchObject({ queueName: "later", priority: -20, runAfter });
      expect(result).toMatchObject({ queueName: "later", priority: -20, runAfter });
    });

    test("stores runAfter given in milliseconds as that long after enqueuedAt", async () => {
      const result = await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }, { runAfter: 5 * 60_000 });
      const row = await prisma.taskResult.findUniqueOrThrow({ where: { id: result.id } });
      expect(row.runAfter.getTime() - row.enqueuedAt.getTime()).toBe(5 * 60_000);
    });
  });

  describe("enqueueMany", () => {
    test("stores 1,000 tasks in one call", async () => {
      const results = await prisma.$tasks.enqueueMany(
        sendWelcomeEmail,
        Array.from({ length: 1000 }, (_, userId) => ({ userId })),
      );
      expect(results).toHaveLength(1000);
      expect(new Set(results.map((result) => result.id)).size).toBe(1000);
      expect(await prisma.taskResult.count({ where: { taskName: sendWelcomeEmail.name } })).toBe(1000);
    });

    test("with one item failing the args schema stores nothing and names that item's index", async () => {
      const argsList = Array.from({ length: 1000 }, (_, userId) => ({ userId }));
      argsList[637] = { userId: 6.37 };
      const error = await rejectionOf(prisma.$tasks.enqueueMany(sendWelcomeEmail, argsList));
      expect(error).toBeInstanceOf(InvalidTaskArguments);
      expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", index: 637 });
      expect((error as Error).message).toMatch(/ {2}- argsList\[637\]\.userId: /);
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test("with one item that cannot be serialized stores nothing and names its path", async () => {
      const argsList: { row: number; parse?: unknown }[] = Array.from({ length: 1000 }, (_, row) => ({ row }));
      argsList[412] = { row: 412, parse: (text: string) => text };
      const error = await rejectionOf(prisma.$tasks.enqueueMany(importRows, argsList));
      expect(error).toBeInstanceOf(SerializationError);
      expect(error).toMatchObject({ taskName: "imports.row", path: "argsList[412].parse" });
      expect(await prisma.taskResult.count()).toBe(0);
    });
  });

  describe("getResult", () => {
    test("returns the stored result, with Date, BigInt and Map args as they were given", async () => {
      const args = { at: new Date("2031-02-03T04:05:06.789Z"), budget: 2n ** 70n, owners: new Map([["ada", 1]]) };
      const { id } = await prisma.$tasks.enqueue(scheduleReport, args);
      const result = await prisma.$tasks.getResult(id);
      expect(result).toMatchObject({ id, status: TaskStatus.NEW, taskName: "reports.schedule", queueName: "default" });
      expect(result.args).toEqual(args);
    });

    test.each(["0190a0a0-0000-7000-8000-000000000000", "not-a-uuid", ""])("throws TaskResultDoesNotExist for the id %j", async (id) => {
      const error = await rejectionOf(prisma.$tasks.getResult(id));
      expect(error).toBeInstanceOf(TaskResultDoesNotExist);
      expect(error).toMatchObject({ id });
    });

    test("refresh() re-reads the row, showing a completion written since", async () => {
      const result = await prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 5 });
      const returned = serialize({ sentAt: new Date("2031-01-01T00:00:00.000Z"), to: "ada@example.com" }, sendWelcomeEmail.name, "returnValue");
      const finishedAt = new Date();
      await prisma.taskResult.update({
        where: { id: result.id },
        data: {
          status: "COMPLETE",
          finishedAt,
          attempts: 1,
          returnValue: returned.json as object,
          returnValueMeta: returned.meta as object,
        },
      });
      expect(result.status).toBe(TaskStatus.NEW);
      await result.refresh();
      expect(result).toMatchObject({ status: TaskStatus.COMPLETE, finishedAt, attempts: 1, isFinished: true });
      expect(result.returnValue).toEqual({ sentAt: new Date("2031-01-01T00:00:00.000Z"), to: "ada@example.com" });
    });
  });

  describe("bad input is refused before anything is stored", () => {
    test("an unknown backend alias throws UnknownBackend", async () => {
      const error = await rejectionOf(prisma.$tasks.enqueue(sendWelcomeEmail.using({ backend: "elsewhere" }), { userId: 1 }));
      expect(error).toBeInstanceOf(UnknownBackend);
      expect(error).toMatchObject({ alias: "elsewhere", knownAliases: ["default"], taskName: "accounts.sendWelcomeEmail" });
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test("a queue the backend does not serve throws QueueNotServed", async () => {
      const served = configured({ backends: { default: { backend: "database", queues: ["default", "emails"] } } });
      const error = await rejectionOf(served.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }, { queueName: "reports" }));
      expect(error).toBeInstanceOf(QueueNotServed);
      expect(error).toMatchObject({ queueName: "reports", backendAlias: "default", servedQueues: ["default", "emails"] });
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test.each([
      ["priority 101", { priority: 101 }, "priority"],
      ["runAfter -5", { runAfter: -5 }, "runAfter"],
      ["an unknown option", { delay: 5 }, "delay"],
    ])("%s throws InvalidTask naming the option", async (_, options, field) => {
      const error = await rejectionOf(prisma.$tasks.enqueue(sendWelcomeEmail, { userId: 1 }, options as never));
      expect(error).toBeInstanceOf(InvalidTask);
      expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field });
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test("a task not given to withTasks throws InvalidTask", async () => {
      const error = await rejectionOf(prisma.$tasks.enqueue(unregistered));
      expect(error).toBeInstanceOf(InvalidTask);
      expect(error).toMatchObject({ taskName: "never.registered", field: "task" });
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test("a different task reusing a registered name throws InvalidTask", async () => {
      const impostor = task({ name: "accounts.sendWelcomeEmail" }, async () => "not the real one");
      const error = await rejectionOf(prisma.$tasks.enqueue(impostor));
      expect(error).toBeInstanceOf(InvalidTask);
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test.each([
      ["an unknown backend kind", { default: { backend: "redis" } }],
      ["no backends", {}],
      ["an empty queue list", { default: { backend: "database", queues: [] } }],
    ])("withTasks given %s throws InvalidConfig", (_, backends) => {
      const error = thrownBy(() => connect(database).$extends(withTasks({ tasks, backends: backends as never })));
      expect(error).toBeInstanceOf(InvalidConfig);
    });
  });

  describe("the immediate backend, outside a transaction", () => {
    let immediate: ReturnType<typeof clientFor>;
    beforeAll(() => {
      immediate = configured({ backends: { default: { backend: "immediate" } } });
    });

    test("runs the task before enqueue resolves and returns it COMPLETE with its return value", async () => {
      const result = await immediate.$tasks.enqueue(sendWelcomeEmail, { userId: 3 });
      expect(ran).toEqual(["sendWelcomeEmail 3"]);
      expect(result).toMatchObject({ status: TaskStatus.COMPLETE, attempts: 1, isFinished: true });
      expect(result.returnValue).toBe("sent:3");
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test("returns a task that throws FAILED, with the error's class and message", async () => {
      const result = await immediate.$tasks.enqueue(chargeCard, { cents: 500 });
      expect(result.status).toBe(TaskStatus.FAILED);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ exceptionClass: "RangeError", message: "card declined for 500 cents" });
    });

    test("runs retries at once, without their delay", async () => {
      flakyFailuresLeft = 2;
      const started = Date.now();
      const result = await immediate.$tasks.enqueue(flaky);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(ran).toEqual(["flaky attempt", "flaky attempt", "flaky attempt"]);
      expect(result).toMatchObject({ status: TaskStatus.COMPLETE, attempts: 3 });
      expect(result.errors.map((error) => error.message)).toEqual(["connection reset", "connection reset"]);
      expect(result.returnValue).toBe("finally");
    });

    test("keeps no result: getResult throws GetResultNotSupported, and the result enqueue returned refreshes", async () => {
      const result = await immediate.$tasks.enqueue(sendWelcomeEmail, { userId: 4 });
      const error = await rejectionOf(immediate.$tasks.getResult(result.id));
      expect(error).toBeInstanceOf(GetResultNotSupported);
      expect((error as Error).message).toMatch(/"default".*Fix: use the TaskResult that enqueue returned/);
      await result.refresh();
      expect(result.returnValue).toBe("sent:4");
    });

    test.each([
      ["an enqueue option", { runAfter: 60_000 }, sendWelcomeEmail],
      ["a Date", { runAfter: new Date(Date.now() + 60_000) }, sendWelcomeEmail],
      ["set with .using()", {}, sendWelcomeEmail.using({ runAfter: 60_000 })],
    ])("runAfter as %s throws InvalidTask naming the option and the fix, and runs nothing", async (_, options, chosen) => {
      const error = await rejectionOf(immediate.$tasks.enqueue(chosen, { userId: 5 }, options));
      expect(error).toBeInstanceOf(InvalidTask);
      expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field: "runAfter" });
      expect((error as Error).message).toMatch(/runAfter cannot be honoured by backend "default" \(immediate\).*Fix: leave runAfter out/);
      expect(ran).toEqual([]);
    });

    test("runs a task with a priority, as Django's immediate backend does (nothing waits, so nothing is reordered)", async () => {
      const result = await immediate.$tasks.enqueue(sendWelcomeEmail.using({ priority: 50 }), { userId: 6 });
      expect(result).toMatchObject({ status: TaskStatus.COMPLETE, priority: 50 });
    });
  });

  describe("the dummy backend", () => {
    let dummy: ReturnType<typeof clientFor>;
    beforeAll(() => {
      dummy = configured({ backends: { default: { backend: "dummy" } } });
    });

    test("records each enqueued task as NEW and runs nothing", async () => {
      dummy.$tasks.dummy().clear();
      const result = await dummy.$tasks.enqueue(sendWelcomeEmail, { userId: 9 });
      expect(dummy.$tasks.dummy().results.map((each) => [each.id, each.status, each.args])).toEqual([
        [result.id, TaskStatus.NEW, { userId: 9 }],
      ]);
      expect(ran).toEqual([]);
      expect(await prisma.taskResult.count()).toBe(0);
    });

    test("getResult finds what it recorded, in this process", async () => {
      const result = await dummy.$tasks.enqueue(sendWelcomeEmail, { userId: 7 }, { runAfter: 60_000 });
      expect(await dummy.$tasks.getResult(result.id)).toMatchObject({ status: TaskStatus.NEW, runAfter: result.runAfter });
    });

    test("clear() empties what it recorded", async () => {
      await dummy.$tasks.enqueueMany(sendWelcomeEmail, [{ userId: 1 }, { userId: 2 }]);
      dummy.$tasks.dummy().clear();
      expect(dummy.$tasks.dummy().results).toEqual([]);
    });
  });

  describe("the onEnqueued hook", () => {
    test("is called before enqueue resolves outside a transaction", async () => {
      const seen: string[] = [];
      const hooked = configured({ onEnqueued: (result) => void seen.push(result.id) });
      const result = await hooked.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
      expect(seen).toEqual([result.id]);
    });

    test("comes before the immediate backend's onStarted and onFinished", async () => {
      const events: string[] = [];
      const hooked = configured({
        backends: { default: { backend: "immediate" } },
        onEnqueued: (result) => void events.push(`enqueued ${result.status}`),
        onStarted: (result) => void events.push(`started ${result.status}`),
        onFinished: (result) => void events.push(`finished ${result.status}`),
      });
      await hooked.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
      expect(events).toEqual(["enqueued NEW", "started RUNNING", "finished COMPLETE"]);
    });

    test("that throws does not fail the enqueue, and is reported", async () => {
      const reported = vi.spyOn(console, "error").mockImplementation(() => undefined);
      try {
        const hooked = configured({
          onEnqueued: () => {
            throw new Error("hook broke");
          },
        });
        const result = await hooked.$tasks.enqueue(sendWelcomeEmail, { userId: 1 });
        expect(await prisma.taskResult.findUnique({ where: { id: result.id } })).not.toBeNull();
        expect(String(reported.mock.calls[0]?.[0])).toContain("onEnqueued");
      } finally {
        reported.mockRestore();
      }
    });
  });

  describe("alongside other extensions", () => {
    function layered() {
      const client = connect(database)
        .$extends({ result: { user: { domain: { needs: { email: true }, compute: (user) => user.email.split("@")[1] } } } })
        .$extends({
          model: {
            user: {
              byEmail(email: string) {
                return Prisma.getExtensionContext(this).findUnique({ where: { email } });
              },
            },
          },
        })
        .$extends(withTasks({ tasks }))
        .$extends({ client: { $appName: () => "shop" } });
      clients.push(client);
      return client;
    }

    test("their members are available on prisma and on tx", async () => {
      const client = layered();
      const email = `${randomUUID()}@shop.example`;
      await client.$transaction(async (tx) => {
        const user = await tx.user.create({ data: { email } });
        expect(user.domain).toBe("shop.example");
        expect((await tx.user.byEmail(email))?.email).toBe(email);
        expect(tx.$appName()).toBe("shop");
      });
      expect(client.$appName()).toBe("shop");
      expect((await client.user.byEmail(email))?.domain).toBe("shop.example");
    });

    test("enqueue through tx still joins the transaction", async () => {
      const client = layered();
      let id = "";
      await rejectionOf(
        client.$transaction(async (tx) => {
          id = (await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 })).id;
          throw new Error("roll back");
        }),
      );
      expect(await client.taskResult.findUnique({ where: { id } })).toBeNull();
      await client.$transaction(async (tx) => {
        id = (await tx.$tasks.enqueue(sendWelcomeEmail, { userId: 1 })).id;
      });
      expect(await client.taskResult.findUnique({ where: { id } })).not.toBeNull();
    });
  });
});

describe("the immediate backend in a long-running process", () => {
  /** The heap in use once garbage has been collected; `gc` is exposed here rather than for the whole test run. */
  function liveHeap(): number {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
    return process.memoryUsage().heapUsed;
  }

  test("keeps nothing of 100,000 tasks it ran", async () => {
    const database = await createDatabase("sqlite");
    const immediate = clientFor(database, { backends: { default: { backend: "immediate" } } });
    try {
      const before = liveHeap();
      let last = "";
      for (let row = 0; row < 100_000; row++) last = (await immediate.$tasks.enqueue(importRows, { row })).id;
      const grown = liveHeap() - before;
      await expect(immediate.$tasks.getResult(last)).rejects.toBeInstanceOf(GetResultNotSupported);
      // Kept results would take ~500 bytes each, 50 MB in all. Nothing is kept, yet the heap after a full collection
      // still grows a little with what V8 caches: 8.6 MB on Node 24, under 5 MB on Node 20.
      expect(grown).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await immediate.$disconnect();
    }
  });
});
