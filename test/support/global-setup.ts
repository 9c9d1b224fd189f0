// One PostgreSQL server per test run, with a template database (migrated, plus the app's tables) each test file copies;
// one MariaDB server (or MYSQL_URL's), where each test file makes and migrates a database of its own.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { setUpAppDatabase } from "../../scripts/db/migrations.js";
import { startMysql, type MysqlServer } from "../../scripts/db/mariadb.js";
import { startPostgres, type PostgresServer } from "../../scripts/db/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresTemplateUrl: string;
    sqliteTemplatePath: string;
    scratchDir: string;
    mysqlServerUrl: string;
  }
}

let server: PostgresServer | undefined;
let mysql: MysqlServer | undefined;
let scratchDir: string | undefined;

export async function setup(project: TestProject) {
  [server, mysql] = await Promise.all([startPostgres(), startMysql()]);
  const template = `tasks_template_${process.pid}`;
  const templateUrl = await server.createDatabase(template);
  await setUpAppDatabase({ provider: "postgresql", url: templateUrl });
  scratchDir = await mkdtemp(join(tmpdir(), "prisma-tasks-test-"));
  const sqliteTemplatePath = join(scratchDir, "template.sqlite");
  await setUpAppDatabase({ provider: "sqlite", url: sqliteTemplatePath });
  project.provide("postgresTemplateUrl", templateUrl);
  project.provide("sqliteTemplatePath", sqliteTemplatePath);
  project.provide("scratchDir", scratchDir);
  project.provide("mysqlServerUrl", mysql.url(""));
}

export async function teardown() {
  await Promise.all([server?.stop(), mysql?.stop()]);
  if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
}
