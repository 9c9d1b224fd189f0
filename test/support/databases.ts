// Fresh, migrated databases for one test file: a copy of the run's PostgreSQL template, or of its SQLite file.
import { randomUUID } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
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

export function createDatabase(provider: Provider): Promise<TestDatabase> {
  return provider === "postgresql" ? createPostgresDatabase() : createSqliteDatabase();
}
