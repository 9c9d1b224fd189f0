// The app's own Prisma client: PostgreSQL or MySQL (MariaDB) as DATABASE_URL says, otherwise a SQLite file
// (DATABASE_FILE). The three generated clients have the same models; the others are typed as the PostgreSQL one.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as MysqlClient } from "../generated/mysql/client.js";
import { PrismaClient } from "../generated/postgresql/client.js";
import { PrismaClient as SqliteClient } from "../generated/sqlite/client.js";

const url = process.env.DATABASE_URL;

function connect(): PrismaClient {
  if (url?.startsWith("postgres")) return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  if (url && /^(mysql|mariadb):/.test(url)) return new MysqlClient({ adapter: new PrismaMariaDb(url) }) as unknown as PrismaClient;
  return new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: process.env.DATABASE_FILE ?? "dev.sqlite" }) }) as unknown as PrismaClient;
}

export const db = connect();
