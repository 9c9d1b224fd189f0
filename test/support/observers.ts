// Observers outside the app's Prisma client: a second database connection, and a PostgreSQL LISTENer.
import Database from "better-sqlite3";
import { createConnection } from "mariadb";
import pg from "pg";
import { connectionOptions } from "../../scripts/db/mariadb.js";
import type { TestDatabase } from "./databases.js";

/** What another process (a worker, say) sees of the database through its own connection. */
export interface SecondConnection {
  /** Whether the task's row is readable. False, too, when SQLite's write lock keeps this connection out. */
  seesTask(id: string): Promise<boolean>;
  seesUser(email: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function openSecondConnection(database: TestDatabase): Promise<SecondConnection> {
  if (database.provider === "postgresql") {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const sees = async (sql: string, value: string) => (await client.query(sql, [value])).rowCount === 1;
    return {
      seesTask: (id) => sees("SELECT 1 FROM task_results WHERE id = $1::uuid", id),
      seesUser: (email) => sees("SELECT 1 FROM users WHERE email = $1", email),
      close: () => client.end(),
    };
  }
  if (database.provider === "mysql") {
    const connection = await createConnection(connectionOptions(database.url));
    const sees = async (sql: string, value: string) => ((await connection.query(sql, [value])) as unknown[]).length === 1;
    return {
      seesTask: (id) => sees("SELECT 1 FROM task_results WHERE id = ?", id),
      seesUser: (email) => sees("SELECT 1 FROM users WHERE email = ?", email),
      close: () => connection.end(),
    };
  }
  // A short busy timeout: a writer that holds the lock means the row cannot be read, which is "not seen".
  const connection = new Database(database.url, { readonly: true, timeout: 100 });
  const sees = async (sql: string, value: string) => {
    try {
      return connection.prepare(sql).get(value) !== undefined;
    } catch (error) {
      if ((error as { code?: unknown }).code === "SQLITE_BUSY") return false;
      throw error;
    }
  };
  return {
    seesTask: (id) => sees("SELECT 1 FROM task_results WHERE id = ?", id),
    seesUser: (email) => sees("SELECT 1 FROM users WHERE email = ?", email),
    close: async () => void connection.close(),
  };
}

/** A PostgreSQL session LISTENing on a channel, keeping every payload it receives in order. */
export interface Listener {
  readonly payloads: string[];
  /**
   * Sends `marker` on the channel from this session and waits until it arrives. PostgreSQL delivers notifications
   * in commit order, so every notification committed before this call has arrived by the time it returns.
   */
  sync(marker: string): Promise<void>;
  close(): Promise<void>;
}

export async function listen(database: TestDatabase, channel: string): Promise<Listener> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const payloads: string[] = [];
  const waiters = new Map<string, () => void>();
  client.on("notification", (message) => {
    if (message.channel !== channel) return;
    const payload = message.payload ?? "";
    payloads.push(payload);
    waiters.get(payload)?.();
  });
  await client.query(`LISTEN "${channel}"`);
  return {
    payloads,
    async sync(marker) {
      const arrived = new Promise<void>((resolve) => waiters.set(marker, resolve));
      await client.query("SELECT pg_notify($1, $2)", [channel, marker]);
      await arrived;
      waiters.delete(marker);
    },
    close: () => client.end(),
  };
}
