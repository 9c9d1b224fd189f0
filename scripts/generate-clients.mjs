// Generates the Prisma clients of both schemas; run by `npm ci` (prepare) and before the tests.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env };
// The generator never runs the schema engine, but the CLI looks for its binary and would try to download it.
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
for (const schema of ["prisma/schema.prisma", "prisma/sqlite/schema.prisma"]) {
  const run = spawnSync("npx", ["prisma", "generate", "--schema", schema], { cwd: root, env, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
