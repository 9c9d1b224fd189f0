// `npm run migration -- NAME`: writes the next migration for both schemas, as `prisma migrate dev --create-only` would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMigration } from "./migrations.js";
import { startPostgres } from "./postgres.js";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run migration -- NAME   (NAME: lower-case letters, digits and underscores)");
  process.exit(2);
}
const server = await startPostgres({ useDatabaseUrl: false });
const folder = await mkdtemp(join(tmpdir(), "prisma-tasks-migration-"));
try {
  const postgres = await createMigration({ provider: "postgresql", url: await server.createDatabase("scratch") }, name);
  const sqlite = await createMigration({ provider: "sqlite", url: join(folder, "scratch.sqlite") }, name);
  for (const written of [postgres, sqlite]) console.log(written ? `wrote ${written}` : "no change: no migration needed");
} finally {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
}
