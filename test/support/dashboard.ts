// Dashboard tests' world: tasks in every status written the way an app and its workers write them, the dashboard
// served over real HTTP, and headless Chromium (as check:studio finds it) to look at it.
import { runtimeOf } from "../../src/tasks-client.js";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { z } from "zod";
import { createDashboard, toNodeHandler, type DashboardOptions } from "../../src/dashboard/index.js";
import { Worker, task, type ScheduleConfig } from "../../src/index.js";
import { createApp, type TasksPrisma } from "./app.js";
import type { Provider } from "./databases.js";

export const CHROMIUM = "/usr/bin/chromium";
/** Where the tests leave their screenshots (gitignored); docs/ holds the committed copies. */
export const SCREENSHOTS = join(fileURLToPath(new URL("../..", import.meta.url)), ".dashboard");

/**
 * Whether the browser tests can run. CI installs Chromium before the tests, so there a missing browser is a failure;
 * elsewhere the browser tests are skipped with a note.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: the dashboard's browser tests need it (apt-get install chromium).`);
  console.warn(`dashboard browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return false;
}

/** Values that would run as script if any page wrote them unescaped; each sets window.__xss. */
export const XSS = {
  taskName: `<script>window.__xss = "task name"</script>`,
  args: `<script>window.__xss = "args"</script>`,
  error: `<img src=x onerror="window.__xss = 'error'">`,
  scheduleKey: `<script>window.__xss = "schedule key"</script>`,
};

export class PaymentDeclined extends Error {
  override name = "PaymentDeclined";
}

export const generateReport = task(
  { name: "reports.generate", queueName: "reports", args: z.object({ month: z.string() }) },
  async ({ month }) => ({ month, rows: 42 }),
);
export const chargeCard = task({ name: "billing.charge", args: z.object({ cents: z.number() }) }, async ({ cents }) => {
  throw new PaymentDeclined(`card declined for ${cents} cents`);
});
export const sendEmail = task({ name: "emails.send", queueName: "emails", args: z.object({ to: z.string() }) }, async ({ to }) => `sent to ${to}`);
/** Its name, args and error each carry an XSS payload. */
export const hostile = task({ name: XSS.taskName, args: z.object({ note: z.string() }) }, async () => {
  throw new Error(XSS.error);
});
/** Never run by a worker here: a claim holds it RUNNING. */
export const longReport = task({ name: "reports.long", queueName: "slow" }, async () => "done");

export const dashboardTasks = [generateReport, chargeCard, sendEmail, hostile, longReport];

export const SEED_WORKER = "seed-worker";
export const HOLDING_WORKER = "holding-worker";

export interface Seeded {
  complete: string[];
  failed: string;
  hostile: string;
  ready: string;
  scheduled: string;
  cancelled: string;
  running: string;
}

/**
 * Tasks in every status: COMPLETE and FAILED by a real worker run, NEW due now and tomorrow, CANCELLED through
 * $tasks.cancel, and RUNNING held by a worker's claim (its lease ten minutes long).
 */
export async function seedEveryStatus(prisma: TasksPrisma, options: { completed?: number; failedCharges?: number } = {}): Promise<Seeded> {
  const months = Array.from({ length: options.completed ?? 3 }, (_, i) => ({ month: `2026-${String(i + 1).padStart(2, "0")}` }));
  const complete = await prisma.$tasks.enqueueMany(generateReport, months);
  const charges = await prisma.$tasks.enqueueMany(
    chargeCard,
    Array.from({ length: options.failedCharges ?? 1 }, (_, i) => ({ cents: 1999 + i })),
  );
  const hostileResult = await prisma.$tasks.enqueue(hostile, { note: XSS.args });
  await new Worker({ prisma, queues: ["default", "reports"], batch: true, startupDelay: false, workerId: SEED_WORKER, schedules: false }).run();

  const ready = await prisma.$tasks.enqueue(sendEmail, { to: "ada@example.com" });
  const scheduled = await prisma.$tasks.enqueue(sendEmail, { to: "grace@example.com" }, { runAfter: new Date(Date.now() + 86_400_000) });
  const cancelled = await prisma.$tasks.enqueue(sendEmail, { to: "linus@example.com" });
  await prisma.$tasks.cancel(cancelled.id);
  const running = await prisma.$tasks.enqueue(longReport);
  const { dialect, sql } = runtimeOf(prisma.$tasks);
  await dialect.claimTasks(sql, { queues: ["slow"], backend: undefined, leaseMs: 10 * 60_000, limit: 1, workerId: HOLDING_WORKER, taskNames: [longReport.name] });
  return {
    complete: complete.map((result) => result.id),
    failed: charges[0]!.id,
    hostile: hostileResult.id,
    ready: ready.id,
    scheduled: scheduled.id,
    cancelled: cancelled.id,
    running: running.id,
  };
}

export interface ServedDashboard {
  /** The dashboard's address, with its base path and no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** The dashboard mounted on a Node http server on the loopback interface, through the package's Node adapter. */
export async function serveDashboard(options: DashboardOptions): Promise<ServedDashboard> {
  const server: Server = createServer(toNodeHandler(createDashboard(options)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ""}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
  });
}

/** What a page did that a test must know of: dialogs (a script ran), requests that left the dashboard's server. */
export interface Watched {
  page: Page;
  context: BrowserContext;
  dialogs: string[];
  offsite: string[];
}

/**
 * A fresh browser context on the dashboard. Requests to anything but the dashboard's own origin are recorded and
 * aborted, so a page that needed a CDN would show it.
 */
export async function openPage(browser: Browser, origin: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, reducedMotion: "reduce" });
  const watched: Watched = { context, page: await context.newPage(), dialogs: [], offsite: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    watched.offsite.push(url);
    return route.abort();
  });
  watched.page.on("dialog", (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  watched.page.setDefaultTimeout(30_000);
  return watched;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}

/** A fresh database of the given kind with the dashboard's tasks installed (and these schedules of them). */
export function dashboardApp(provider: Provider, schedules?: ScheduleConfig[]) {
  return createApp(provider, { tasks: dashboardTasks, backends: { default: { backend: "database" } }, schedules });
}
