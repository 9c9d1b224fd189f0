// Specification of prisma-tasks behind a real PgBouncer in transaction mode, as hosted PostgreSQL puts one in front:
// enqueue keeps its guarantees, workers take a direct URL (or poll, and say so), and an adapter whose settings cannot be
// read falls back to the Prisma client.
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PrismaClient } from "../generated/postgresql/client.js";
import { dialectFor } from "../src/dialects/index.js";
import { InvalidConfig, TaskStatus, Worker, withTasks } from "../src/index.js";
import type { LogEntry } from "../src/worker/log.js";
import { directUrlOf } from "../src/worker/worker.js";
import { connect, createPostgresDatabase, type TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { allTasks, noop, record } from "./fixtures/tasks.js";
import { openSecondConnection, type SecondConnection } from "./support/observers.js";
import { startPgBouncer, type PgBouncer } from "./support/pgbouncer.js";
import { killLeftoverWorkers, startWorker, type WorkerProcess } from "./support/processes.js";

const WAKE_UPS_OFF = "wake-ups are off";

/** How many times `text` says the worker's wake-ups are off. */
function wakeUpsOffIn(text: string): number {
  return text.split(WAKE_UPS_OFF).length - 1;
}

/** An adapter as @prisma/adapter-neon's, or any but @prisma/adapter-pg's, looks to prisma-tasks: it connects, and that is all. */
class OpaqueAdapter implements SqlDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "opaque-test-adapter";
  readonly #inner: PrismaPg;

  constructor(url: string) {
    this.#inner = new PrismaPg({ connectionString: url });
  }

  connect() {
    return this.#inner.connect();
  }
}

/** `url` with `?pgbouncer=true`, as Supabase's pooled URL has it. */
function markedPooled(url: string): string {
  const marked = new URL(url);
  marked.searchParams.set("pgbouncer", "true");
  return marked.toString();
}

let database: TestDatabase;
let bouncer: PgBouncer;
/** The test database through PgBouncer, marked `pgbouncer=true`. */
let pooled: TestDatabase;
let direct: pg.Client;
let observer: SecondConnection;

beforeAll(async () => {
  // Workers in this file get a direct URL only where a test gives one, whatever the environment running the suite says.
  delete process.env.TASKS_DIRECT_URL;
  delete process.env.DIRECT_URL;
  database = await createPostgresDatabase();
  bouncer = await startPgBouncer(database.url);
  pooled = { provider: "postgresql", url: markedPooled(bouncer.url(database.url)) };
  direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
  observer = await openSecondConnection(database);
});

afterAll(async () => {
  await killLeftoverWorkers();
  await observer?.close();
  await direct?.end();
  await bouncer?.stop();
});

/** How many connections to the test database are LISTENing (their latest statement a LISTEN), seen directly. */
async function listeners(): Promise<number> {
  const { rows } = await direct.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
  );
  return rows[0].n;
}

async function statusCounts(ids: readonly string[]): Promise<Record<string, number>> {
  const { rows } = await direct.query("SELECT status, count(*)::int AS n FROM task_results WHERE id = ANY($1::uuid[]) GROUP BY status", [ids]);
  return Object.fromEntries(rows.map((row: { status: string; n: number }) => [row.status, row.n]));
}

describe("enqueue through PgBouncer in transaction mode", () => {
  let prisma: ReturnType<typeof appAt>;
  const appAt = (url: string, transactionPooler?: boolean) =>
    connect({ provider: "postgresql", url }).$extends(withTasks({ tasks: allTasks, transactionPooler }));

  beforeAll(() => {
    prisma = appAt(pooled.url);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
  });

  test("outside $transaction: fifty enqueues at once over four server connections each store their row", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => prisma.$tasks.enqueue(record, { key: `outside-${i}` })));
    expect(await statusCounts(results.map((result) => result.id))).toEqual({ NEW: 50 });
  });

  test("inside $transaction: the task is invisible to other connections until the commit, then there", async () => {
    const result = await prisma.$transaction(async (tx) => {
      const inside = await tx.$tasks.enqueue(noop);
      expect(await observer.seesTask(inside.id)).toBe(false);
      return inside;
    });
    expect(await observer.seesTask(result.id)).toBe(true);
  });

  test("inside $transaction: a rollback leaves no task", async () => {
    let id: string | undefined;
    await expect(
      prisma.$transaction(async (tx) => {
        id = (await tx.$tasks.enqueue(noop)).id;
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(id).toBeDefined();
    expect(await observer.seesTask(id!)).toBe(false);
  });

  test("withTasks refuses a transactionPooler that is not true or false, naming the value", () => {
    expect(() => withTasks({ tasks: allTasks, transactionPooler: "yes" as unknown as boolean })).toThrow(/transactionPooler: "yes" must be true or false/);
  });

  test("withTasks({ transactionPooler: true }) does the same for a pooler URL without pgbouncer=true", async () => {
    const unmarked = appAt(bouncer.url(database.url), true);
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => unmarked.$tasks.enqueue(record, { key: `option-${i}` })));
      expect(await statusCounts(results.map((result) => result.id))).toEqual({ NEW: 50 });
    } finally {
      await unmarked.$disconnect();
    }
  });
});

