// check:package: packs prisma-tasks as npm would publish it, installs the tarball into an empty app and uses it there as
// a stranger would: the exports, `npx tasks-worker --help`, tasks from enqueue to COMPLETE on SQLite through the real
// worker, and the config loading rules (a .mjs config without tsx; a .ts one natively, through tsx, or refused in
// one line). `--node PATH[=BINDING]` (repeatable) runs the app on other Node binaries; BINDING is a better-sqlite3
// addon built for that Node (the app's install runs no scripts, so nothing is compiled here).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; devDependencies: Record<string, string> };
const ownBinding = join(root, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
const TASKS = 20;

/** A reason the check failed, printed as is. */
class CheckFailed extends Error {}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Run {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: "utf8", timeout: 300_000 });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Runs a command that must succeed; returns its stdout. */
function must(what: string, command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result = run(command, args, options);
  if (result.status !== 0) throw new CheckFailed(`${what}: exit ${result.status}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

function bytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytes(join(path, name)), 0);
}

const shown = (size: number) => (size < 1e6 ? `${(size / 1e3).toFixed(1)} kB` : `${(size / 1e6).toFixed(1)} MB`);

/** npm pack, with the build its prepack runs; checks that the tarball holds what users need and nothing else. */
function pack(into: string): { tarball: string; size: number; unpackedSize: number; files: number } {
  const output = must("npm pack", "npm", ["pack", "--json", "--pack-destination", into], { cwd: root });
  // The JSON report comes last, after what the prepare and prepack scripts print.
  const [packed] = JSON.parse(output.slice(output.search(/^\[$(?![\s\S]*^\[$)/m))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  const paths = packed!.files.map((file) => file.path);
  for (const needed of ["dist/index.js", "dist/index.d.ts", "dist/testing.js", "dist/worker/bin.js", "prisma/schema.prisma", "prisma/sqlite/schema.prisma", "prisma/mysql/schema.prisma", "prisma/mysql/migrations/migration_lock.toml"]) {
    if (!paths.includes(needed)) throw new CheckFailed(`the tarball has no ${needed}`);
  }
  const stray = paths.filter((path) => path.endsWith(".map") || /^(src|test|scripts|examples)\//.test(path));
  if (stray.length > 0) throw new CheckFailed(`the tarball ships files users do not need: ${stray.join(", ")}`);
  return { tarball: join(into, packed!.filename), size: packed!.size, unpackedSize: packed!.unpackedSize, files: paths.length };
}

/** The app's own modules: its task and client, two worker configs, and a script that uses the package. */
const APP_FILES: Record<string, string> = {
  "app.mjs": `import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { task, withTasks } from "prisma-tasks";
import { z } from "zod";
import { PrismaClient } from "./generated/js/client.js";

export const greet = task({ name: "app.greet", args: z.object({ name: z.string() }) }, async ({ name }) => \`hello \${name}\`);
export const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: process.env.APP_DATABASE }) }).$extends(
  withTasks({ tasks: [greet] }),
);
`,
  "tasks.config.mjs": `import { defineConfig } from "prisma-tasks";
import { prisma } from "./app.mjs";

export default defineConfig({ prisma });
`,
  "tasks.config.ts": `import { defineConfig, type TasksWorkerConfig } from "prisma-tasks";
import { prisma } from "./app.mjs";

const config: TasksWorkerConfig = defineConfig({ prisma, worker: { concurrency: 4 } });
export default config;
`,
  // Imports a local file by a name it does not have, as tsx allows and Node's own type stripping does not.
  "renamed.config.ts": `import { defineConfig } from "prisma-tasks";
import { prisma } from "./app.js";

export default defineConfig({ prisma });
`,
  "use.mjs": `import { createRequire } from "node:module";
import * as api from "prisma-tasks";
import * as testing from "prisma-tasks/testing";
import { greet, prisma } from "./app.mjs";

const [command, count] = process.argv.slice(2);
if (command === "exports") {
  const { version } = createRequire(import.meta.url)("prisma-tasks/package.json");
  console.log(JSON.stringify({ api: Object.keys(api), testing: Object.keys(testing), version }));
} else if (command === "enqueue") {
  await prisma.$tasks.enqueueMany(greet, Array.from({ length: Number(count) }, (_, i) => ({ name: \`user \${i}\` })));
} else if (command === "status") {
  const rows = await prisma.taskResult.groupBy({ by: ["status"], _count: true });
  const sample = await prisma.taskResult.findFirst({ where: { status: "COMPLETE" } });
  const result = sample && (await prisma.$tasks.getResult(sample.id));
  console.log(JSON.stringify({ counts: Object.fromEntries(rows.map((row) => [row.status, row._count])), returnValue: result?.returnValue }));
} else if (command === "run-until-idle") {
  const result = await prisma.$tasks.enqueue(greet, { name: "in-process" });
  await testing.runUntilIdle(prisma);
  await result.refresh();
  console.log(JSON.stringify({ status: result.status, returnValue: result.returnValue }));
}
await prisma.$disconnect();
`,
};

/** An empty app with the tarball and its peers installed, its Prisma client generated from the shipped schema. */
function createApp(dir: string, tarball: string): string {
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "stranger-app", private: true, type: "module" }, null, 2)}\n`);
  const peers = ["zod", "@prisma/client", "@prisma/adapter-better-sqlite3", "better-sqlite3"].map((name) => `${name}@${manifest.devDependencies[name]}`);
  // No install scripts: better-sqlite3 would compile for minutes; each Node's build is copied in instead (useBinding).
  must("npm install", "npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", tarball, ...peers], { cwd: app });
  // The user copies the shipped schema; `prisma generate` writes the client, which the app compiles as apps do.
  mkdirSync(join(app, "prisma", "sqlite"), { recursive: true });
  cpSync(join(app, "node_modules", "prisma-tasks", "prisma", "sqlite", "schema.prisma"), join(app, "prisma", "sqlite", "schema.prisma"));
  const prismaEnv = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: fileURLToPath(import.meta.url) };
  must("prisma generate", process.execPath, [join(root, "node_modules", "prisma", "build", "index.js"), "generate", "--schema", "prisma/sqlite/schema.prisma"], { cwd: app, env: prismaEnv });
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const compile = ["--outDir", "generated/js", "--rootDir", "generated/prisma", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--rewriteRelativeImportExtensions", "--noCheck", "generated/prisma/client.ts"];
  must("compiling the generated client", process.execPath, [tsc, ...compile], { cwd: app });
  for (const [name, text] of Object.entries(APP_FILES)) writeFileSync(join(app, name), text);
  return app;
}

/** A SQLite file with the shipped migrations applied, in order, as `prisma migrate deploy` would. */
function migratedDatabase(app: string, name: string): string {
  const path = join(app, `${name}.sqlite`);
  const migrations = join(app, "node_modules", "prisma-tasks", "prisma", "sqlite", "migrations");
  const database = new Database(path);
  try {
    for (const folder of readdirSync(migrations).filter((entry) => existsSync(join(migrations, entry, "migration.sql"))).sort()) {
      database.exec(readFileSync(join(migrations, folder, "migration.sql"), "utf8"));
    }
  } finally {
    database.close();
  }
  return path;
}

function useBinding(app: string, binding: string): void {
  cpSync(binding, join(app, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node"));
}

/** The one line tasks-worker printed before exiting 2, or a failure. */
function usageLine(what: string, result: Run): string {
  if (result.status !== 2 || !/^tasks-worker: [^\n]+\n$/.test(result.stderr)) {
    throw new CheckFailed(`${what}: expected exit 2 with one "tasks-worker:" line, got exit ${result.status}\n${result.stdout}${result.stderr}`);
  }
  return result.stderr;
}

/** Everything a stranger does with the installed package, on one Node binary. */
function checkOnNode(app: string, node: string, binding: string): void {
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
  const version = must("node --version", node, ["--version"], { cwd: app }).trim();
  const stripsTypes = must("node -p", node, ["-p", "Boolean(process.features.typescript)"], { cwd: app }).trim() === "true";
  useBinding(app, binding);
  const label = `Node ${version}`;
  const inApp = (database: string) => ({ cwd: app, env: { ...env, APP_DATABASE: database } });
  const worker = (args: readonly string[], database: string) => run("npx", ["tasks-worker", ...args], inApp(database));

  const help = worker(["--help"], "unused.sqlite");
  if (help.status !== 0 || !help.stdout.includes("Usage:")) throw new CheckFailed(`${label}: npx tasks-worker --help: exit ${help.status}\n${help.stdout}${help.stderr}`);

  const database = migratedDatabase(app, version);
  const exported = JSON.parse(must(`${label}: importing prisma-tasks`, node, ["use.mjs", "exports"], inApp(database))) as { api: string[]; testing: string[]; version: string };
  if (!exported.api.includes("withTasks") || exported.api.includes("serialize") || exported.testing.join() !== "enqueued,runUntilIdle" || exported.version !== manifest.version) {
    throw new CheckFailed(`${label}: unexpected exports ${JSON.stringify(exported)}`);
  }

  must(`${label}: enqueue`, node, ["use.mjs", "enqueue", String(TASKS)], inApp(database));
  const config = stripsTypes ? "tasks.config.ts" : "tasks.config.mjs";
  const drained = worker(["--config", config, "--batch", "--no-startup-delay"], database);
  if (drained.status !== 0) throw new CheckFailed(`${label}: tasks-worker --config ${config} --batch: exit ${drained.status}\n${drained.stdout}${drained.stderr}`);
  const status = JSON.parse(must(`${label}: reading results`, node, ["use.mjs", "status"], inApp(database))) as { counts: Record<string, number>; returnValue: unknown };
  if (status.counts.COMPLETE !== TASKS || Object.keys(status.counts).length !== 1 || !String(status.returnValue).startsWith("hello user")) {
    throw new CheckFailed(`${label}: after the worker's batch: ${JSON.stringify(status)}`);
  }
  const inProcess = JSON.parse(must(`${label}: runUntilIdle`, node, ["use.mjs", "run-until-idle"], inApp(database))) as { status: string };
  if (inProcess.status !== "COMPLETE") throw new CheckFailed(`${label}: runUntilIdle left the task ${inProcess.status}`);

  if (stripsTypes) {
    const line = usageLine(`${label}: a config importing ./app.js`, worker(["--config", "renamed.config.ts"], database));
    if (!line.includes("import local files by their .ts names")) throw new CheckFailed(`${label}: no hint on type stripping in: ${line}`);
  } else {
    const line = usageLine(`${label}: a .ts config without tsx`, worker(["--config", "tasks.config.ts"], database));
    if (!line.includes("install tsx")) throw new CheckFailed(`${label}: the line does not say to install tsx: ${line}`);
  }
  console.log(`check:package: ${label}: --help, exports, ${TASKS} tasks COMPLETE through tasks-worker --config ${config}, runUntilIdle, ${stripsTypes ? "type stripping hint" : "one-line refusal of a .ts config without tsx"}: ok`);
}

