// The app's own Prisma client: PostgreSQL when DATABASE_URL is set, otherwise a SQLite file (DATABASE_FILE).
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/postgresql/client.js";
import { PrismaClient as SqliteClient } from "../generated/sqlite/client.js";

const url = process.env.DATABASE_URL;

export const db = url?.startsWith("postgres")
  ? new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) })
  : (new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: process.env.DATABASE_FILE ?? "dev.sqlite" }) }) as unknown as PrismaClient);
