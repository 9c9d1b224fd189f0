// Specification of the PostgreSQL LISTEN connection: it comes back after the server drops it, as one connection, and
// hears enqueues again.
import pg from "pg";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { listen } from "../src/dialects/postgresql/listen.js";
import { createPostgresDatabase, type TestDatabase } from "./support/databases.js";
import { eventually } from "./support/eventually.js";

// pg's Client, with a hook on each new one: a late error of an abandoned connection needs an exact moment that no
// real network gives on demand, so the test emits it then (the connections themselves are real).
const created = vi.hoisted(() => ({ hook: undefined as ((client: unknown) => void) | undefined }));
vi.mock("pg", async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import("pg") }>()).default;
  class Client extends real.Client {
    constructor(config?: string | import("pg").ClientConfig) {
      super(config);
      created.hook?.(this);
    }
  }
  return { default: { ...real, Client } };
});

const CHANNEL = "prisma_tasks.listen_test";
const CANCEL_CHANNEL = "prisma_tasks_cancel.listen_test";

let database: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  database = await createPostgresDatabase();
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(() => admin?.end());

/** The server processes of connections that listen on CHANNEL (the last statement each ran). */
async function listeners(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1",
    [`LISTEN "${CHANNEL}"`],
  );
  return rows.map((row) => row.pid);
}

test("after the server ends its connection again and again, one connection listens and hears enqueues", async () => {
  const woken: (string | undefined)[] = [];
  const events: string[] = [];
  const wakeUps = listen(
    { settings: { connectionString: database.url }, transactionPooler: false },
    { channel: CHANNEL, cancelChannel: CANCEL_CHANNEL },
    { onWake: (queue) => woken.push(queue), onCancel: () => {} },
    (entry) => events.push(entry.event),
  )!;
  try {
    for (let drop = 1; drop <= 4; drop++) {
      await eventually("one connection listens", async () => (await listeners()).length === 1);
      const [pid] = await listeners();
      // Ended twice in a row, the second while the first reconnect may be under way.
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", [`LISTEN "${CHANNEL}"`]);
      await eventually(`it listens again after drop ${drop}`, async () => events.filter((event) => event === "listen-restored").length >= drop);
    }
    await eventually("one connection listens", async () => (await listeners()).length === 1);
    await admin.query("SELECT pg_notify($1, 'emails')", [CHANNEL]);
    await eventually("the enqueue's notification is heard", async () => woken.includes("emails"));
    expect(woken.filter((queue) => queue === "emails")).toEqual(["emails"]);
    // Still one, a while later: no second reconnect was left scheduled.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await listeners()).toHaveLength(1);
  } finally {
    await wakeUps.stop();
  }
});

test("a late error of a connection it gave up on, while the next one connects, leaves one connection listening", async () => {
  const events: string[] = [];
  const clients: pg.Client[] = [];
  created.hook = (client) => {
    clients.push(client as pg.Client);
    // The reconnect's new connection is being made: the dropped one reports an error only now.
    if (clients.length === 2) clients[0]!.emit("error", new Error("late socket error"));
  };
  const wakeUps = listen(
    { settings: { connectionString: database.url }, transactionPooler: false },
    { channel: CHANNEL, cancelChannel: CANCEL_CHANNEL },
    { onWake: () => {}, onCancel: () => {} },
    (entry) => events.push(entry.event),
  )!;
  try {
    await eventually("one connection listens", async () => (await listeners()).length === 1);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", [`LISTEN "${CHANNEL}"`]);
    await eventually("it listens again", async () => events.includes("listen-restored"));
    // Long enough for a second reconnect, had one been scheduled (the first waits 250 ms, the second 500 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await listeners()).toHaveLength(1);
    expect(clients).toHaveLength(2);
  } finally {
    created.hook = undefined;
    await wakeUps.stop();
  }
});
