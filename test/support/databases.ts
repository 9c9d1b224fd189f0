// Fresh, migrated databases for one test file: a copy of the run's PostgreSQL template, or of its SQLite file.
import { randomUUID } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { inject } from "vitest";
import { PrismaClient as PostgresClient } from "../../generated/postgresql/client.js";
import { PrismaClient as SqliteClient } from "../../generated/sqlite/client.js";

export type Provider = "postgresql" | "sqlite";

/** A database made for one test file: its URL (a PostgreSQL URL or a SQLite file path) and a way to connect. */
export interface TestDatabase {
  provider: Provider;
  url: string;
}

function uniqueName(): string {
  return `t_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const templateUrl = new URL(inject("postgresTemplateUrl"));
  const template = templateUrl.pathname.slice(1);
  const name = uniqueName();
  const admin = new pg.Client({ connectionString: templateUrl.toString().replace(`/${template}`, "/postgres") });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  templateUrl.pathname = `/${name}`;
  return { provider: "postgresql", url: templateUrl.toString() };
}

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const path = join(inject("scratchDir"), `${uniqueName()}.sqlite`);
  await copyFile(inject("sqliteTemplatePath"), path);
  return { provider: "sqlite", url: path };
}

export function createDatabase(provider: Provider): Promise<TestDatabase> {
  return provider === "postgresql" ? createPostgresDatabase() : createSqliteDatabase();
}

/** A plain (unextended) Prisma client of the test schema for the database. */
export function connect(database: TestDatabase): PostgresClient {
  if (database.provider === "postgresql") {
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  }
  // Both generated clients have the same models; the SQLite one is typed as the PostgreSQL one to share tests.
  return new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: database.url }) }) as unknown as PostgresClient;
}
