// Fresh, migrated databases for one test file: a copy of the run's PostgreSQL template, or of its SQLite file, or a
// new MySQL database migrated on the run's MariaDB (MySQL has no template databases; migrating one takes ~0.1 s).
import { randomUUID } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { setUpAppDatabase } from "../../scripts/db/migrations.js";
import { connectionOptions } from "../../scripts/db/mariadb.js";
import { inject } from "vitest";
import type { Provider, TestDatabase } from "./connect.js";

export { connect, type Provider, type TestDatabase } from "./connect.js";

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

export async function createMysqlDatabase(): Promise<TestDatabase> {
  const serverUrl = new URL(inject("mysqlServerUrl"));
  const name = uniqueName();
  const { createConnection } = await import("mariadb");
  const admin = await createConnection(connectionOptions(serverUrl.toString()));
  try {
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  serverUrl.pathname = `/${name}`;
  const database: TestDatabase = { provider: "mysql", url: serverUrl.toString() };
  await setUpAppDatabase(database);
  return database;
}

export function createDatabase(provider: Provider): Promise<TestDatabase> {
  if (provider === "mysql") return createMysqlDatabase();
  return provider === "postgresql" ? createPostgresDatabase() : createSqliteDatabase();
}
