// Specification of the dialect a Prisma client gets: where it says it connects, and the names its SQL uses.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { describe, expect, test } from "vitest";
import { PrismaClient as PostgresClient } from "../generated/postgresql/client.js";
import { PrismaClient as SqliteClient } from "../generated/sqlite/client.js";
import { dialectFor } from "../src/dialects/index.js";
import { cancelChannel, notifyChannel, taskTable } from "../src/dialects/postgresql/names.js";

/** A client on a PostgreSQL adapter; nothing connects until a query runs. */
function postgresClient(...args: ConstructorParameters<typeof PrismaPg>) {
  return new PostgresClient({ adapter: new PrismaPg(...args) });
}

describe("describeConnection, for the worker's start-up line", () => {
  test("names user, host, port and database from a URL, and masks the password", () => {
    const prisma = postgresClient({ connectionString: "postgresql://app:s3cret@db.internal:6543/shop?sslmode=require" });
    expect(dialectFor(prisma).describeConnection()).toBe("postgresql://app:****@db.internal:6543/shop");
  });

  test("names them from separate settings too, and masks the password", () => {
    const prisma = postgresClient({ host: "db.internal", port: 6543, user: "app", password: "s3cret", database: "shop" });
    expect(dialectFor(prisma).describeConnection()).toBe("postgresql://app:****@db.internal:6543/shop");
  });

  test("adds the schema when it is not public, as the adapter's option or the URL's ?schema=", () => {
    const byOption = postgresClient({ connectionString: "postgresql://app@db.internal/shop" }, { schema: "tasks" });
    const byUrl = postgresClient({ connectionString: "postgresql://app@db.internal/shop?schema=tasks" });
    expect(dialectFor(byOption).describeConnection()).toBe("postgresql://app@db.internal/shop?schema=tasks");
    expect(dialectFor(byUrl).describeConnection()).toBe("postgresql://app@db.internal/shop?schema=tasks");
  });

  test("connectedTo(url) names the worker's direct URL, keeping the client's schema", () => {
    const prisma = postgresClient({ connectionString: "postgresql://app:s3cret@pooler.internal:6543/shop?pgbouncer=true" }, { schema: "tasks" });
    const direct = dialectFor(prisma).connectedTo("postgresql://app:s3cret@db.internal:5432/shop");
    expect(direct.describeConnection()).toBe("postgresql://app:****@db.internal:5432/shop?schema=tasks");
  });

  test("says sqlite for a SQLite client", () => {
    const prisma = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: ":memory:" }) });
    expect(dialectFor(prisma).describeConnection()).toBe("sqlite");
  });
});

describe("PostgreSQL names", () => {
  test("task_results is named with its schema, both quoted", () => {
    expect(taskTable("public")).toBe('"public"."task_results"');
    expect(taskTable('Tenant "A"')).toBe('"Tenant ""A"""."task_results"');
  });

  test("each schema has its own NOTIFY channel, within PostgreSQL's 63 bytes however long the schema's name", () => {
    expect(notifyChannel("public")).toBe("prisma_tasks");
    expect(notifyChannel("tasks")).toBe("prisma_tasks.tasks");
    const long = notifyChannel("t".repeat(63));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).not.toBe(notifyChannel(`${"t".repeat(62)}u`));
  });

  test("each schema has its own cancel channel, apart from its NOTIFY channel and as short", () => {
    expect(cancelChannel("public")).toBe("prisma_tasks_cancel");
    expect(cancelChannel("tasks")).toBe("prisma_tasks_cancel.tasks");
    expect(Buffer.byteLength(cancelChannel("t".repeat(63)))).toBeLessThanOrEqual(63);
    expect(cancelChannel("t".repeat(63))).not.toBe(notifyChannel("t".repeat(63)));
  });
});
