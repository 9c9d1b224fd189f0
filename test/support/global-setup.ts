// One PostgreSQL server per test run, with a template database (migrated, plus the app's tables) each test file copies.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { setUpAppDatabase } from "../../scripts/db/migrations.js";
import { startPostgres, type PostgresServer } from "../../scripts/db/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresTemplateUrl: string;
    sqliteTemplatePath: string;
    scratchDir: string;
  }
}

let server: PostgresServer | undefined;
let scratchDir: string | undefined;

export async function setup(project: TestProject) {
  server = await startPostgres();
  const template = `tasks_template_${process.pid}`;
  const templateUrl = await server.createDatabase(template);
  await setUpAppDatabase({ provider: "postgresql", url: templateUrl });
  scratchDir = await mkdtemp(join(tmpdir(), "prisma-tasks-test-"));
  const sqliteTemplatePath = join(scratchDir, "template.sqlite");
  await setUpAppDatabase({ provider: "sqlite", url: sqliteTemplatePath });
  project.provide("postgresTemplateUrl", templateUrl);
  project.provide("sqliteTemplatePath", sqliteTemplatePath);
  project.provide("scratchDir", scratchDir);
}

export async function teardown() {
  await server?.stop();
  if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
}
