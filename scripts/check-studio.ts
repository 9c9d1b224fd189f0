// check:studio: opens Prisma Studio on a SQLite demo database in headless Chromium and checks that task results read well.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import Database from "better-sqlite3";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { z } from "zod";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/sqlite/client.js";
import { Worker, task, withTasks } from "../src/index.js";
import { applyMigrations } from "./db/migrations.js";
import { freePort } from "./db/postgres.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const DEMO_DATABASE = join(root, ".demo", "demo.sqlite");
const OUTPUT_DIR = join(root, ".studio");
const OWN_DATABASE = join(OUTPUT_DIR, "demo.sqlite");
const SCREENSHOT = join(OUTPUT_DIR, "task_results.png");
/** Studio's default page size; the expected rows are the first page in Studio's order (by id). */
const PAGE_SIZE = 25;
/** Pinned to the left so they are on screen; Studio otherwise lists columns alphabetically. */
const PINNED_COLUMNS = ["task_name", "status", "args", "errors"] as const;
/** Studio's widest column. */
const ERRORS_COLUMN_WIDTH = 400;
const STUDIO_START_MS = 60_000;
const PAGE_TIMEOUT_MS = 30_000;

/** A reason the check failed, printed as is. */
class CheckFailed extends Error {}

interface StoredRow {
  task_name: string;
  status: string;
  args: string;
  errors: string;
}

class PaymentDeclined extends Error {
  override name = "PaymentDeclined";
}

const sendWelcome = task({ name: "emails.sendWelcome", args: z.object({ to: z.string() }) }, async ({ to }) => `sent to ${to}`);
const generateReport = task({ name: "reports.generate", args: z.object({ month: z.string() }) }, async ({ month }) => ({ month, rows: 42 }));
const charge = task({ name: "billing.charge", args: z.object({ cents: z.number() }) }, async ({ cents }) => {
  throw new PaymentDeclined(`card declined for ${cents} cents`);
});

/** Fills a fresh database with COMPLETE, FAILED and NEW task results, the way an app and its worker would. */
async function createDemoDatabase(path: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
  await applyMigrations({ provider: "sqlite", url: path });
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: path }) }).$extends(
    withTasks({ tasks: [sendWelcome, generateReport, charge] }),
  );
  try {
    await prisma.$tasks.enqueue(sendWelcome, { to: "ada@example.com" });
    await prisma.$tasks.enqueue(generateReport, { month: "2026-10" });
    await prisma.$tasks.enqueue(charge, { cents: 1999 });
    await new Worker({ prisma, batch: true, startupDelay: false }).run();
    const tomorrow = new Date(Date.now() + 24 * 60 * 60 * 1000);
    await prisma.$tasks.enqueue(sendWelcome, { to: "grace@example.com" }, { runAfter: tomorrow });
    await prisma.$tasks.enqueue(generateReport, { month: "2026-11" }, { runAfter: tomorrow });
  } finally {
    await prisma.$disconnect();
  }
}

/** The demo's database when `npm run demo` left one, else one made here. */
async function prepareDatabase(): Promise<string> {
  if (existsSync(DEMO_DATABASE)) return DEMO_DATABASE;
  await createDemoDatabase(OWN_DATABASE);
  return OWN_DATABASE;
}

/** The rows Studio's first page should show, read the way Studio reads them. */
function expectedRows(path: string): StoredRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT task_name, status, args, errors FROM task_results ORDER BY id LIMIT ?")
      .all(PAGE_SIZE) as StoredRow[];
  } finally {
    db.close();
  }
}

/** Only a FAILED task shows whether Studio's errors cell reads well, so the first page must hold one. */
function requireFailedTask(path: string, rows: StoredRow[]): void {
  if (rows.some((row) => row.status === "FAILED")) return;
  throw new CheckFailed(
    `the first ${PAGE_SIZE} task results of ${path} hold no FAILED task, so how Studio shows a failure's errors ` +
      `cannot be checked. Fix: run \`npm run demo\` again, or delete ${path} to let check:studio make its own database.`,
  );
}


/** Prisma Studio on the database, as `prisma studio` runs it; resolves once it serves its page. */
async function startStudio(path: string, port: number): Promise<{ process: ChildProcess; output: () => string }> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  // Studio splits the protocol off at "://" and resolves the rest as a path, so only file:///absolute/path works.
  const url = `file://${resolve(path)}`;
  const child = spawn(process.execPath, [cli, "studio", "--port", String(port), "--browser", "none", "--url", url], {
    cwd: root,
    // Studio's server forwards the page's launch event to Prisma's telemetry service unless this is set.
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const studio = { process: child, output: () => output.trim() };
  const deadline = Date.now() + STUDIO_START_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new CheckFailed(`prisma studio exited (${child.exitCode ?? child.signalCode}) before serving:\n${studio.output()}`);
    }
    const served = await fetch(`http://127.0.0.1:${port}/`).then((response) => response.ok, () => false);
    if (served) return studio;
    await new Promise((wake) => setTimeout(wake, 250));
  }
  child.kill("SIGKILL");
  throw new CheckFailed(`prisma studio did not serve http://127.0.0.1:${port}/ within ${STUDIO_START_MS / 1000} s:\n${studio.output()}`);
}

/** Studio closes its server and database on SIGTERM; one that does not exit soon after is killed. */
async function stopStudio(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

async function launchBrowser(profile: string, origin: string, rowCount: number): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    // Tall enough for the page's rows, and no taller, so the screenshot is the table.
    viewport: { width: 1600, height: Math.max(480, 180 + rowCount * 40) },
    // Studio slides pinned columns into place for a second unless motion is reduced.
    reducedMotion: "reduce",
  });
  // The page reports usage to Prisma (directly and through Studio's /telemetry); only Studio's own data may load.
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    return url.origin === origin && url.pathname !== "/telemetry" ? route.continue() : route.abort();
  });
  return context;
}

