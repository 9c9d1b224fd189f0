// The connection settings behind a Prisma client's PostgreSQL adapter: for prisma-tasks' own pool and LISTEN.
import type { ClientConfig } from "pg";

/** Reads @prisma/adapter-pg's settings from the client; undefined when they cannot be found. */
export function connectionConfigOf(client: unknown): ClientConfig | undefined {
  const adapter = (client as { _engineConfig?: { adapter?: { config?: unknown; externalPool?: { options?: unknown } } } })
    ?._engineConfig?.adapter;
  const config = adapter?.externalPool?.options ?? adapter?.config;
  if (typeof config !== "object" || config === null) return undefined;
  const { connectionString, host, database } = config as ClientConfig;
  return connectionString || host || database ? (config as ClientConfig) : undefined;
}
