// The committed migrations are exactly what `prisma migrate dev` writes for today's schemas, and apply like `deploy`.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { applyMigrations, layout, pendingMigrationSql, readMigrations } from "../scripts/db/migrations.js";
import { createPostgresDatabase, type Provider } from "./support/databases.js";
import { inject } from "vitest";

async function emptyDatabase(provider: Provider) {
  if (provider === "sqlite") return { provider, url: join(inject("scratchDir"), `empty-${Date.now()}-${Math.random()}.sqlite`) };
  const { url } = await createPostgresDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("DROP TABLE task_results, users, executions, _prisma_migrations");
  await client.end();
  return { provider, url };
}

function taskResultModel(schema: string): string {
  const model = /model TaskResult \{[\s\S]*?\n\}/.exec(schema)?.[0] ?? "";
  // Native types and index predicates are spelled per database; the fields and their meaning are shared.
  return model.replace(/ *@db\.\w+(\(\d+\))?/g, "").replace(/, where: raw\(".*"\)\)/g, ")").replace(/ +/g, " ");
}

describe.each(["postgresql", "sqlite"] as const)("migrations on %s", (provider) => {
  it("match what prisma migrate would generate for today's schema", async () => {
    expect(await pendingMigrationSql(await emptyDatabase(provider))).toBeNull();
  });

  it("are reported missing when a column is added to the schema without a migration", async () => {
    const schema = await readFile(layout[provider].schema, "utf8");
    const changed = schema.replace(/^ {2}attempts +Int/m, "  note String?\n$&");
    const pending = await pendingMigrationSql(await emptyDatabase(provider), changed);
    expect(pending).toMatch(/ALTER TABLE "task_results" ADD COLUMN\s+"note" TEXT/);
  });

  it("create task_results and nothing else of the app's: no test or demo table reaches a user's database", async () => {
    const database = await emptyDatabase(provider);
    await applyMigrations(database);
    const tables =
      provider === "postgresql"
        ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1";
    expect((await rowsOf<{ name: string }>(database, tables)).map((row) => row.name)).toEqual(["_prisma_migrations", "task_results"]);
  });

  it("apply once and record each migration as prisma migrate deploy does", async () => {
    const database = await emptyDatabase(provider);
    const { migrationDirectories } = await readMigrations(provider);
    const names = migrationDirectories.map((directory) => directory.path);
    expect(await applyMigrations(database)).toEqual(names);
    expect(await applyMigrations(database)).toEqual([]);

    const recorded = await rowsOf<MigrationRow>(
      database,
      "SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(recorded.map((row) => row.migration_name)).toEqual(names);
    for (const [i, row] of recorded.entries()) {
      const sql = await readFile(join(layout[provider].migrations, names[i]!, "migration.sql"), "utf8");
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
  });
});

type MigrationRow = { migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown; applied_steps_count: unknown };

/** The rows a query returns on a database, read through its own driver. */
async function rowsOf<T extends object>(database: { provider: Provider; url: string }, sql: string): Promise<T[]> {
  if (database.provider === "postgresql") {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(database.url, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe("the shipped schemas", () => {
  it.each(["postgresql", "sqlite"] as const)("on %s hold the TaskResult model alone, what users copy", async (provider) => {
    const schema = await readFile(layout[provider].schema, "utf8");
    expect([...schema.matchAll(/^model (\w+)/gm)].map(([, name]) => name)).toEqual(["TaskResult"]);
  });
});

describe("the TaskResult model", () => {
  it("is the same in the PostgreSQL and SQLite schemas", async () => {
    const postgres = await readFile(layout.postgresql.schema, "utf8");
    const sqlite = await readFile(layout.sqlite.schema, "utf8");
    expect(taskResultModel(postgres)).toContain("heartbeatAt");
    expect(taskResultModel(sqlite)).toBe(taskResultModel(postgres));
  });
});