/** Widens the errors column by dragging its resize handle, so a failure's exception class and message fit. */
async function widenErrorsColumn(page: Page): Promise<void> {
  const header = page.locator('th[data-grid-header-id="errors"]');
  const handle = header.locator('button[aria-label="Resize column"]');
  await handle.hover();
  const start = await header.boundingBox();
  const grip = await handle.boundingBox();
  if (!start || !grip) throw new CheckFailed("Studio shows no errors column header to widen");
  const y = grip.y + grip.height / 2;
  await page.mouse.down();
  await page.mouse.move(grip.x + grip.width / 2 + ERRORS_COLUMN_WIDTH - start.width, y, { steps: 20 });
  await page.mouse.up();
  const width = (await header.boundingBox())?.width ?? 0;
  if (width < ERRORS_COLUMN_WIDTH - 1) {
    throw new CheckFailed(`dragging the errors column's resize handle left it ${width}px wide, not ${ERRORS_COLUMN_WIDTH}px`);
  }
}

function parsesAs(text: string, stored: string): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), JSON.parse(stored));
  } catch {
    return false;
  }
}

/** Compares each visible row of the task_results table with the database; returns what differs. */
async function compareRows(page: Page, rows: StoredRow[]): Promise<string[]> {
  const problems: string[] = [];
  for (const [index, row] of rows.entries()) {
    const cell = (column: string) => page.locator(`td[data-grid-column-id="${column}"][data-grid-row-index="${index}"]`);
    const shown: Record<string, string> = {};
    for (const column of PINNED_COLUMNS) {
      if (!(await cell(column).isVisible())) {
        problems.push(`row ${index + 1}: the ${column} cell is not visible`);
        continue;
      }
      // textContent, not innerText: the cell does not wrap, so innerText collapses the spaces inside a traceback.
      shown[column] = ((await cell(column).textContent()) ?? "").trim();
    }
    if (shown.task_name !== undefined && shown.task_name !== row.task_name) {
      problems.push(`row ${index + 1}: task_name shows ${JSON.stringify(shown.task_name)}, the database has ${JSON.stringify(row.task_name)}`);
    }
    if (shown.status !== undefined && shown.status !== row.status) {
      problems.push(`row ${index + 1}: status shows ${JSON.stringify(shown.status)}, the database has ${JSON.stringify(row.status)}`);
    }
    for (const column of ["args", "errors"] as const) {
      if (shown[column] !== undefined && !parsesAs(shown[column], row[column])) {
        problems.push(`row ${index + 1}: ${column} shows ${JSON.stringify(shown[column].slice(0, 120))}, not the JSON ${row[column].slice(0, 120)}`);
      }
    }
    if (row.status === "FAILED" && shown.errors !== undefined && !shown.errors.includes('"exceptionClass"')) {
      problems.push(`row ${index + 1}: a FAILED task's errors cell shows no "exceptionClass": ${JSON.stringify(shown.errors.slice(0, 120))}`);
    }
  }
  return problems;
}

/** Opens the task_results table in Studio, checks it against the database and saves the screenshot. */
async function checkStudioPage(context: BrowserContext, origin: string, rows: StoredRow[]): Promise<void> {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const view = new URLSearchParams({ schema: "main", table: "task_results", view: "table", pageSize: String(PAGE_SIZE) });
  await page.goto(`${origin}/#${view}&pin=${PINNED_COLUMNS.join(",")}`);
  const lastRow = page.locator(`td[data-grid-column-id="task_name"][data-grid-row-index="${rows.length - 1}"]`);
  await lastRow.waitFor({ state: "visible" }).catch(() => {
    throw new CheckFailed(`Studio showed no task_results rows within ${PAGE_TIMEOUT_MS / 1000} s (expected ${rows.length})`);
  });
  // Studio focuses the first cell on load and draws a focused pinned cell out of place; move the focus past the pins.
  for (const _ of PINNED_COLUMNS) await page.keyboard.press("ArrowRight");
  await widenErrorsColumn(page);
  await page.screenshot({ path: SCREENSHOT });
  const problems = await compareRows(page, rows);
  if (problems.length > 0) throw new CheckFailed(`Studio's task_results table differs from the database:\n  ${problems.join("\n  ")}`);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log("check:studio skipped: Chromium is not installed (apt-get install chromium)");
    return;
  }
  const started = performance.now();
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const database = await prepareDatabase();
  const rows = expectedRows(database);
  requireFailedTask(database, rows);

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const profile = mkdtempSync(join(tmpdir(), "check-studio-chromium-"));
  let studio: Awaited<ReturnType<typeof startStudio>> | undefined;
  let context: BrowserContext | undefined;
  try {
    studio = await startStudio(database, port);
    context = await launchBrowser(profile, origin, rows.length);
    await checkStudioPage(context, origin, rows);
  } finally {
    await context?.close().catch(() => {});
    if (studio) await stopStudio(studio.process);
    rmSync(profile, { recursive: true, force: true });
  }
  const distinct = (values: string[]) => [...new Set(values)].join(", ");
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `check:studio passed in ${seconds} s: Studio shows the ${rows.length} task results of ${database} as stored ` +
      `(tasks ${distinct(rows.map((row) => row.task_name))}; statuses ${distinct(rows.map((row) => row.status))}).`,
  );
  console.log(`Screenshot: ${SCREENSHOT}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const reason = error instanceof CheckFailed ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`check:studio failed: ${reason}`);
    process.exit(1);
  },
);
