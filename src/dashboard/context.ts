// What every dashboard request handler can read: where the dashboard is mounted, its mode, and its database.
import type { DashboardDialect } from "../dialects/dashboard.js";
import type { ScheduleStatus } from "../schedules.js";
import type { SqlClient } from "../dialects/types.js";
import type { TasksClient } from "../tasks-client.js";

/** The database behind the dashboard: its queries, the client they run on, and $tasks for cancel and retry. */
export interface DashboardSource {
  queries: DashboardDialect;
  sql: SqlClient;
  tasks: TasksClient;
  /** The client's schedules, each with its last stored slot and next slots after `now`. */
  schedules(now: Date): Promise<ScheduleStatus[]>;
}

export interface DashboardEnv {
  Variables: {
    /** The path the dashboard is mounted at, without a trailing slash ("" at the root). */
    basePath: string;
    readOnly: boolean;
    source: DashboardSource;
    /** This browser's CSRF token, for the forms a page renders. */
    csrfToken: string;
  };
}
