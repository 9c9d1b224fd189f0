// Specification of classifyDatabaseError: which failures are the database refusing a row, which are an outage to ride
// out, and which are faults; errors raised by real PostgreSQL and SQLite databases through pg and through Prisma.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../scripts/db/postgres.js";
import { classifyDatabaseError, withTimeout } from "../src/worker/database-errors.js";
import { connect, createDatabase, type TestDatabase } from "./support/databases.js";

/** The error `run` rejects with. */
async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the statement to fail");
}

let postgres: TestDatabase;
let sqlite: TestDatabase;
let client: pg.Client;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [postgres, sqlite] = await Promise.all([createDatabase("postgresql"), createDatabase("sqlite")]);
  client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  closers.push(() => client.end());
  await client.query(`CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by a trigger'; END $$ LANGUAGE plpgsql`);
  await client.query("CREATE TABLE guarded (id int PRIMARY KEY, value jsonb)");
  await client.query("CREATE TRIGGER refuse BEFORE UPDATE ON guarded FOR EACH ROW EXECUTE FUNCTION refuse()");
  await client.query("INSERT INTO guarded VALUES (1, '{}')");
  const prisma = connect(sqlite);
  closers.push(() => prisma.$disconnect());
  await prisma.$executeRawUnsafe("CREATE TABLE guarded (id INTEGER PRIMARY KEY)");
  await prisma.$executeRawUnsafe("CREATE TRIGGER refuse BEFORE UPDATE ON guarded BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END");
  await prisma.$executeRawUnsafe("INSERT INTO guarded VALUES (1)");
});

afterAll(async () => {
  for (const close of closers) await close();
});

