// Generates the Prisma clients the tests, examples, demo and benchmark use; run by `npm ci` (prepare) and before the tests.
// Each is the shipped schema (prisma/schema.prisma, prisma/sqlite/ and prisma/mysql/schema.prisma: what users copy) plus the example
// app's models (test/prisma/), assembled in generated/ so that the shipped schema holds TaskResult alone. A client
// whose schema and Prisma version are those it was generated from is left as it is: CI runs the suite on two Nodes at
// once, and the second `npm test` must not rewrite the client the first is loading.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  mysql: { shipped: "prisma/mysql/schema.prisma", appModels: "test/prisma/mysql/app-models.prisma" },
};
const prismaVersion = JSON.parse(readFileSync(`${root}node_modules/prisma/package.json`, "utf8")).version;
mkdirSync(`${root}generated`, { recursive: true });
for (const [provider, { shipped, appModels }] of Object.entries(schemas)) {
  const generator = readFileSync(`${root}${shipped}`, "utf8").replace(/^(\s*output\s*=\s*)".*"$/m, `$1"./${provider}"`);
  const schema = `generated/${provider}.prisma`;
  const text = `${generator}\n${readFileSync(`${root}${appModels}`, "utf8")}`;
  // Written last, once the client is complete: a run stopped halfway generates again.
  const stamp = `${root}generated/${provider}.stamp`;
  const made = `prisma ${prismaVersion}\n${text}`;
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === made && existsSync(`${root}generated/${provider}/client.ts`)) continue;
  rmSync(stamp, { force: true });
  writeFileSync(`${root}${schema}`, text);
  const run = spawnSync("npx", ["prisma", "generate", "--schema", schema], { cwd: root, env, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
  writeFileSync(stamp, made);
}
