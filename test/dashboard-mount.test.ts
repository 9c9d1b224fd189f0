// Specification of mounting the dashboard in an app: the Fetch-API handler under a base path, the Node adapter behind
// Express-style routing, and the app's authorize callback.
import { createServer, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDashboard, toNodeHandler } from "../src/dashboard/index.js";
import { InvalidConfig } from "../src/index.js";
import type { TasksPrisma } from "./support/app.js";
import { connect, createDatabase } from "./support/databases.js";
import { dashboardApp, generateReport, sendEmail } from "./support/dashboard.js";

let prisma: TasksPrisma;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ prisma, close } = await dashboardApp("sqlite"));
  await prisma.$tasks.enqueue(generateReport, { month: "2026-11" });
});
afterAll(() => close());

describe("createDashboard", () => {
  test("answers Fetch-API requests under its base path, with and without the trailing slash", async () => {
    const dashboard = createDashboard({ prisma, basePath: "/ops/tasks/" });
    const get = (path: string) => dashboard(new Request(`http://app.example${path}`));
    for (const path of ["/ops/tasks", "/ops/tasks/"]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('<a href="/ops/tasks/tasks"');
    }
    const list = await get("/ops/tasks/tasks?queue=reports");
    expect(await list.text()).toContain("reports.generate");
    expect((await get("/tasks")).status).toBe(404);
  });

  test("asks the app's authorize callback about every request and refuses those it turns down", async () => {
    const seen: string[] = [];
    const dashboard = createDashboard({
      prisma,
      authorize: async (request) => {
        seen.push(new URL(request.url).pathname);
        return request.headers.get("x-role") === "admin";
      },
    });
    const refused = await dashboard(new Request("http://app.example/tasks"));
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("reports.generate");
    expect((await dashboard(new Request("http://app.example/metrics"))).status).toBe(403);
    const allowed = await dashboard(new Request("http://app.example/tasks", { headers: { "x-role": "admin" } }));
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("reports.generate");
    expect(seen).toEqual(["/tasks", "/metrics", "/tasks"]);
  });

  test("GET /metrics keeps a drained queue's backlog series, at 0", async () => {
    const { prisma: app, close: closeApp } = await dashboardApp("sqlite");
    try {
      const email = await app.$tasks.enqueue(sendEmail, { to: "ada@example.com" });
      const metrics = async () => (await createDashboard({ prisma: app })(new Request("http://app.example/metrics"))).text();
      expect(await metrics()).toContain('prisma_tasks_ready_tasks{queue="emails"} 1');

      await app.taskResult.update({ where: { id: email.id }, data: { status: "FAILED", finishedAt: new Date() } });

      const drained = await metrics();
      expect(drained).toContain('prisma_tasks_ready_tasks{queue="emails"} 0');
      expect(drained).toContain('prisma_tasks_oldest_ready_age_seconds{queue="emails"} 0');
      expect(drained).toContain('prisma_tasks_tasks{queue="emails",status="NEW"} 0');
      expect(drained).toContain('prisma_tasks_tasks{queue="emails",status="FAILED"} 1');
    } finally {
      await closeApp();
    }
  });

  test("refuses a client that withTasks did not extend, saying how to fix it", async () => {
    const plain = connect(await createDatabase("sqlite"));
    expect(() => createDashboard({ prisma: plain })).toThrow(InvalidConfig);
    expect(() => createDashboard({ prisma: plain })).toThrow("createDashboard needs { prisma }: the Prisma client extended with withTasks");
    await plain.$disconnect();
  });
});

describe("toNodeHandler", () => {
  test("serves the dashboard from Node's http server where Express-style routing strips the mount path", async () => {
    const handler = toNodeHandler(createDashboard({ prisma, basePath: "/ops/tasks" }));
    // What Express's app.use("/ops/tasks", handler) hands the handler: the rest of the path, and the whole in originalUrl.
    const server = createServer((request: IncomingMessage & { originalUrl?: string }, response) => {
      request.originalUrl = request.url;
      request.url = request.url!.slice("/ops/tasks".length) || "/";
      void handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/ops/tasks/tasks?queue=reports`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("reports.generate");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