describe("classifyDatabaseError on PostgreSQL", () => {
  test("a trigger's RAISE EXCEPTION, a unique violation and a value the column cannot take are refusals, through pg and Prisma", async () => {
    const prisma = connect(postgres);
    closers.push(() => prisma.$disconnect());
    const errors = [
      await errorOf(() => client.query("UPDATE guarded SET value = '[]'")),
      await errorOf(() => client.query("INSERT INTO guarded VALUES (1, '{}')")),
      await errorOf(() => client.query("UPDATE guarded SET value = $1::jsonb", ["{not json"])),
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE guarded SET value = '[]'")),
      await errorOf(() => prisma.$executeRawUnsafe("INSERT INTO guarded VALUES (1, '{}')")),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(["refusal", "refusal", "refusal", "refusal", "refusal"]);
  });

  test("a connection the server terminates is an outage, through pg and Prisma", async () => {
    const victim = new pg.Client({ connectionString: postgres.url });
    await victim.connect();
    victim.on("error", () => {});
    const sleeping = errorOf(() => victim.query("SELECT pg_sleep(30)"));
    const prisma = connect(postgres);
    closers.push(() => prisma.$disconnect());
    await prisma.$queryRawUnsafe("SELECT 1");
    const prismaSleeping = errorOf(() => prisma.$queryRawUnsafe("SELECT pg_sleep(30)"));
    const started = async () => (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")).rows[0].n === 2;
    while (!(await started())) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'");
    const errors = [await sleeping, await prismaSleeping, await errorOf(() => victim.query("SELECT 1"))];
    expect(errors.map((error) => (error as Error).message)).toEqual([
      "terminating connection due to administrator command",
      expect.stringContaining("terminating connection due to administrator command"),
      expect.stringMatching(/Connection terminated|not queryable/),
    ]);
    expect(errors.map(classifyDatabaseError)).toEqual(["outage", "outage", "outage"]);
  });

  test("a server nobody listens for is an outage, through pg and Prisma", async () => {
    const url = `postgresql://postgres:secret@127.0.0.1:${await freePort()}/nowhere`;
    const unreachable = new pg.Client({ connectionString: url });
    const prisma = connect({ provider: "postgresql", url });
    closers.push(() => prisma.$disconnect());
    const errors = [await errorOf(() => unreachable.connect()), await errorOf(() => prisma.$queryRawUnsafe("SELECT 1"))];
    expect(errors.map(classifyDatabaseError)).toEqual(["outage", "outage"]);
  });

  test("a statement timeout, pg's read timeout and the worker's own time limit are outages", async () => {
    const limited = new pg.Client({ connectionString: postgres.url, statement_timeout: 50 });
    await limited.connect();
    closers.push(() => limited.end());
    const reading = new pg.Client({ connectionString: postgres.url, query_timeout: 50 });
    await reading.connect();
    reading.on("error", () => {});
    closers.push(() => reading.end().catch(() => {}));
    const errors = [
      await errorOf(() => limited.query("SELECT pg_sleep(5)")),
      await errorOf(() => reading.query("SELECT pg_sleep(5)")),
      await errorOf(() => withTimeout(client.query("SELECT pg_sleep(0.5)"), 50, "a test statement")),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(["outage", "outage", "outage"]);
  });

  test("a server shutting down or starting, a dropped or reset connection, a deadlock and too many connections are outages", () => {
    const errors = [
      { code: "57P03", message: "the database system is shutting down" },
      { code: "57P02", message: "terminating connection due to crash of another server process" },
      { code: "08006", message: "connection failure" },
      { code: "40P01", message: "deadlock detected" },
      { code: "53300", message: "sorry, too many clients already" },
      Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
      new Error("Connection terminated unexpectedly"),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(errors.map(() => "outage"));
  });

  test("a wrong password, a missing database and a syntax error are faults", async () => {
    const wrongPassword = new URL(postgres.url);
    wrongPassword.password = "wrong";
    const missing = new URL(postgres.url);
    missing.pathname = "/no_such_database";
    const errors = [
      await errorOf(() => new pg.Client({ connectionString: wrongPassword.toString() }).connect()),
      await errorOf(() => new pg.Client({ connectionString: missing.toString() }).connect()),
      await errorOf(() => client.query("SELEC 1")),
      await errorOf(() => client.query("SELECT * FROM no_such_table")),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(["fault", "fault", "fault", "fault"]);
  });
});

describe("classifyDatabaseError on SQLite", () => {
  test("a trigger's RAISE(ABORT) and a primary key conflict are refusals; a missing table is a fault", async () => {
    const prisma = connect(sqlite);
    closers.push(() => prisma.$disconnect());
    const errors = [
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE guarded SET id = 2")),
      await errorOf(() => prisma.$executeRawUnsafe("INSERT INTO guarded VALUES (1)")),
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE no_such_table SET id = 2")),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(["refusal", "refusal", "fault"]);
  });
});

describe("classifyDatabaseError on MySQL (MariaDB), through Prisma's MariaDB adapter", () => {
  let mysql: TestDatabase;
  let prisma: ReturnType<typeof connect>;

  beforeAll(async () => {
    mysql = await createDatabase("mysql");
    prisma = connect(mysql);
    closers.push(() => prisma.$disconnect());
    await prisma.$executeRawUnsafe("CREATE TABLE guarded (id INT PRIMARY KEY, value JSON, note VARCHAR(4))");
    await prisma.$executeRawUnsafe(`CREATE TRIGGER refuse BEFORE UPDATE ON guarded FOR EACH ROW
      BEGIN IF NEW.id = 3 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by a trigger'; END IF; END`);
    await prisma.$executeRawUnsafe("INSERT INTO guarded VALUES (1, '{}', 'a')");
  });

  test("a trigger's SIGNAL, a duplicate key, invalid JSON and a value too long are refusals", async () => {
    const errors = [
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE guarded SET id = 3")),
      await errorOf(() => prisma.$executeRawUnsafe("INSERT INTO guarded VALUES (1, '{}', 'b')")),
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE guarded SET value = ?", "{not json")),
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE guarded SET note = ?", "far too long")),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(["refusal", "refusal", "refusal", "refusal"]);
  });

  test("a lock wait timeout and a killed connection are outages", async () => {
    // Another transaction holds the row; this one gives up after a second.
    const holder = connect(mysql);
    closers.push(() => holder.$disconnect());
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.$transaction(async (tx) => {
      await tx.$queryRawUnsafe("SELECT id FROM guarded WHERE id = 1 FOR UPDATE");
      locked();
      await held;
    }, { timeout: 30_000 });
    await isLocked;
    const waitTimeout = await errorOf(() =>
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET SESSION innodb_lock_wait_timeout = 1");
        await tx.$executeRawUnsafe("UPDATE guarded SET note = 'c' WHERE id = 1");
      }),
    );
    release();
    await holding;

    // A connection the server kills under a running statement.
    const victim = connect(mysql);
    closers.push(() => victim.$disconnect());
    const killed = await errorOf(() =>
      victim.$transaction(async (tx) => {
        const [{ id }] = await tx.$queryRawUnsafe<{ id: bigint }[]>("SELECT CONNECTION_ID() AS id");
        const running = tx.$queryRawUnsafe("SELECT SLEEP(5)");
        await new Promise((resolve) => setTimeout(resolve, 300));
        await prisma.$executeRawUnsafe(`KILL ${Number(id)}`);
        await running;
      }),
    );
    // Prisma reports the dead connection as MariaDB's 1927 or as the driver's EPIPE (by timing), whose shape is a SQLSTATE's.
    expect(classifyDatabaseError(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }))).toBe("outage");
    expect([waitTimeout, killed].map(classifyDatabaseError)).toEqual(["outage", "outage"]);
  });

  test("a server nobody listens for is an outage; a missing table and a syntax error are faults", async () => {
    const port = await freePort();
    const nowhere = connect({ provider: "mysql", url: `mysql://root:tasks@127.0.0.1:${port}/nowhere?connectTimeout=1000&acquireTimeout=2000` });
    closers.push(() => nowhere.$disconnect());
    const errors = [
      await errorOf(() => nowhere.$queryRawUnsafe("SELECT 1")),
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE no_such_table SET id = 2")),
      await errorOf(() => prisma.$executeRawUnsafe("UPDATE guarded SET")),
    ];
    expect(errors.map(classifyDatabaseError)).toEqual(["outage", "fault", "fault"]);
  }, 60_000);
});
