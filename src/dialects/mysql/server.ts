// Worker preparation on MySQL: nothing to set up, but the worker's log says which server and database it reached,
// since the Prisma adapter's settings (where it connects) cannot be read from the client.
import type { DialectLog, SqlClient } from "../types.js";

type ServerRow = { version: string; host: string | null; port: number | bigint | null; db: string | null };

export async function prepareWorker(client: SqlClient, log: DialectLog): Promise<void> {
  const [row] = await client.$queryRawUnsafe<ServerRow[]>("SELECT VERSION() AS version, @@hostname AS host, @@port AS port, DATABASE() AS db");
  if (!row) return;
  log({
    level: "info",
    event: "connected",
    message: `connected to ${/mariadb/i.test(row.version) ? "MariaDB" : "MySQL"} ${row.version.split("-")[0]} on ${row.host}:${Number(row.port)}, database ${row.db}; workers poll for tasks (MySQL has no NOTIFY)`,
  });
}
