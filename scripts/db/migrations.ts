// The committed migration folders, applied and checked the way `prisma migrate deploy` and `migrate dev` do; and the
// example app's own tables, pushed beside them the way `prisma db push` does.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrationList } from "@prisma/schema-engine-wasm";
import { applyMysqlMigrations, pushMysqlAppModels } from "./mysql-migrations.js";
import { executeScript, withSchemaEngine, type Provider, type Target } from "./schema-engine.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const prismaDir = join(root, "prisma");
const appModelsDir = join(root, "test", "prisma");

/**
 * Where each provider's files live: the shipped schema (TaskResult, what users copy) and its migrations, and the
 * models the tests, examples and demo add to it (scripts/generate-clients.mjs builds their client from both).
 */
export const layout: Record<Provider, { schema: string; migrations: string; appModels: string }> = {
  postgresql: {
    schema: join(prismaDir, "schema.prisma"),
    migrations: join(prismaDir, "migrations"),
    appModels: join(appModelsDir, "app-models.prisma"),
  },
  sqlite: {
    schema: join(prismaDir, "sqlite", "schema.prisma"),
    migrations: join(prismaDir, "sqlite", "migrations"),
    appModels: join(appModelsDir, "sqlite", "app-models.prisma"),
  },
  mysql: {
    schema: join(prismaDir, "mysql", "schema.prisma"),
    migrations: join(prismaDir, "mysql", "migrations"),
    appModels: join(appModelsDir, "mysql", "app-models.prisma"),
  },
};

const noFilters = { externalTables: [], externalEnums: [] };

/** Reads a migrations folder as the engine expects it: every `<name>/migration.sql` plus the lock file. */
export async function readMigrations(provider: Provider): Promise<MigrationList> {
  const baseDir = layout[provider].migrations;
  const entries = existsSync(baseDir) ? await readdir(baseDir, { withFileTypes: true }) : [];
  const directories = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const lockPath = join(baseDir, "migration_lock.toml");
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? await readFile(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (path) => ({
        path,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok" as const, value: await readFile(join(baseDir, path, "migration.sql"), "utf8") },
        },
      })),
    ),
  };
}

async function readSchema(provider: Provider, content?: string) {
  const path = layout[provider].schema;
  return { files: [{ path, content: content ?? (await readFile(path, "utf8")) }] };
}

/** Applies the unapplied migrations and records them in `_prisma_migrations`, as `prisma migrate deploy` does. */
export async function applyMigrations(target: Target): Promise<string[]> {
  const migrationsList = await readMigrations(target.provider);
  if (target.provider === "mysql") return applyMysqlMigrations(target.url, migrationsList);
  const output = await withSchemaEngine(target, (engine) => engine.applyMigrations({ migrationsList, filters: noFilters }));
  return output.appliedMigrationNames;
}

/**
 * Creates the example app's tables (users, executions) beside the migrated task_results, as `prisma db push` would
 * for the shipped schema plus the app's models. The shipped migrations never create them, so users never get them.
 * The engine's own schemaPush re-creates the existing partial indexes and fails, so this runs the script of the diff
 * from the database to the schema instead, the diff `migrate dev` (pendingMigrationSql) relies on too.
 */
export async function pushAppModels(target: Target): Promise<void> {
  if (target.provider === "mysql") return pushMysqlAppModels(target.url);
  const { schema, appModels } = layout[target.provider];
  const files = await Promise.all([schema, appModels].map(async (path) => ({ path, content: await readFile(path, "utf8") })));
  const configDir = dirname(schema);
  const { stdout: script } = await withSchemaEngine(target, (engine) =>
    engine.diff({ from: { tag: "schemaDatasource", files, configDir }, to: { tag: "schemaDatamodel", files }, script: true, exitCode: false, filters: noFilters }),
  );
  if (script) await executeScript(target, script);
}

/** A database for the tests, examples and demo: the shipped migrations applied, then the app's models pushed. */
export async function setUpAppDatabase(target: Target): Promise<string[]> {
  const applied = await applyMigrations(target);
  await pushAppModels(target);
  return applied;
}

/**
 * The SQL of the migration `prisma migrate dev` would create next for today's schema, or null when the committed
 * migrations already produce it. Like `migrate dev` with its shadow database, it replays the committed migrations
 * on `scratch` (an empty database) and compares the result with the schema (or with `schemaText`, to try one).
 */
export async function pendingMigrationSql(scratch: Target, schemaText?: string): Promise<string | null> {
  if (scratch.provider === "mysql") throw new Error("the schema engine as WebAssembly has no MySQL connector: see mysql-migrations.ts");
  const migrationsList = await readMigrations(scratch.provider);
  const schema = await readSchema(scratch.provider, schemaText);
  const configDir = dirname(layout[scratch.provider].schema);
  // One engine for both steps: a second connection to a SQLite file would wait on the first one's lock.
  const output = await withSchemaEngine(scratch, async (engine) => {
    await engine.applyMigrations({ migrationsList, filters: noFilters });
    return engine.diff({
      from: { tag: "schemaDatasource", ...schema, configDir },
      to: { tag: "schemaDatamodel", ...schema },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
  });
  return output.exitCode === 2 ? output.stdout : null;
}

function migrationTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** Writes the next migration folder (and the lock file on the first one), named as `prisma migrate dev` names it. */
export async function createMigration(scratch: Target, name: string): Promise<string | null> {
  const sql = await pendingMigrationSql(scratch);
  if (sql === null) return null;
  const baseDir = layout[scratch.provider].migrations;
  const folder = join(baseDir, `${migrationTimestamp(new Date())}_${name}`);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "migration.sql"), sql);
  const lockPath = join(baseDir, "migration_lock.toml");
  if (!existsSync(lockPath)) {
    await writeFile(
      lockPath,
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${scratch.provider}"\n`,
    );
  }
  return folder;
}
