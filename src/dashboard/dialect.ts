// The dashboard's queries for the client's database.
import type { DashboardDialect } from "../dialects/dashboard.js";
import * as postgresql from "../dialects/postgresql/dashboard.js";
import * as sqlite from "../dialects/sqlite/dashboard.js";
import { TasksError } from "../errors.js";

export function dashboardDialect(provider: string): DashboardDialect {
  if (provider === "postgresql") return postgresql;
  if (provider === "sqlite") return sqlite;
  throw new TasksError(`The prisma-tasks dashboard supports PostgreSQL and SQLite, not "${provider}".`);
}
