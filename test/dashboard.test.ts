// Specification of the dashboard as a person uses it: headless Chromium on the pages, a real PostgreSQL behind them.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { TaskStatus } from "../src/index.js";
import type { TasksPrisma } from "./support/app.js";
import { runtimeOf } from "../src/tasks-client.js";
import {
  chargeCard,
  chromiumAvailable,
  dashboardApp,
  generateReport,
  hostile,
  HOLDING_WORKER,
  launchChromium,
  openPage,
  screenshotPath,
  SEED_WORKER,
  seedEveryStatus,
  sendEmail,
  serveDashboard,
  XSS,
  type Seeded,
  type ServedDashboard,
} from "./support/dashboard.js";

const BASE = "/admin/tasks";
const closers: (() => Promise<unknown>)[] = [];
let browser: Browser;

beforeAll(async () => {
  if (chromiumAvailable()) browser = await launchChromium();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await browser?.close();
});

/** A fresh PostgreSQL database with tasks in every status, and the dashboard serving it at BASE. */
async function seededDashboard(options: { readOnly?: boolean; failedCharges?: number } = {}) {
  const app = await dashboardApp("postgresql");
  closers.push(app.close);
  const seeded = await seedEveryStatus(app.prisma, { failedCharges: options.failedCharges });
  const served = await serveDashboard({ prisma: app.prisma, basePath: BASE, readOnly: options.readOnly });
  closers.push(served.close);
  return { prisma: app.prisma, seeded, served, origin: new URL(served.url).origin, databaseUrl: app.database.url };
}

function statusOf(prisma: TasksPrisma, id: string) {
  return prisma.taskResult.findUnique({ where: { id }, select: { status: true } }).then((row) => row?.status);
}

