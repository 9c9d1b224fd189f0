// The benchmark's Prisma client for a database URL: postgres:// through PrismaPg, mysql:// through PrismaMariaDb. The
// worker config (compiled into .bench-build) and the benchmark process both build their clients here.
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as MysqlClient } from "../../generated/mysql/client.js";
import { PrismaClient } from "../../generated/postgresql/client.js";

export type BenchProvider = "postgresql" | "mysql";

export function providerOf(url: string): BenchProvider {
  const scheme = new URL(url).protocol;
  if (scheme === "postgres:" || scheme === "postgresql:") return "postgresql";
  if (scheme === "mysql:" || scheme === "mariadb:") return "mysql";
  throw new Error(`bench: no client for a ${scheme} URL (postgres:// or mysql://)`);
}

export function connect(url: string): PrismaClient {
  // The generated clients have the same models; the MySQL one is typed as the PostgreSQL one, as the tests do.
  if (providerOf(url) === "mysql") return new MysqlClient({ adapter: new PrismaMariaDb(url) }) as unknown as PrismaClient;
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}
