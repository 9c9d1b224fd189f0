// The committed migrations are exactly what `prisma migrate dev` writes for today's schemas, and apply like `deploy`.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { applyMigrations, layout, pendingMigrationSql, readMigrations } from "../scripts/db/migrations.js";
import { connectionOptions } from "../scripts/db/mariadb.js";
import { createPostgresDatabase, type Provider } from "./support/databases.js";
import { inject } from "vitest";

async function emptyDatabase(provider: Provider) {
  if (provider === "mysql") {
    const server = new URL(inject("mysqlServerUrl"));
    const name = `empty_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await rowsOf({ provider, url: server.toString() }, `CREATE DATABASE \`${name}\``);
    server.pathname = `/${name}`;
    return { provider, url: server.toString() };
  }
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

describe.each(["postgresql", "sqlite", "mysql"] as const)("migrations on %s", (provider) => {
  // The schema engine as WebAssembly has no MySQL connector: MySQL's drift is checked against information_schema below.
  it.skipIf(provider === "mysql")("match what prisma migrate would generate for today's schema", async () => {
    expect(await pendingMigrationSql(await emptyDatabase(provider))).toBeNull();
  });

  it.skipIf(provider === "mysql")("are reported missing when a column is added to the schema without a migration", async () => {
    const schema = await readFile(layout[provider].schema, "utf8");
    const changed = schema.replace(/^ {2}attempts +Int/m, "  note String?\n$&");
    const pending = await pendingMigrationSql(await emptyDatabase(provider), changed);
    expect(pending).toMatch(/ALTER TABLE "task_results" ADD COLUMN\s+"note" TEXT/);
  });

  it("create task_results and nothing else of the app's: no test or demo table reaches a user's database", async () => {
    const database = await emptyDatabase(provider);
    await applyMigrations(database);
    const tables = {
      postgresql: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
      mysql: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1",
    }[provider];
    expect((await rowsOf<{ name: string }>(database, tables)).map((row) => row.name).sort()).toEqual(["_prisma_migrations", "task_results"]);
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
  if (database.provider === "mysql") {
    const { createConnection } = await import("mariadb");
    const connection = await createConnection(connectionOptions(database.url));
    try {
      return (await connection.query(sql)) as T[];
    } finally {
      await connection.end();
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
  it.each(["postgresql", "sqlite", "mysql"] as const)("on %s hold the TaskResult model alone, what users copy", async (provider) => {
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

  it("has the same fields in the MySQL schema (its indexes are its own: MySQL has no partial indexes)", async () => {
    const postgres = await readFile(layout.postgresql.schema, "utf8");
    const mysql = await readFile(layout.mysql.schema, "utf8");
    expect(fieldsOf(mysql)).toEqual(fieldsOf(postgres));
    expect(fieldsOf(mysql)).toContain("heartbeatAt DateTime? @map(\"heartbeat_at\")");
  });
});

/** The model's field lines, without native types: name, type and attributes. */
function fieldsOf(schema: string): string[] {
  return taskResultModel(schema)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^\w+ \w/.test(line) && !line.startsWith("model"));
}

describe("the MySQL migrations", () => {
  // What `prisma migrate dev` would check with its shadow database, asked of information_schema instead: the migrated
  // table has the schema's columns, in its order, and the indexes it declares, by name and columns.
  it("create the columns and indexes prisma/mysql/schema.prisma declares", async () => {
    const database = await emptyDatabase("mysql");
    await applyMigrations(database);
    const schema = await readFile(layout.mysql.schema, "utf8");
    const model = taskResultModel(schema);
    const columns = [...model.matchAll(/^ (\w+) \w+\??(?: .*?@map\("(\w+)"\))?/gm)].map(([, field, mapped]) => mapped ?? field);
    const stored = await rowsOf<{ name: string }>(
      database,
      "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'task_results' ORDER BY ordinal_position",
    );
    expect(columns).toHaveLength(29);
    expect(stored.map((row) => row.name)).toEqual(columns);

    const fieldColumn = new Map([...model.matchAll(/^ (\w+) \w+\??(?: .*?@map\("(\w+)"\))?/gm)].map(([, field, mapped]) => [field, mapped ?? field]));
    const declared = [...schema.matchAll(/@@(index|unique)\(\[([^\]]+)\], map: "(\w+)"\)/g)].map(([, kind, fields, name]) => ({
      name,
      unique: kind === "unique",
      columns: fields!.split(",").map((field) => fieldColumn.get(field.trim().replace(/\(.*\)$/, ""))),
    }));
    const indexes = await rowsOf<{ name: string; non_unique: unknown; columns: string }>(
      database,
      `SELECT index_name AS name, MAX(non_unique) AS non_unique, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
       FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'task_results' AND index_name <> 'PRIMARY'
       GROUP BY index_name ORDER BY index_name`,
    );
    expect(declared).toHaveLength(6);
    expect(indexes.map((row) => ({ name: row.name, unique: Number(row.non_unique) === 0, columns: row.columns.split(",") }))).toEqual(
      declared.sort((a, b) => a.name!.localeCompare(b.name!)),
    );
  });
});

