// The dashboard inside an app: a Fetch-API handler under /admin/tasks, behind the app's own check.
import { createDashboard, toNodeHandler } from "prisma-tasks/dashboard";
import { prisma } from "./prisma.js";

export const dashboard = createDashboard({
  prisma,
  basePath: "/admin/tasks",
  // Your session check goes here; this example trusts a header your proxy sets for signed-in staff.
  authorize: (request) => request.headers.get("x-staff") === "yes",
});

// Next.js (app/admin/tasks/[[...path]]/route.ts): export const GET = dashboard, POST = dashboard;
// Hono: app.all("/admin/tasks/*", (c) => dashboard(c.req.raw));
// Node's http server or Express: app.use("/admin/tasks", toNodeHandler(dashboard));
export const listener = toNodeHandler(dashboard);
