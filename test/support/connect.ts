// A plain Prisma client of the test schema for a PostgreSQL or MySQL URL or a SQLite file (usable outside vitest too).
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PostgresClient } from "../../generated/postgresql/client.js";
import { PrismaClient as MysqlClient } from "../../generated/mysql/client.js";
import { PrismaClient as SqliteClient } from "../../generated/sqlite/client.js";

export type Provider = "postgresql" | "sqlite" | "mysql";

/** A database made for one test file: its URL (a PostgreSQL or MySQL URL, or a SQLite file path). */
export interface TestDatabase {
  provider: Provider;
  url: string;
  /** The PostgreSQL schema holding the tables, given to the adapter; public when absent. */
  schema?: string;
}

export function connect(database: TestDatabase): PostgresClient {
  if (database.provider === "postgresql") {
    const options = database.schema ? { schema: database.schema } : undefined;
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: database.url }, options) });
  }
  // The generated clients have the same models; each is typed as the PostgreSQL one to share tests.
  if (database.provider === "mysql") return new MysqlClient({ adapter: new PrismaMariaDb(database.url) }) as unknown as PostgresClient;
  return new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: database.url }) }) as unknown as PostgresClient;
}
