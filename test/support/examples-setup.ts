// Gives each test file a migrated database of its own for the examples, through the variables examples/db.ts reads.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { createPostgresDatabase } from "./databases.js";

if (process.env.DATABASE_URL?.startsWith("postgres")) {
  process.env.DATABASE_URL = (await createPostgresDatabase()).url;
} else {
  const file = join(inject("scratchDir"), `examples-${process.pid}-${Date.now()}.sqlite`);
  copyFileSync(inject("sqliteTemplatePath"), file);
  process.env.DATABASE_FILE = file;
}
