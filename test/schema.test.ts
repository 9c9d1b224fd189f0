// Specification of prisma-tasks on PostgreSQL with task_results in a schema other than public: the schema the app's
// adapter names (new PrismaPg(config, { schema })), or the URL's ?schema=.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inject } from "vitest";
import { TaskStatus, withTasks } from "../src/index.js";
import { runUntilIdle } from "../src/testing.js";
import { createDashboard } from "../src/dashboard/index.js";
import { readMigrations } from "../scripts/db/migrations.js";
import { allTasks, noop } from "./fixtures/tasks.js";
import { connect, type TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";
import { listen } from "./support/observers.js";
import { killLeftoverWorkers, runWorker, startWorker } from "./support/processes.js";

const SCHEMA = "tasks";
const DAY_MS = 24 * 60 * 60 * 1000;

/** A new database whose migrations were applied in `schema`, as `prisma migrate` does with ?schema= in its URL. */
async function databaseInSchema(schema: string): Promise<TestDatabase> {
  const url = new URL(inject("postgresTemplateUrl"));
  const name = `t_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const quoted = `"${schema.replace(/"/g, '""')}"`;
    await client.query(`CREATE SCHEMA ${quoted}; SET search_path TO ${quoted}`);
    for (const migration of (await readMigrations("postgresql")).migrationDirectories) {
      const { content } = migration.migrationFile;
      if (content.tag === "ok") await client.query(content.value);
    }
    // None in public, so a statement that does not name the schema fails rather than finding another table.
    const { rows } = await client.query("SELECT to_regclass('public.task_results') AS public");
    if (rows[0].public !== null) throw new Error("the migrations created public.task_results");
  } finally {
    await client.end();
  }
  return { provider: "postgresql", url: url.toString(), schema };
}

let database: TestDatabase;
let prisma: ReturnType<typeof appClient>;
/** A plain connection for looking at the tables themselves. */
let sql: pg.Client;

function appClient(target: TestDatabase) {
  return connect(target).$extends(withTasks({ tasks: allTasks }));
}

async function statusOf(id: string): Promise<string | undefined> {
  const { rows } = await sql.query(`SELECT status FROM "${SCHEMA}".task_results WHERE id = $1`, [id]);
  return rows[0]?.status;
}

beforeAll(async () => {
  database = await databaseInSchema(SCHEMA);
  prisma = appClient(database);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});

afterAll(async () => {
  await killLeftoverWorkers();
  await prisma?.$disconnect();
  await sql?.end();
});

