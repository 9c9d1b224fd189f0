// The dialect for a Prisma client's database.
import { TasksError } from "../errors.js";
import { postgresql } from "./postgresql/index.js";
import { sqlite } from "./sqlite/index.js";
import type { Dialect } from "./types.js";

export type { BackendTaskFilter, Dialect, NewTask, Outcome, SqlClient, StoredTask } from "./types.js";
export { CANCEL_CHANNEL, NOTIFY_CHANNEL } from "./postgresql/index.js";

export function dialectFor(provider: string): Dialect {
  if (provider === "postgresql" || provider === "postgres") return postgresql;
  if (provider === "sqlite") return sqlite;
  throw new TasksError(
    `prisma-tasks supports PostgreSQL and SQLite; this Prisma client uses "${provider}". Use a PostgreSQL or SQLite datasource.`,
  );
}
