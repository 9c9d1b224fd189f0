// The dashboard's queries for the client's database (on PostgreSQL, in the schema the client's adapter names).
import type { DashboardDialect } from "../dialects/dashboard.js";
import { providerOf } from "../dialects/index.js";
import { adapterSettingsOf } from "../dialects/postgresql/connection.js";
import { postgresqlDashboard } from "../dialects/postgresql/dashboard.js";
import { taskTable } from "../dialects/postgresql/names.js";
import * as mysql from "../dialects/mysql/dashboard.js";
import * as sqlite from "../dialects/sqlite/dashboard.js";
import { TasksError } from "../errors.js";

/** prisma: the client withTasks extends. */
export function dashboardDialect(prisma: object): DashboardDialect {
  const provider = providerOf(prisma);
  if (provider === "postgresql") return postgresqlDashboard(taskTable(adapterSettingsOf(prisma).schema));
  if (provider === "sqlite") return sqlite;
  if (provider === "mysql") return mysql;
  throw new TasksError(`The prisma-tasks dashboard supports PostgreSQL, MySQL and SQLite, not "${provider}".`);
}
