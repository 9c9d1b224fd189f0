// Specification of `tasks-worker dashboard`: a real process serving the dashboard, its token rule for hosts other
// machines can reach, and the dashboard on SQLite in Chromium.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { tasksClient } from "./support/app.js";
import { createDatabase, type TestDatabase } from "./support/databases.js";
import { chromiumAvailable, dashboardTasks, launchChromium, openPage, seedEveryStatus, type Seeded } from "./support/dashboard.js";
import { killLeftoverWorkers, startWorker, type WorkerProcess } from "./support/processes.js";

const TOKEN = "dashboard-test-token";
const SERVING = /dashboard: serving http:\/\/(\S+?):(\d+)\//;

afterAll(() => killLeftoverWorkers());

/** Starts the command and resolves once it serves; returns the loopback URL to reach it. */
async function startDashboard(database: TestDatabase, args: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let dashboard: WorkerProcess;
  try {
    dashboard = startWorker(database, ["--port", "0", ...args], ["dashboard"]);
  } finally {
    process.env = saved;
  }
  await dashboard.waitFor(SERVING);
  const [, host, port] = SERVING.exec(dashboard.output())!;
  return { dashboard, host: host!, url: `http://127.0.0.1:${port}` };
}

async function stop(dashboard: WorkerProcess) {
  dashboard.child.kill("SIGTERM");
  return dashboard.exited;
}

describe("tasks-worker dashboard", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createDatabase("postgresql");
  });

  test("serves on 127.0.0.1 by default, without a token, and stops cleanly on SIGTERM", async () => {
    const { dashboard, host, url } = await startDashboard(database, []);
    expect(host).toBe("127.0.0.1");
    expect((await fetch(`${url}/`)).status).toBe(200);
    expect(await stop(dashboard)).toEqual({ code: 0, signal: null });
  });

  test("refuses to start on a host other machines can reach when no token is given (exit code 2)", async () => {
    const refused = startWorker(database, ["--host", "0.0.0.0", "--port", "0"], ["dashboard"]);
    expect(await refused.exited).toEqual({ code: 2, signal: null });
    expect(refused.stderr()).toContain("dashboard --host 0.0.0.0: other machines could reach the dashboard, so it needs a token");
  });

  test("on 0.0.0.0 with --token, a request without the token is refused and one with it is served", async () => {
    const { dashboard, host, url } = await startDashboard(database, ["--host", "0.0.0.0", "--token", TOKEN]);
    expect(host).toBe("0.0.0.0");
    const status = async (path: string, headers: Record<string, string> = {}) => (await fetch(`${url}${path}`, { headers })).status;
    expect(await status("/")).toBe(401);
    expect(await status("/tasks")).toBe(401);
    expect(await status("/metrics")).toBe(401);
    expect(await status("/tasks", { authorization: "Bearer not-the-token" })).toBe(401);
    expect(await status("/tasks", { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await status("/metrics", { authorization: `Bearer ${TOKEN}` })).toBe(200);
    const page = await (await fetch(`${url}/tasks`)).text();
    expect(page).toContain("This dashboard asks for the token");
    expect(page).not.toContain(TOKEN);
    await stop(dashboard);
  });

  test("TASKS_DASHBOARD_TOKEN gives the token when --token is not given", async () => {
    const { dashboard, url } = await startDashboard(database, ["--host", "0.0.0.0"], { TASKS_DASHBOARD_TOKEN: TOKEN });
    expect((await fetch(`${url}/`)).status).toBe(401);
    expect((await fetch(`${url}/`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    await stop(dashboard);
  });
});

describe.skipIf(!chromiumAvailable())("the dashboard in Chromium through tasks-worker dashboard", () => {
  let browser: Browser;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await browser.close();
  });

  test("a browser gives the token once through the form, then sees the dashboard", async () => {
    const database = await createDatabase("postgresql");
    const { dashboard, url } = await startDashboard(database, ["--host", "0.0.0.0", "--token", TOKEN]);
    closers.push(() => stop(dashboard));
    const { page } = await openPage(browser, url);
    await page.goto(`${url}/`);
    expect(await page.locator("h1").textContent()).toBe("Token needed");
    await page.locator('input[name="token"]').fill("wrong-token-given");
    await page.getByRole("button", { name: "Open the dashboard" }).click();
    expect(await page.locator(".notice-error").textContent()).toBe("That token is not the dashboard's token.");
    await page.locator('input[name="token"]').fill(TOKEN);
    await page.getByRole("button", { name: "Open the dashboard" }).click();
    expect(await page.locator("h1").textContent()).toBe("Overview");
    await page.goto(`${url}/tasks`);
    expect(await page.locator("h1").textContent()).toBe("Tasks");
  });

  test("on SQLite, the overview and the task list show the seeded tasks", async () => {
    const database = await createDatabase("sqlite");
    const prisma = tasksClient(database, { tasks: dashboardTasks });
    closers.push(() => prisma.$disconnect());
    const seeded: Seeded = await seedEveryStatus(prisma);
    const { dashboard, url } = await startDashboard(database, ["--read-only"]);
    closers.push(() => stop(dashboard));
    const { page } = await openPage(browser, url);
    await page.goto(`${url}/`);
    const card = (status: string) => page.locator(`.card-${status.toLowerCase()} .value`).textContent();
    expect([await card("NEW"), await card("RUNNING"), await card("COMPLETE"), await card("FAILED"), await card("CANCELLED")]).toEqual(["2", "1", "3", "2", "1"]);
    expect(await page.locator('tr[data-queue="reports"] td[data-status="COMPLETE"]').textContent()).toBe("3");
    expect(await page.locator("table.running").textContent()).toContain("holding-worker");
    expect(await page.locator("table.workers").textContent()).toContain("seed-worker");
    expect(await page.locator("#throughput-chart canvas").count()).toBeGreaterThan(0);

    await page.goto(`${url}/tasks?status=FAILED`);
    const ids = await page.locator("table.tasks tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-id")));
    expect(ids.sort()).toEqual([seeded.failed, seeded.hostile].sort());
    await page.goto(`${url}/tasks/${seeded.failed}`);
    expect(await page.locator("#error-1").textContent()).toContain("PaymentDeclined: card declined for 1999 cents");
  });
});