describe("two worker processes, the app at the pooler", () => {
  const app = () => connect(pooled).$extends(withTasks({ tasks: allTasks }));
  let enqueuing: ReturnType<typeof app>;

  beforeAll(() => {
    enqueuing = app();
  });

  afterAll(async () => {
    await enqueuing?.$disconnect();
  });

  /** Enqueues 100 `record` tasks in four statements (one of them in a $transaction); returns their keys. */
  async function enqueueBatches(prefix: string): Promise<string[]> {
    const keys = Array.from({ length: 100 }, (_, i) => `${prefix}-${i}`);
    for (let batch = 0; batch < 4; batch++) {
      const args = keys.slice(batch * 25, batch * 25 + 25).map((key) => ({ key }));
      if (batch === 2) await enqueuing.$transaction(async (tx) => tx.$tasks.enqueueMany(record, args));
      else await enqueuing.$tasks.enqueueMany(record, args);
    }
    return keys;
  }

  /** Waits until every task of `keys` is COMPLETE, then checks each ran exactly once, in one attempt. */
  async function expectRanOnce(keys: readonly string[], workers: readonly WorkerProcess[]): Promise<void> {
    const complete = async () => {
      const { rows } = await direct.query("SELECT count(*)::int AS n FROM task_results WHERE args ->> 'key' = ANY($1) AND status = 'COMPLETE'", [keys]);
      return rows[0].n === keys.length;
    };
    await eventually("every task is COMPLETE", complete, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${workers.map((worker) => worker.output()).join("\n---\n")}`);
    });
    const { rows } = await direct.query(
      `SELECT count(*)::int AS keys, count(*) FILTER (WHERE e.count = 1 AND t.attempts = 1)::int AS once
       FROM executions e JOIN task_results t ON t.args ->> 'key' = e.key WHERE e.key = ANY($1)`,
      [keys],
    );
    expect(rows[0]).toEqual({ keys: keys.length, once: keys.length });
  }

  async function stopAll(workers: readonly WorkerProcess[]): Promise<void> {
    for (const worker of workers) worker.child.kill("SIGTERM");
    const exits = await Promise.all(workers.map((worker) => worker.exited));
    expect(exits.map((exit) => exit.code)).toEqual(workers.map(() => 0));
  }

  test("with workers at the direct URL: a NOTIFY sent at commit through the pooler wakes them, and each task runs once", async () => {
    // A minute between polls: only wake-ups can run the tasks within the test's time.
    const args = ["--no-startup-delay", "--concurrency", "5", "--interval", "60"];
    // One worker has it from defineConfig({ directUrl }), the other from DIRECT_URL, as Prisma's own setups name it.
    const workers = [{ TASKS_TEST_DIRECT_URL: database.url }, { DIRECT_URL: database.url }].map((env) => startWorker(pooled, args, [], env));
    await Promise.all(workers.map((worker) => worker.waitFor(/started: queues=/)));
    for (const worker of workers) expect(worker.output()).toContain(`database=127.0.0.1:${new URL(database.url).port}/`);
    await eventually("both workers LISTEN on the direct URL", async () => (await listeners()) === 2);
    const keys = await enqueueBatches("direct");
    await expectRanOnce(keys, workers);
    await stopAll(workers);
    for (const worker of workers) expect(wakeUpsOffIn(worker.output())).toBe(0);
  });

  test("with workers at the pooler only: they poll, say once each that wake-ups are off, and each task runs once", async () => {
    const args = ["--no-startup-delay", "--concurrency", "5", "--interval", "0.2"];
    const workers = [1, 2].map(() => startWorker(pooled, args, [], { TASKS_DIRECT_URL: "", DIRECT_URL: "" }));
    await Promise.all(workers.map((worker) => worker.waitFor(new RegExp(WAKE_UPS_OFF))));
    const keys = await enqueueBatches("pooler");
    await expectRanOnce(keys, workers);
    await stopAll(workers);
    for (const worker of workers) expect(wakeUpsOffIn(worker.output())).toBe(1);
    expect(await listeners()).toBe(0);
  });
});

describe("a worker's direct URL", () => {
  test("is the one given, else TASKS_DIRECT_URL, else DIRECT_URL where the client's URL cannot serve; an empty one is unset", () => {
    const env = { TASKS_DIRECT_URL: "postgresql://tasks@db/app", DIRECT_URL: "postgresql://prisma@db/app" };
    for (const needed of [true, false]) {
      expect(directUrlOf("postgresql://given@db/app", needed, env)).toBe("postgresql://given@db/app");
      expect(directUrlOf(undefined, needed, env)).toBe("postgresql://tasks@db/app");
    }
    expect(directUrlOf(undefined, true, { ...env, TASKS_DIRECT_URL: "" })).toBe("postgresql://prisma@db/app");
    expect(directUrlOf(undefined, false, { ...env, TASKS_DIRECT_URL: "" })).toBeUndefined();
    expect(directUrlOf(undefined, true, { DIRECT_URL: "" })).toBeUndefined();
  });

  test("DIRECT_URL at another database is not followed by a worker whose client reaches its own without a pooler", async () => {
    // A .env's DIRECT_URL (set for migrations) while a test run points DATABASE_URL at a test database: the worker
    // must claim the test database's tasks, not the other one's.
    const other = await createPostgresDatabase();
    const prisma = connect(database).$extends(withTasks({ tasks: allTasks }));
    const elsewhere = connect(other).$extends(withTasks({ tasks: allTasks }));
    try {
      const mine = await prisma.$tasks.enqueue(record, { key: "direct-url-mine" });
      const theirs = await elsewhere.$tasks.enqueue(record, { key: "direct-url-theirs" });
      const worker = startWorker(database, ["--batch", "--no-startup-delay"], [], { TASKS_DIRECT_URL: "", DIRECT_URL: other.url });
      const exit = await worker.exited;
      expect(exit.code, worker.output()).toBe(0);
      expect(worker.output()).toContain("DIRECT_URL is set but not used");
      expect(worker.output()).toContain(`database=127.0.0.1:${new URL(database.url).port}/${new URL(database.url).pathname.slice(1)}`);
      expect((await mine.refresh()).status).toBe(TaskStatus.COMPLETE);
      expect((await theirs.refresh()).status).toBe(TaskStatus.NEW);
    } finally {
      await prisma.$disconnect();
      await elsewhere.$disconnect();
    }
  });

  test("that is not a PostgreSQL URL is refused when the worker is made, without echoing it", () => {
    const prisma = connect(pooled).$extends(withTasks({ tasks: allTasks }));
    const made = () => new Worker({ prisma, directUrl: "mysql://app:s3cret@db/app" });
    expect(made).toThrow(InvalidConfig);
    expect(made).toThrow(/directUrl.*TASKS_DIRECT_URL.*DIRECT_URL.*postgresql:\/\//);
    expect(made).not.toThrow(/s3cret/);
  });
});

describe("an adapter whose settings cannot be read (as @prisma/adapter-neon's)", () => {
  const app = () => new PrismaClient({ adapter: new OpaqueAdapter(pooled.url) }).$extends(withTasks({ tasks: allTasks }));
  let prisma: ReturnType<typeof app>;

  beforeAll(() => {
    prisma = app();
  });

  afterAll(async () => {
    await prisma?.$disconnect();
  });

  test("enqueues through the Prisma client, in and out of $transaction, and a rollback leaves nothing", async () => {
    expect(dialectFor(prisma).openPool(5)).toBeUndefined();
    const outside = await prisma.$tasks.enqueue(noop);
    const inside = await prisma.$transaction(async (tx) => tx.$tasks.enqueue(noop));
    let rolledBack: string | undefined;
    await prisma
      .$transaction(async (tx) => {
        rolledBack = (await tx.$tasks.enqueue(noop)).id;
        throw new Error("roll back");
      })
      .catch(() => {});
    expect([await observer.seesTask(outside.id), await observer.seesTask(inside.id), await observer.seesTask(rolledBack!)]).toEqual([true, true, false]);
  });

  test("a worker without a direct URL polls, and says once that wake-ups are off", async () => {
    const entries: LogEntry[] = [];
    const worker = new Worker({ prisma, log: (entry) => entries.push(entry), startupDelay: false, interval: 0.1 });
    const running = worker.run();
    try {
      await eventually("the worker says its wake-ups are off", async () => entries.some((entry) => wakeUpsOffIn(entry.message) > 0));
      const result = await prisma.$tasks.enqueue(noop);
      await eventually("the task is COMPLETE", async () => (await result.refresh(), result.status === TaskStatus.COMPLETE));
    } finally {
      await worker.stop();
      await running;
    }
    expect(entries.filter((entry) => wakeUpsOffIn(entry.message) > 0)).toHaveLength(1);
  });

  test("a worker with a direct URL listens there, and an enqueue through the client wakes it", async () => {
    const worker = new Worker({ prisma, directUrl: database.url, startupDelay: false, interval: 60 });
    expect(worker.database).toBe(`postgresql://postgres:****@127.0.0.1:${new URL(database.url).port}${new URL(database.url).pathname}`);
    const running = worker.run();
    try {
      await eventually("the worker LISTENs on the direct URL", async () => (await listeners()) === 1);
      const result = await prisma.$tasks.enqueue(noop);
      await eventually("the task is COMPLETE", async () => (await result.refresh(), result.status === TaskStatus.COMPLETE), 15_000);
    } finally {
      await worker.stop();
      await running;
    }
  });
});
