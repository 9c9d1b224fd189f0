// The benchmark's Prisma client for a database URL: postgres:// through PrismaPg, mysql:// through PrismaMariaDb. The
// worker config (compiled into .bench-build) and the benchmark process both build their clients here. Each database's
// client and adapter are loaded only when a URL of theirs is used: a worker process on PostgreSQL never loads the MySQL
// client and driver (about 14 MB of RSS it would otherwise carry into the worker's peak RSS figure).
import type { PrismaClient } from "../../generated/postgresql/client.js";

export type BenchProvider = "postgresql" | "mysql";

export function providerOf(url: string): BenchProvider {
  const scheme = new URL(url).protocol;
  if (scheme === "postgres:" || scheme === "postgresql:") return "postgresql";
  if (scheme === "mysql:" || scheme === "mariadb:") return "mysql";
  throw new Error(`bench: no client for a ${scheme} URL (postgres:// or mysql://)`);
}

export async function connect(url: string): Promise<PrismaClient> {
  if (providerOf(url) === "mysql") {
    const [{ PrismaMariaDb }, { PrismaClient: MysqlClient }] = await Promise.all([
      import("@prisma/adapter-mariadb"),
      import("../../generated/mysql/client.js"),
    ]);
    // The generated clients have the same models; the MySQL one is typed as the PostgreSQL one, as the tests do.
    return new MysqlClient({ adapter: new PrismaMariaDb(url) }) as unknown as PrismaClient;
  }
  const [{ PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([import("@prisma/adapter-pg"), import("../../generated/postgresql/client.js")]);
  return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) });
}
