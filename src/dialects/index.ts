// The dialect for a Prisma client's database: one folder per database, picked by the provider Prisma reports.
import { InvalidConfig, TasksError } from "../errors.js";
import { mysqlDialect } from "./mysql/index.js";
import { postgresqlDialect } from "./postgresql/index.js";
import { sqliteDialect } from "./sqlite/index.js";
import type { Dialect, DialectOptions } from "./types.js";

export type {
  BackendTaskFilter,
  Dialect,
  DialectLog,
  DialectOptions,
  NewScheduledTask,
  NewTask,
  Notifications,
  OwnPool,
  Outcome,
  RenewedLease,
  SqlClient,
  StoredTask,
  WakeUps,
} from "./types.js";
export { CANCEL_CHANNEL, NOTIFY_CHANNEL } from "./postgresql/index.js";

const DIALECTS: Record<string, (prisma: object, options: DialectOptions) => Dialect> = {
  postgresql: postgresqlDialect,
  postgres: postgresqlDialect,
  sqlite: sqliteDialect,
  mysql: mysqlDialect,
};

/** The provider Prisma reports for the client. */
export function providerOf(prisma: object): string {
  const provider = (prisma as { _activeProvider?: unknown })._activeProvider;
  if (typeof provider !== "string") {
    throw new InvalidConfig("withTasks could not tell which database this Prisma client uses. Fix: apply withTasks to a PrismaClient from prisma-client or prisma-client-js, version 7.");
  }
  return provider;
}

/** The dialect for this Prisma client: its database's SQL, on the table and connection its adapter uses. */
export function dialectFor(prisma: object, options: DialectOptions = {}): Dialect {
  const provider = providerOf(prisma);
  const dialect = Object.hasOwn(DIALECTS, provider) ? DIALECTS[provider] : undefined;
  if (!dialect) {
    throw new TasksError(
      `prisma-tasks supports PostgreSQL, MySQL (and MariaDB) and SQLite; this Prisma client uses "${provider}". Use one of those datasources.`,
    );
  }
  return dialect(prisma, options);
}
