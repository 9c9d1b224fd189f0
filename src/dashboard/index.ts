// prisma-tasks/dashboard: a web dashboard of the tasks in the database, as a Fetch-API handler to mount in any app.
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { dashboardDialect } from "./dialect.js";
import { InvalidConfig } from "../errors.js";
import { scheduleStatuses } from "../schedules.js";
import { TasksClient, runtimeOf } from "../tasks-client.js";
import { dashboardApp } from "./app.js";
import type { Authorize } from "./security.js";

export type { Authorize } from "./security.js";

export interface DashboardOptions {
  /** The Prisma client extended with withTasks(...). */
  prisma: unknown;
  /** Where the dashboard is mounted, such as "/admin/tasks"; "" (the root) by default. */
  basePath?: string;
  /** Hide and refuse cancel, retry and delete. */
  readOnly?: boolean;
  /** Called for every request; return false to refuse it (403). Put the app's own session check here. */
  authorize?: Authorize;
  /** A shared secret every request must carry (Authorization: Bearer, or the cookie its login form sets). */
  token?: string;
}

/** A Fetch-API handler: Next.js route handlers, Hono and Bun take it as it is; Node's http and Express through toNodeHandler. */
export type DashboardHandler = (request: Request) => Promise<Response>;

function checkBasePath(basePath: unknown): string {
  if (basePath === undefined || basePath === "" || basePath === "/") return "";
  if (typeof basePath !== "string" || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(basePath)) {
    throw new InvalidConfig(`createDashboard: basePath ${JSON.stringify(basePath)} must be a URL path such as "/admin/tasks".`);
  }
  return basePath.replace(/\/+$/, "");
}

export function createDashboard(options: DashboardOptions): DashboardHandler {
  const tasks = (options?.prisma as { $tasks?: unknown } | undefined)?.$tasks;
  if (!(tasks instanceof TasksClient)) {
    throw new InvalidConfig("createDashboard needs { prisma }: the Prisma client extended with withTasks(...). Fix: createDashboard({ prisma }).");
  }
  if (options.authorize !== undefined && typeof options.authorize !== "function") {
    throw new InvalidConfig("createDashboard: authorize must be a function (request) => boolean.");
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token.length < 8)) {
    throw new InvalidConfig("createDashboard: token must be a string of at least 8 characters.");
  }
  const runtime = runtimeOf(tasks);
  const app = dashboardApp({
    source: {
      queries: dashboardDialect(options.prisma as object),
      sql: runtime.sql,
      tasks,
      schedules: (now) => scheduleStatuses(runtime.schedules, (keys) => runtime.dialect.lastScheduledSlots(runtime.sql, keys), 3, now),
    },
    basePath: checkBasePath(options.basePath),
    readOnly: options.readOnly === true,
    authorize: options.authorize,
    token: options.token,
  });
  return async (request) => app.fetch(request);
}

/**
 * The handler as a Node request listener, for http.createServer() and Express. Express strips the mount path from
 * req.url, so the listener reads req.originalUrl when it is there: mount with the same basePath, app.use("/tasks", ...).
 */
export function toNodeHandler(handler: DashboardHandler): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  // overrideGlobalObjects: false leaves the app's global Request and Response as they are.
  const listener = getRequestListener((request) => handler(request), { overrideGlobalObjects: false });
  return (request, response) => {
    const originalUrl = (request as IncomingMessage & { originalUrl?: string }).originalUrl;
    if (originalUrl) request.url = originalUrl;
    return listener(request, response);
  };
}
