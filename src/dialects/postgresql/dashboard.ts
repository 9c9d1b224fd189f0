// The PostgreSQL queries behind the dashboard, one file per operation, bound to the app's schema-qualified table.
import type { DashboardDialect } from "../dashboard.js";
import { recentActivity } from "./dashboard-activity.js";
import { queueBacklog } from "./dashboard-backlog.js";
import { countTasks } from "./dashboard-counts.js";
import { listTasks } from "./dashboard-list.js";
import { runningTasks } from "./dashboard-running.js";
import { taskDetail } from "./dashboard-task.js";
import { deleteTask } from "./delete.js";

/** The dashboard's queries on `table` (task_results, schema-qualified). */
export function postgresqlDashboard(table: string): DashboardDialect {
  return {
    countTasks: (client) => countTasks(table, client),
    queueBacklog: (client, now) => queueBacklog(table, client, now),
    recentActivity: (client, since) => recentActivity(table, client, since),
    runningTasks: (client, limit) => runningTasks(table, client, limit),
    listTasks: (client, request) => listTasks(table, client, request),
    taskDetail: (client, id) => taskDetail(table, client, id),
    deleteTask: (client, id) => deleteTask(table, client, id),
  };
}
