// The settings behind a Prisma client's PostgreSQL adapter: where prisma-tasks' own pool and LISTEN connect, whether
// that goes through a pooler in transaction mode, and the schema the client's queries name.
import type { ClientConfig } from "pg";
import { InvalidConfig } from "../../errors.js";

export interface AdapterSettings {
  /** undefined when the adapter's settings cannot be read (an adapter other than @prisma/adapter-pg). */
  connection: ClientConfig | undefined;
  schema: string;
}

/** Where prisma-tasks' own connections go, and whether a transaction-mode pooler stands in between. */
export interface OwnConnection {
  /** undefined when it cannot be told: statements then go through the Prisma client, and workers poll. */
  settings: ClientConfig | undefined;
  /**
   * A pooler in transaction mode (PgBouncer, Supavisor on port 6543, a Neon "-pooler" host) hands each transaction to
   * any server connection: no statement may rely on what an earlier one left in its session (prepared statements,
   * LISTEN).
   */
  transactionPooler: boolean;
}

interface PgAdapterFactory {
  config?: unknown;
  externalPool?: { options?: unknown } | null;
  options?: { schema?: unknown };
}

function connectionOf(adapter: PgAdapterFactory | undefined): ClientConfig | undefined {
  const config = adapter?.externalPool?.options ?? adapter?.config;
  if (typeof config !== "object" || config === null) return undefined;
  const { connectionString, host, database } = config as ClientConfig;
  return connectionString || host || database ? (config as ClientConfig) : undefined;
}

/** The `?schema=` of a connection URL; prisma migrate creates the tables there. */
function urlSchema(connection: ClientConfig | undefined): string | undefined {
  if (!connection?.connectionString) return undefined;
  try {
    return new URL(connection.connectionString).searchParams.get("schema") || undefined;
  } catch {
    return undefined;
  }
}

/** Prisma's own mark of a transaction-mode pooler on a URL: `?pgbouncer=true`. */
function marksPooler(connection: ClientConfig | undefined): boolean {
  if (!connection?.connectionString) return false;
  try {
    return new URL(connection.connectionString).searchParams.get("pgbouncer") === "true";
  } catch {
    return false;
  }
}

/** prisma-tasks' connection on the app's settings: a pooler when withTasks says so, else when the URL says so. */
export function appConnection(settings: ClientConfig | undefined, transactionPooler: boolean | undefined): OwnConnection {
  return { settings, transactionPooler: transactionPooler ?? marksPooler(settings) };
}

/**
 * A worker's connection on its direct URL, which bypasses the app's pooler (a URL still marked `pgbouncer=true` is
 * taken at its word). The password never goes into the message: only whether the URL parses.
 */
export function directConnection(url: string): OwnConnection {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new InvalidConfig(
      `the worker's direct URL (defineConfig({ directUrl }), TASKS_DIRECT_URL or DIRECT_URL) is not a ` +
        `PostgreSQL URL. Fix: set it to postgresql://USER:PASSWORD@HOST:5432/DATABASE, the database's own address, not the pooler's.`,
    );
  }
  const settings = { connectionString: url };
  return { settings, transactionPooler: marksPooler(settings) };
}

/**
 * Reads @prisma/adapter-pg's settings from the client. The schema is the adapter's `schema` option, which Prisma's own
 * queries name (`new PrismaPg(config, { schema })`); else the URL's `?schema=`, where `prisma migrate` puts the tables
 * (Prisma Client 7.10 itself ignores it: prisma/orm#28421); else public, as Prisma's queries.
 */
export function adapterSettingsOf(client: unknown): AdapterSettings {
  const adapter = (client as { _engineConfig?: { adapter?: PgAdapterFactory } })?._engineConfig?.adapter;
  const connection = connectionOf(adapter);
  const option = adapter?.options?.schema;
  const schema = (typeof option === "string" && option) || urlSchema(connection) || "public";
  return { connection, schema };
}

/** Where a connection goes, the password masked: postgresql://user:****@host:port/database. */
export function describeConnection(connection: ClientConfig | undefined): string {
  if (!connection) return "postgresql";
  let { user, password, host, port, database } = connection;
  if (connection.connectionString) {
    try {
      const url = new URL(connection.connectionString);
      user = decodeURIComponent(url.username) || user;
      password = url.password || password;
      host = url.hostname || url.searchParams.get("host") || host;
      port = Number(url.port) || port;
      database = decodeURIComponent(url.pathname.slice(1)) || database;
    } catch {
      return "postgresql";
    }
  }
  const credentials = user ? `${user}${password ? ":****" : ""}@` : "";
  return `postgresql://${credentials}${host ?? "localhost"}${port ? `:${port}` : ""}/${database ?? ""}`;
}
