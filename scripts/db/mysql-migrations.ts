// The committed MySQL migrations applied as `prisma migrate deploy` applies them, and the example app's tables beside
// them. Prisma's schema engine as WebAssembly (@prisma/schema-engine-wasm 8.1) has no MySQL connector ("Unsupported
// adapter provider: Mysql"), and its binary cannot be downloaded here, so this does by hand what the engine does: the
// same _prisma_migrations table and rows (checksum: the SHA-256 of migration.sql), each migration's script run once.
import { createHash, randomUUID } from "node:crypto";
import { createConnection } from "mariadb";
import type { MigrationList } from "@prisma/schema-engine-wasm";
import { connectionOptions } from "./mariadb.js";

// The table as the engine's MySQL connector creates it.
const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`;

async function connect(url: string) {
  return createConnection({ ...connectionOptions(url), multipleStatements: true });
}

/** Applies the migrations not yet recorded, in name order; returns their names. */
export async function applyMysqlMigrations(url: string, migrations: MigrationList): Promise<string[]> {
  const connection = await connect(url);
  try {
    await connection.query(MIGRATIONS_TABLE);
    const done = new Set(
      ((await connection.query("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")) as {
        migration_name: string;
      }[]).map((row) => row.migration_name),
    );
    const applied: string[] = [];
    for (const directory of migrations.migrationDirectories) {
      if (done.has(directory.path)) continue;
      const content = directory.migrationFile.content;
      if (content.tag !== "ok") throw new Error(`cannot read the migration ${directory.path}`);
      const sql = content.value;
      const id = randomUUID();
      const checksum = createHash("sha256").update(sql).digest("hex");
      await connection.query("INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3))", [
        id,
        checksum,
        directory.path,
      ]);
      await connection.query(sql);
      await connection.query("UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?", [id]);
      applied.push(directory.path);
    }
    return applied;
  } finally {
    await connection.end();
  }
}

// test/prisma/mysql/app-models.prisma as `prisma db push` creates it.
const APP_TABLES = `
CREATE TABLE IF NOT EXISTS \`users\` (
    \`id\` INTEGER NOT NULL AUTO_INCREMENT,
    \`email\` VARCHAR(191) NOT NULL,
    \`created_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX \`users_email_key\`(\`email\`),
    PRIMARY KEY (\`id\`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS \`executions\` (
    \`key\` VARCHAR(191) NOT NULL,
    \`count\` INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY (\`key\`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`;

/** Creates the example app's tables (users, executions) beside task_results. */
export async function pushMysqlAppModels(url: string): Promise<void> {
  const connection = await connect(url);
  try {
    await connection.query(APP_TABLES);
  } finally {
    await connection.end();
  }
}
