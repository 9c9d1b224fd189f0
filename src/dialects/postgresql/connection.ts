// The settings behind a Prisma client's PostgreSQL adapter: where prisma-tasks' own pool and LISTEN connect, and the
// schema the client's queries name.
import type { ClientConfig } from "pg";

export interface AdapterSettings {
  /** undefined when the adapter's settings cannot be read (an adapter other than @prisma/adapter-pg). */
  connection: ClientConfig | undefined;
  schema: string;
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