describe(`task_results in PostgreSQL schema "${SCHEMA}"`, () => {
  test("enqueue outside and inside $transaction stores the rows there, and getResult reads them", async () => {
    const outside = await prisma.$tasks.enqueue(noop);
    const inside = await prisma.$transaction(async (tx) => tx.$tasks.enqueue(noop));

    expect(await statusOf(outside.id)).toBe(TaskStatus.NEW);
    expect(await statusOf(inside.id)).toBe(TaskStatus.NEW);
    expect((await prisma.$tasks.getResult(inside.id)).status).toBe(TaskStatus.NEW);
  });

  test("an in-process worker claims and completes the tasks there", async () => {
    const result = await prisma.$tasks.enqueue(noop);

    await runUntilIdle(prisma);

    expect(await statusOf(result.id)).toBe(TaskStatus.COMPLETE);
    await result.refresh();
    expect(result.status).toBe(TaskStatus.COMPLETE);
  });

  test(`enqueue notifies the schema's own channel "prisma_tasks.${SCHEMA}", not public's "prisma_tasks"`, async () => {
    const own = await listen(database, `prisma_tasks.${SCHEMA}`);
    const publics = await listen(database, "prisma_tasks");
    try {
      await prisma.$tasks.enqueue(noop);
      await own.sync("marker");
      await publics.sync("marker");
      expect(own.payloads).toEqual(["default", "marker"]);
      expect(publics.payloads).toEqual(["marker"]);
    } finally {
      await Promise.all([own.close(), publics.close()]);
    }
  });

  test("a tasks-worker process LISTENs on the schema's channel and runs a task enqueued there without polling", async () => {
    // An hour between polls: only a notification can start the task within the test's time.
    const worker = startWorker(database, ["--no-startup-delay", "--interval", "3600"]);
    await worker.waitFor(/started: queues=/);
    await eventually("the worker listens on the schema's channel", async () => {
      const { rows } = await sql.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = $1", [
        `LISTEN "prisma_tasks.${SCHEMA}"`,
      ]);
      return rows.length === 1;
    });

    const result = await prisma.$tasks.enqueue(noop);
    await eventually("the task is COMPLETE", async () => (await statusOf(result.id)) === TaskStatus.COMPLETE);

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(new RegExp(`database=127\\.0\\.0\\.1:\\d+/t_\\w+\\?schema=${SCHEMA}\\n`));
    expect(worker.output()).not.toContain("tasks@");
  });

  test("tasks-worker prune counts (--dry-run) and deletes the finished rows there", async () => {
    const results = await prisma.$tasks.enqueueMany(noop, [undefined, undefined, undefined]);
    const ids = results.map((result) => result.id);
    await sql.query(`UPDATE "${SCHEMA}".task_results SET status = 'COMPLETE', finished_at = $2 WHERE id = ANY($1::uuid[])`, [
      ids,
      new Date(Date.now() - 30 * DAY_MS),
    ]);

    const dry = await runWorker(database, ["prune", "--dry-run"]);
    expect(dry.stdout).toMatch(/would delete 3 COMPLETE task\(s\)/);
    const run = await runWorker(database, ["prune"]);
    expect(run.stdout).toMatch(/deleted 3 COMPLETE task\(s\)/);
    const { rows } = await sql.query(`SELECT id FROM "${SCHEMA}".task_results WHERE id = ANY($1::uuid[])`, [ids]);
    expect(rows).toEqual([]);
  });

  test("with the schema given only as ?schema= in the URL, enqueue and getResult use it too", async () => {
    const url = new URL(database.url);
    url.searchParams.set("schema", SCHEMA);
    const byUrl = appClient({ provider: "postgresql", url: url.toString() });
    try {
      const result = await byUrl.$tasks.enqueue(noop);
      expect(await statusOf(result.id)).toBe(TaskStatus.NEW);
      expect((await byUrl.$tasks.getResult(result.id)).id).toBe(result.id);
    } finally {
      await byUrl.$disconnect();
    }
  });

  test("the dashboard reads and deletes the tasks there: overview, metrics, list, detail", async () => {
    const shown = await prisma.$tasks.enqueue(noop);
    const deleted = await prisma.$tasks.enqueue(noop);
    const dashboard = createDashboard({ prisma });
    const page = async (path: string, init?: RequestInit) => {
      const response = await dashboard(new Request(`http://localhost${path}`, init));
      return { status: response.status, text: await response.text() };
    };

    for (const path of ["/", "/metrics", "/tasks", `/tasks/${shown.id}`]) expect((await page(path)).status, path).toBe(200);
    expect((await page("/tasks")).text).toContain(shown.id);
    expect((await page(`/tasks/${shown.id}`)).text).toContain(noop.name);
    expect((await page("/metrics")).text).toMatch(/prisma_tasks_\w+\{[^}]*queue="default"[^}]*\} [1-9]/);

    // An action carries the CSRF cookie a page set, in its cookie and its form, from the dashboard's own origin.
    const cookie = (await dashboard(new Request("http://localhost/tasks"))).headers.get("set-cookie")!.split(";")[0]!;
    const deleting = await page(`/tasks/${deleted.id}/delete`, {
      method: "POST",
      headers: { origin: "http://localhost", cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: cookie.split("=")[1]! }).toString(),
    });

    expect(deleting.status, deleting.text).toBeLessThan(400);
    expect(await statusOf(deleted.id)).toBeUndefined();
    expect(await statusOf(shown.id)).toBe(TaskStatus.NEW);
  });
});

test('a schema whose name needs quoting (Tenant "A") works as well: enqueue, claim, getResult', async () => {
  const tenant = await databaseInSchema('Tenant "A"');
  const app = appClient(tenant);
  try {
    const result = await app.$tasks.enqueue(noop);
    await runUntilIdle(app);
    expect((await app.$tasks.getResult(result.id)).status).toBe(TaskStatus.COMPLETE);
  } finally {
    await app.$disconnect();
  }
});
