// Worker preparation on MySQL: nothing to set up, but the worker's log says which server and database it reached,
// since the Prisma adapter's settings (where it connects) cannot be read from the client, and warns about a server too
// old for the claim to be served by its index.
import type { DialectLog, SqlClient } from "../types.js";

type ServerRow = { version: string; host: string | null; port: number | bigint | null; db: string | null };

/** The oldest releases whose descending indexes, JSON_TABLE and JSON_VALUE the dialect relies on. */
const OLDEST = { MariaDB: [10, 8], MySQL: [8, 0, 21] } as const;

function older(version: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < than.length; i++) {
    const part = version[i] ?? 0;
    if (part !== than[i]) return part < than[i]!;
  }
  return false;
}

export async function prepareWorker(client: SqlClient, log: DialectLog): Promise<void> {
  const [row] = await client.$queryRawUnsafe<ServerRow[]>("SELECT VERSION() AS version, @@hostname AS host, @@port AS port, DATABASE() AS db");
  if (!row) return;
  const server = /mariadb/i.test(row.version) ? "MariaDB" : "MySQL";
  const release = row.version.split("-")[0]!;
  log({
    level: "info",
    event: "connected",
    message: `connected to ${server} ${release} on ${row.host}:${Number(row.port)}, database ${row.db}; workers poll for tasks (MySQL has no NOTIFY)`,
  });
  if (older(release.split(".").map(Number), OLDEST[server])) {
    log({
      level: "warn",
      event: "server-too-old",
      message:
        `${server} ${release} is older than ${OLDEST[server].join(".")}: ${server === "MariaDB" ? "it ignores the ready index's DESC, so each claim sorts and locks every ready task" : "it lacks JSON functions the claim and outcomes use"}. ` +
        `Fix: upgrade to ${server === "MariaDB" ? "MariaDB 10.11 (LTS) or later" : "MySQL 8.0.21 or later"}`,
    });
  }
}
