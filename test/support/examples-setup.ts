// Gives each test file a migrated database of its own for the examples, through the variables examples/db.ts reads:
// on the run's PostgreSQL or MariaDB when DATABASE_URL names that kind of server, else a SQLite file.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { createMysqlDatabase, createPostgresDatabase } from "./databases.js";

if (process.env.DATABASE_URL?.startsWith("postgres")) {
  process.env.DATABASE_URL = (await createPostgresDatabase()).url;
} else if (/^(mysql|mariadb):/.test(process.env.DATABASE_URL ?? "")) {
  process.env.DATABASE_URL = (await createMysqlDatabase()).url;
} else {
  const file = join(inject("scratchDir"), `examples-${process.pid}-${Date.now()}.sqlite`);
  copyFileSync(inject("sqliteTemplatePath"), file);
  process.env.DATABASE_FILE = file;
}