describe.skipIf(!chromiumAvailable())("the dashboard on PostgreSQL", () => {
  let prisma: TasksPrisma;
  let seeded: Seeded;
  let served: ServedDashboard;
  let origin: string;
  let databaseUrl: string;

  beforeAll(async () => {
    ({ prisma, seeded, served, origin, databaseUrl } = await seededDashboard());
  });

  test("the overview shows the counts by status and queue, the backlog, running tasks and workers", async () => {
    const { page, offsite } = await openPage(browser, origin);
    await page.goto(`${served.url}/`);
    const card = (status: string) => page.locator(`.card-${status.toLowerCase()} .value`);
    expect(await card("NEW").textContent()).toBe("2");
    expect(await card("RUNNING").textContent()).toBe("1");
    expect(await card("COMPLETE").textContent()).toBe("3");
    expect(await card("FAILED").textContent()).toBe("2");
    expect(await card("CANCELLED").textContent()).toBe("1");

    const cell = (queue: string, status: string) => page.locator(`tr[data-queue="${queue}"] td[data-status="${status}"]`);
    expect(await cell("reports", "COMPLETE").textContent()).toBe("3");
    expect(await cell("default", "FAILED").textContent()).toBe("2");
    expect(await cell("slow", "RUNNING").textContent()).toBe("1");
    expect(await cell("emails", "CANCELLED").textContent()).toBe("1");
    const emails = page.locator('tr[data-queue="emails"] td');
    expect(await emails.nth(1).textContent()).toBe("1"); // ready
    expect(await emails.nth(2).textContent()).toBe("1"); // scheduled
    expect(await emails.nth(3).textContent()).toMatch(/^\d+ (ms|s)$/); // the oldest ready task's wait

    const running = page.locator("table.running tbody tr");
    expect(await running.count()).toBe(1);
    expect(await running.textContent()).toContain("reports.long");
    expect(await running.textContent()).toContain(HOLDING_WORKER);
    expect(await running.locator("td").nth(5).textContent()).toMatch(/^9 min \d+ s$/);

    const worker = (id: string) => page.locator("table.workers tbody tr", { hasText: id }).locator("td");
    expect(await worker(SEED_WORKER).allTextContents()).toEqual([SEED_WORKER, "0", "3", "2", expect.stringMatching(/ago$/)]);
    expect((await worker(HOLDING_WORKER).allTextContents()).slice(0, 4)).toEqual([HOLDING_WORKER, "1", "0", "0"]);

    expect(await page.locator("#throughput-chart canvas").count()).toBeGreaterThan(0);
    expect(await page.locator("section.panel", { hasText: "Finished per minute" }).textContent()).toContain(
      "3 completed, 2 failed: failure rate 40.0 %",
    );
    await page.screenshot({ path: screenshotPath("overview.png"), fullPage: true });
    expect(offsite).toEqual([]);
  });

  test("the overview refreshes itself without reloading the page", async () => {
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/`);
    await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));
    const added = await prisma.$tasks.enqueue(sendEmail, { to: "refresh@example.com" });
    try {
      await expect.poll(() => page.locator(".card-new .value").textContent(), { timeout: 20_000 }).toBe("3");
      expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
      expect(await page.locator("#refreshed").textContent()).toMatch(/^updated /);
    } finally {
      await prisma.taskResult.delete({ where: { id: added.id } });
    }
  });

  test("the task list filters by status, queue, task name, time range and id", async () => {
    const { page } = await openPage(browser, origin);
    const ids = async (search: string) => {
      await page.goto(`${served.url}/tasks${search}`);
      return page.locator("table.tasks tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-id")));
    };
    expect((await ids("?status=FAILED")).sort()).toEqual([seeded.failed, seeded.hostile].sort());
    expect((await ids("?queue=reports")).sort()).toEqual([...seeded.complete].sort());
    expect((await ids("?task=emails.send")).sort()).toEqual([seeded.ready, seeded.scheduled, seeded.cancelled].sort());
    expect(await ids("?status=RUNNING")).toEqual([seeded.running]);
    expect(await ids(`?id=${seeded.failed.toUpperCase()}`)).toEqual([seeded.failed]);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    expect(await ids(`?from=${inAnHour}`)).toEqual([]);
    expect(await page.locator(".empty").textContent()).toBe("No task matches on this page.");
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    expect(await ids(`?from=${anHourAgo}&to=${inAnHour}&status=CANCELLED`)).toEqual([seeded.cancelled]);
    expect(await ids("?id=not-an-id")).toEqual([]);
    expect(await page.locator(".notice-error").textContent()).toContain('"not-an-id" is not a task id');
  });

  test("the task list pages through tasks newest first, with no task twice and none left out", async () => {
    const added = await prisma.$tasks.enqueueMany(sendEmail.using({ queueName: "bulk" }), Array.from({ length: 57 }, (_, i) => ({ to: `${i}@example.com` })));
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks?queue=bulk`);
    const rows = () => page.locator("table.tasks tbody tr").evaluateAll((found) => found.map((row) => row.getAttribute("data-id")!));
    const first = await rows();
    await page.locator('a[rel="next"]').click();
    const second = await rows();
    expect(first).toHaveLength(50);
    expect(second).toHaveLength(7);
    expect([...first, ...second]).toEqual(added.map((result) => result.id).sort().reverse());
    expect(await page.locator(".pager").textContent()).toContain("No older tasks match.");
  });

  test("a failed task's page shows every field, its args as JSON, its error with the traceback and its attempts", async () => {
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks/${seeded.failed}`);
    const fields = Object.fromEntries(
      await page.locator("dl.fields dt").evaluateAll((terms) => terms.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent?.trim()])),
    ) as Record<string, string>;
    expect(fields).toMatchObject({
      id: seeded.failed,
      status: "FAILED",
      taskName: "billing.charge",
      queueName: "default",
      priority: "0",
      backend: "default",
      attempts: "1 of 1 (maxAttempts)",
      workerIds: SEED_WORKER,
      isFinished: "true",
    });
    expect(fields.cancelRequestedAt).toBe("—");
    for (const name of ["runAfter", "enqueuedAt", "startedAt", "lastAttemptedAt", "finishedAt"]) {
      expect(fields[name], name).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    expect(await page.locator("section", { hasText: "Args" }).locator("pre.json").textContent()).toBe('{\n  "cents": 1999\n}');
    const error = page.locator("#error-1");
    expect(await error.textContent()).toContain("PaymentDeclined: card declined for 1999 cents");
    expect(await error.locator("pre.traceback").textContent()).toMatch(/^PaymentDeclined: card declined for 1999 cents\n\s+at /);
    expect(await page.locator("ol.timeline").textContent()).toMatch(/Attempt 1 on worker\s+seed-worker[\s\S]*PaymentDeclined/);
    await page.screenshot({ path: screenshotPath("failed-task.png"), fullPage: true });
  });

  test("a completed task's page shows its return value as JSON", async () => {
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks/${seeded.complete[0]}`);
    const shown = (await page.locator("section", { hasText: "Return value" }).locator("pre.json").textContent())!;
    expect(JSON.parse(shown)).toEqual({ month: "2026-01", rows: 42 });
    expect(shown).toContain('\n  "rows": 42');
  });

  test("script in task names, args and errors is shown as text and never runs", async () => {
    const { page, dialogs } = await openPage(browser, origin);
    for (const path of ["/", "/tasks", `/tasks?task=${encodeURIComponent(XSS.taskName)}`, `/tasks/${seeded.hostile}`]) {
      await page.goto(`${served.url}${path}`);
      await page.waitForLoadState("load");
      expect(await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss), path).toBeUndefined();
      // The content security policy would stop an injected script too; escaping means no element is injected at all.
      expect(await page.locator("script:not([src]), img").count(), path).toBe(0);
    }
    expect(await page.locator("h1").textContent()).toBe(XSS.taskName);
    expect(await page.locator("section", { hasText: "Args" }).locator("pre.json").textContent()).toContain(JSON.stringify(XSS.args));
    expect(await page.locator("#error-1").textContent()).toContain(XSS.error);
    await page.goto(`${served.url}/tasks?status=FAILED`);
    expect(await page.locator(`tr[data-id="${seeded.hostile}"]`).textContent()).toContain(XSS.error);
    expect(dialogs).toEqual([]);
  });

  test("no page shows the database's connection string or password", async () => {
    const { page } = await openPage(browser, origin);
    const { host, password } = new URL(databaseUrl);
    for (const path of ["/", "/tasks", `/tasks/${seeded.failed}`, "/metrics", "/tasks/00000000-0000-7000-8000-000000000000"]) {
      await page.goto(`${served.url}${path}`);
      const text = await page.content();
      expect(text).not.toContain(databaseUrl);
      expect(text).not.toContain(host);
      expect(text).not.toContain(`:${password}@`);
    }
  });

  test("GET /metrics reports tasks by status and queue, the oldest ready age, and the last hour's outcomes by task", async () => {
    const response = await fetch(`${served.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    expect(text).toContain('prisma_tasks_tasks{queue="reports",status="COMPLETE"} 3');
    expect(text).toContain('prisma_tasks_tasks{queue="default",status="FAILED"} 2');
    expect(text).toContain('prisma_tasks_tasks{queue="slow",status="RUNNING"} 1');
    expect(text).toContain('prisma_tasks_ready_tasks{queue="emails"} 1');
    expect(text).toMatch(/^prisma_tasks_oldest_ready_age_seconds\{queue="emails"\} \d+(\.\d+)?$/m);
    expect(text).toContain('prisma_tasks_finished_last_hour{task="billing.charge",status="FAILED"} 1');
    expect(text).toContain('prisma_tasks_finished_last_hour{task="reports.generate",status="COMPLETE"} 3');
    expect(text).toContain(`prisma_tasks_finished_last_hour{task="<script>window.__xss = \\"task name\\"</script>",status="FAILED"} 1`);
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+\{.*\} \d+(\.\d+)?)$/);
  });
});

describe.skipIf(!chromiumAvailable())("dashboard actions on PostgreSQL", () => {
  let prisma: TasksPrisma;
  let seeded: Seeded;
  let served: ServedDashboard;
  let origin: string;

  beforeAll(async () => {
    ({ prisma, seeded, served, origin } = await seededDashboard({ failedCharges: 3 }));
  });

  /** Opens the task's page, follows the action's button to its confirmation, and confirms. */
  async function act(id: string, button: string, confirm: string) {
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks/${id}`);
    await page.getByRole("link", { name: button }).click();
    await page.getByRole("button", { name: confirm }).click();
    await page.waitForLoadState("load");
    return page;
  }

  test("cancel makes a NEW task CANCELLED", async () => {
    const page = await act(seeded.ready, "Cancel…", "Cancel the task");
    expect(await page.locator(".notice-done").textContent()).toBe("Cancelled: the task will not run.");
    expect(await statusOf(prisma, seeded.ready)).toBe(TaskStatus.CANCELLED);
  });

  test("cancel of a RUNNING task records the request for its worker", async () => {
    const page = await act(seeded.running, "Cancel…", "Cancel the task");
    expect(await page.locator(".notice-done").textContent()).toMatch(/^Cancel requested/);
    const row = await prisma.taskResult.findUnique({ where: { id: seeded.running } });
    expect(row?.status).toBe(TaskStatus.RUNNING);
    expect(row?.cancelRequestedAt).toBeInstanceOf(Date);
  });

  test("retry sends a FAILED task back to NEW", async () => {
    const page = await act(seeded.hostile, "Retry…", "Retry the task");
    expect(await page.locator(".notice-done").textContent()).toMatch(/^Retried/);
    expect(await statusOf(prisma, seeded.hostile)).toBe(TaskStatus.NEW);
  });

  test("delete removes a finished task's row", async () => {
    const page = await act(seeded.complete[0]!, "Delete…", "Delete the task");
    expect(await page.locator(".notice-done").textContent()).toBe("The task was deleted.");
    expect(await prisma.taskResult.findUnique({ where: { id: seeded.complete[0]! } })).toBeNull();
  });

  test("bulk retry sends the failed tasks the filter selects back to NEW, and no others", async () => {
    const other = await prisma.$tasks.enqueue(chargeCard.using({ queueName: "other" }), { cents: 1 });
    await prisma.taskResult.update({ where: { id: other.id }, data: { status: "FAILED", finishedAt: new Date() } });
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks?status=FAILED&task=billing.charge&queue=default`);
    await page.getByRole("link", { name: "Retry every failed task that matches…" }).click();
    expect(await page.locator("section.panel strong").textContent()).toBe("3");
    await page.getByRole("button", { name: "Retry 3 tasks" }).click();
    expect(await page.locator(".notice-done").textContent()).toBe("Retried 3 failed tasks.");
    const charges = await prisma.taskResult.findMany({ where: { taskName: "billing.charge", queueName: "default" } });
    expect(charges.map((row) => row.status)).toEqual(["NEW", "NEW", "NEW"]);
    expect(await statusOf(prisma, other.id)).toBe(TaskStatus.FAILED);
  });

  test("bulk retry with an enqueue-time range retries only the failed tasks enqueued in it", async () => {
    const before = new Date(Date.now() - 1);
    const late = await prisma.$tasks.enqueue(chargeCard.using({ queueName: "late" }), { cents: 2 });
    await prisma.taskResult.update({ where: { id: late.id }, data: { status: "FAILED", finishedAt: new Date() } });
    const early = await prisma.taskResult.create({
      data: { id: "00000000-0000-7000-8000-000000000001", taskName: "billing.charge", queueName: "late", status: "FAILED", args: {}, enqueuedAt: new Date(0) },
    });
    const { page } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks?status=FAILED&queue=late&from=${before.toISOString()}`);
    await page.getByRole("link", { name: "Retry every failed task that matches…" }).click();
    await page.getByRole("button", { name: "Retry 1 task" }).click();
    expect(await statusOf(prisma, late.id)).toBe(TaskStatus.NEW);
    expect(await statusOf(prisma, early.id)).toBe(TaskStatus.FAILED);
  });

  test("an action without this browser's CSRF token, or from another site, is refused and changes nothing", async () => {
    const { page, context } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks/${seeded.scheduled}`);
    const token = (await context.cookies()).find((cookie) => cookie.name === "prisma_tasks_csrf")!.value;
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      page.request.post(`${served.url}/tasks/${seeded.scheduled}/cancel`, { form, headers, maxRedirects: 0 });
    // Same origin, but without this browser's token or with another one: refused by the token check.
    expect((await post({}, { origin })).status()).toBe(403);
    expect((await post({ csrf: "0".repeat(64) }, { origin })).status()).toBe(403);
    // The right token from another site: refused by the origin check.
    expect((await post({ csrf: token }, { origin: "http://evil.example", "sec-fetch-site": "cross-site" })).status()).toBe(403);
    expect(await statusOf(prisma, seeded.scheduled)).toBe(TaskStatus.NEW);
    expect((await post({ csrf: token }, { origin })).status()).toBe(303);
    expect(await statusOf(prisma, seeded.scheduled)).toBe(TaskStatus.CANCELLED);
  });
});

describe.skipIf(!chromiumAvailable())("the dashboard in read-only mode", () => {
  let prisma: TasksPrisma;
  let seeded: Seeded;
  let served: ServedDashboard;
  let origin: string;

  beforeAll(async () => {
    ({ prisma, seeded, served, origin } = await seededDashboard({ readOnly: true }));
  });

  test("hides every action", async () => {
    const { page } = await openPage(browser, origin);
    for (const path of [`/tasks/${seeded.ready}`, `/tasks/${seeded.failed}`, `/tasks/${seeded.running}`, "/tasks?status=FAILED"]) {
      await page.goto(`${served.url}${path}`);
      expect(await page.locator(".actions a, .actions button, form[method=post]").count(), path).toBe(0);
    }
    expect(await page.locator("header .mode").textContent()).toBe("read-only");
  });

  test("refuses every action, asked for directly, and changes nothing", async () => {
    const { page, context } = await openPage(browser, origin);
    await page.goto(`${served.url}/tasks/${seeded.failed}`);
    const csrf = (await context.cookies()).find((cookie) => cookie.name === "prisma_tasks_csrf")!.value;
    const requests = [
      page.request.get(`${served.url}/tasks/${seeded.ready}/cancel`),
      page.request.post(`${served.url}/tasks/${seeded.ready}/cancel`, { form: { csrf }, headers: { origin }, maxRedirects: 0 }),
      page.request.post(`${served.url}/tasks/${seeded.failed}/retry`, { form: { csrf }, headers: { origin }, maxRedirects: 0 }),
      page.request.post(`${served.url}/tasks/${seeded.complete[0]}/delete`, { form: { csrf }, headers: { origin }, maxRedirects: 0 }),
      page.request.post(`${served.url}/tasks/retry-failed?status=FAILED`, { form: { csrf }, headers: { origin }, maxRedirects: 0 }),
    ];
    for (const response of await Promise.all(requests)) expect(response.status(), response.url()).toBe(403);
    expect(await statusOf(prisma, seeded.ready)).toBe(TaskStatus.NEW);
    expect(await statusOf(prisma, seeded.failed)).toBe(TaskStatus.FAILED);
    expect(await statusOf(prisma, seeded.complete[0]!)).toBe(TaskStatus.COMPLETE);
  });
});

describe.skipIf(!chromiumAvailable())("the dashboard's schedules", () => {
  test("lists each schedule with its task, cron, time zone, backfill, last stored slot and next three slots, escaped", async () => {
    const monthly = { task: generateReport, cron: "0 3 1 * *", tz: "Europe/Paris", key: "monthly-report", backfill: 6 * 3_600_000, args: (slot: Date) => ({ month: slot.toISOString().slice(0, 7) }) };
    const app = await dashboardApp("postgresql", [monthly, { task: hostile, cron: "*/15 * * * *", key: XSS.scheduleKey, args: { note: "quarterly" } }]);
    closers.push(app.close);
    const { dialect, sql, schedules } = runtimeOf(app.prisma.$tasks);
    const last = new Date("2026-11-01T02:00:00.000Z");
    const stored = schedules[0]!.taskFor(last, last);
    await dialect.insertScheduledTasks(sql, [stored]);
    const served = await serveDashboard({ prisma: app.prisma, basePath: BASE });
    closers.push(served.close);
    const { page, dialogs } = await openPage(browser, new URL(served.url).origin);

    await page.goto(`${served.url}/`);
    await page.locator("header nav a", { hasText: "Schedules" }).click();
    expect(new URL(page.url()).pathname).toBe(`${BASE}/schedules`);
    const row = page.locator('table.schedules tr[data-key="monthly-report"]');
    expect((await row.locator("td").allTextContents()).slice(0, 5)).toEqual(["monthly-report", "reports.generate", "0 3 1 * *", "Europe/Paris", "6 h 0 min"]);
    expect(await row.locator("td[data-last]").getAttribute("data-last")).toBe(last.toISOString());
    expect(await row.locator("td[data-last]").textContent()).toMatch(/^2026-11-01 02:00:00 \(\d+ (d|h|min).* ago\)$/);
    const next = await row.locator("[data-next]").evaluateAll((cells) => cells.map((cell) => cell.getAttribute("data-next")!));
    expect(next).toHaveLength(3);
    for (const slot of next) expect(new Date(slot).toLocaleString("en-GB", { timeZone: "Europe/Paris", day: "numeric", hour: "2-digit", minute: "2-digit" })).toBe("1, 03:00");

    const hostileRow = page.locator("table.schedules tbody tr").nth(1);
    expect(await hostileRow.locator("td").first().textContent()).toBe(XSS.scheduleKey);
    expect(await hostileRow.locator("td[data-last]").textContent()).toBe("none yet");
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(await page.locator("script:not([src]), img").count()).toBe(0);
    expect(dialogs).toEqual([]);

    // A slot's task shows the schedule and slot that enqueued it.
    await page.goto(`${served.url}/tasks/${stored.id}`);
    const field = (name: string) => page.locator(`dl.fields dt:text-is("${name}") + dd`);
    expect(await field("scheduleKey").textContent()).toBe("monthly-report");
    expect(await field("scheduledAt").locator("time").getAttribute("datetime")).toBe(last.toISOString());
  });

  test("says how to configure schedules when the app has none", async () => {
    const app = await dashboardApp("postgresql");
    closers.push(app.close);
    const served = await serveDashboard({ prisma: app.prisma });
    closers.push(served.close);
    const { page } = await openPage(browser, new URL(served.url).origin);
    await page.goto(`${served.url}/schedules`);
    expect(await page.locator("main p.empty").textContent()).toBe("No schedules: withTasks({ tasks, schedules: [{ task, cron }] }) configures them.");
  });
});
