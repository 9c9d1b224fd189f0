// Generates the Prisma clients the tests, examples, demo and benchmark use; run by `npm ci` (prepare) and before the tests.
// Each is the shipped schema (prisma/schema.prisma, prisma/sqlite/schema.prisma: what users copy) plus the example
// app's models (test/prisma/), assembled in generated/ so that the shipped schema holds TaskResult alone.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env };
// The generator never runs the schema engine, but the CLI looks for its binary and would try to download it.
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
const schemas = {
  postgresql: { shipped: "prisma/schema.prisma", appModels: "test/prisma/app-models.prisma" },
  sqlite: { shipped: "prisma/sqlite/schema.prisma", appModels: "test/prisma/sqlite/app-models.prisma" },
};
mkdirSync(`${root}generated`, { recursive: true });
for (const [provider, { shipped, appModels }] of Object.entries(schemas)) {
  const generator = readFileSync(`${root}${shipped}`, "utf8").replace(/^(\s*output\s*=\s*)".*"$/m, `$1"./${provider}"`);
  const schema = `generated/${provider}.prisma`;
  writeFileSync(`${root}${schema}`, `${generator}\n${readFileSync(`${root}${appModels}`, "utf8")}`);
  const run = spawnSync("npx", ["prisma", "generate", "--schema", schema], { cwd: root, env, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