/** With tsx installed, Node 20 runs the .ts config; returns how much tsx adds to the install. */
function checkWithTsx(app: string, node: string, binding: string): number {
  const before = bytes(join(app, "node_modules"));
  must("npm install tsx", "npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", `tsx@${manifest.devDependencies.tsx}`], { cwd: app });
  const added = bytes(join(app, "node_modules")) - before;
  useBinding(app, binding);
  const database = migratedDatabase(app, "with-tsx");
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}`, APP_DATABASE: database };
  must("enqueue", node, ["use.mjs", "enqueue", "1"], { cwd: app, env });
  must("tasks-worker --config tasks.config.ts with tsx", "npx", ["tasks-worker", "--config", "tasks.config.ts", "--batch", "--no-startup-delay"], { cwd: app, env });
  console.log(`check:package: with tsx installed, a .ts config runs on a Node without type stripping: ok`);
  return added;
}

const { values } = parseArgs({ options: { node: { type: "string", multiple: true } } });
const nodes = (values.node ?? [process.execPath]).map((spec) => {
  const [node, binding] = spec.split("=");
  return { node: node!, binding: binding ?? ownBinding };
});
const dir = mkdtempSync(join(tmpdir(), "prisma-tasks-package-"));
try {
  const packed = pack(dir);
  const app = createApp(dir, packed.tarball);
  for (const { node, binding } of nodes) checkOnNode(app, node, binding);
  const installed = bytes(join(app, "node_modules"));
  const own = bytes(join(app, "node_modules", "prisma-tasks"));
  const withoutStripping = nodes.find(({ node }) => must("node -p", node, ["-p", "Boolean(process.features.typescript)"], { cwd: dir }).trim() === "false");
  const tsx = withoutStripping ? checkWithTsx(app, withoutStripping.node, withoutStripping.binding) : undefined;
  console.log(
    `check:package: tarball ${shown(packed.size)} (${packed.files} files, ${shown(packed.unpackedSize)} unpacked); ` +
      `installed: prisma-tasks ${shown(own)}, the app's node_modules with its peers ${shown(installed)}` +
      (tsx === undefined ? "" : `; tsx, no longer installed with it, would add ${shown(tsx)}`),
  );
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  console.error(`check:package failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
