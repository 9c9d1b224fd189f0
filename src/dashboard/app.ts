// The dashboard's routes on Hono: pages, the overview's live part, metrics, assets, and the actions behind CSRF checks.
import { Hono, type Context } from "hono";
import { etag } from "hono/etag";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { isTaskId } from "../dialects/dashboard.js";
import { availableActions, bulkRetry, planBulkRetry, runAction, TASK_ACTIONS, type ActionOutcome, type TaskAction } from "./actions.js";
import { loadAsset } from "./assets.js";
import type { DashboardEnv, DashboardSource } from "./context.js";
import { PAGE_SIZE, parseListQuery, SCAN_LIMIT, listSearch } from "./list.js";
import { metricsText } from "./metrics.js";
import { readOverview } from "./overview.js";
import { access, csrfProtection, securityHeaders, type Authorize } from "./security.js";
import { confirmActionPage, confirmBulkRetryPage } from "./views/confirm.js";
import { count, type Html } from "./views/format.js";
import { overviewLive, overviewPage } from "./views/overview.js";
import { schedulesPage } from "./views/schedules.js";
import { notFoundPage, refusedPage } from "./views/pages.js";
import { taskPage } from "./views/task.js";
import { tasksPage } from "./views/tasks.js";

export interface DashboardSettings {
  source: DashboardSource;
  basePath: string;
  readOnly: boolean;
  authorize: Authorize | undefined;
  token: string | undefined;
}

/** What an action's redirect tells the next page, by code: the page shows a fixed sentence, never text from the URL. */
const DONE: Record<string, { text: string; kind: "done" | "error" }> = {
  cancelled: { text: "Cancelled: the task will not run.", kind: "done" },
  "cancel-requested": { text: "Cancel requested: the worker's signal aborts the attempt; the task ends CANCELLED unless it completes first.", kind: "done" },
  "not-cancelled": { text: "Nothing was cancelled: the task had already finished, or its cancel was already requested.", kind: "error" },
  retried: { text: "Retried: the task is NEW again and runs as soon as a worker is free.", kind: "done" },
  "not-retried": { text: "Nothing was retried: only FAILED and CANCELLED tasks can be retried.", kind: "error" },
  "key-held": {
    text: "Not retried: another task with the same unique key is waiting or running. Retry this one once that one has finished.",
    kind: "error",
  },
  deleted: { text: "The task was deleted.", kind: "done" },
  "not-deleted": { text: "The task was not deleted: a worker is running it. Cancel it first.", kind: "error" },
};

function notice(c: Context<DashboardEnv>): Html | string {
  const code = c.req.query("done");
  if (code === "bulk-retried") {
    const retried = Number(c.req.query("count"));
    return html`<p class="notice notice-done">Retried ${count(Number.isSafeInteger(retried) ? retried : 0)} failed tasks.</p>`;
  }
  const done = code !== undefined && Object.hasOwn(DONE, code) ? DONE[code]! : undefined;
  return done ? html`<p class="notice notice-${done.kind}">${done.text}</p>` : "";
}

function doneCode(outcome: ActionOutcome): string {
  if (outcome.action === "delete") return outcome.refused === undefined ? "deleted" : "not-deleted";
  if ("keyHeld" in outcome) return "key-held";
  const { status } = outcome.result;
  if (outcome.action === "retry") return status === "NEW" ? "retried" : "not-retried";
  if (status === "CANCELLED") return "cancelled";
  return status === "RUNNING" && outcome.result.cancelRequestedAt !== null ? "cancel-requested" : "not-cancelled";
}

function isTaskAction(text: string): text is TaskAction {
  return (TASK_ACTIONS as readonly string[]).includes(text);
}

export function dashboardApp(settings: DashboardSettings): Hono<DashboardEnv> {
  const { source, basePath, readOnly } = settings;
  // Not strict: the mount point answers with and without its trailing slash ("/admin/tasks" and "/admin/tasks/").
  const app = new Hono<DashboardEnv>({ strict: false }).basePath(basePath || "/");
  app.use(async (c, next) => {
    c.set("basePath", basePath);
    c.set("readOnly", readOnly);
    c.set("source", source);
    c.set("csrfToken", "");
    await next();
  });
  app.use(securityHeaders());

  // Assets come before the access check: the token form needs its stylesheet, and they hold nothing from the database.
  app.get("/assets/:name", etag(), async (c) => {
    const asset = await loadAsset(c.req.param("name"));
    if (!asset) return c.text("Not found", 404);
    return c.body(asset.text, 200, { "content-type": asset.type, "cache-control": "no-cache" });
  });

  app.use(access(settings));
  app.use(csrfProtection());

  // Actions are refused in read-only mode, whatever the request: the pages also hide them.
  const refuseWhenReadOnly = async (c: Context<DashboardEnv>, next: () => Promise<void>) => {
    if (readOnly) return c.html(refusedPage(c, "This dashboard is read-only: it does not cancel, retry or delete tasks."), 403);
    await next();
  };
  app.use("/tasks/retry-failed", refuseWhenReadOnly);
  app.use("/tasks/:id/:action", refuseWhenReadOnly);

  app.get("/", async (c) => c.html(overviewPage(c, await readOverview(source))));
  app.get("/overview/live", async (c) => c.html(overviewLive(c, await readOverview(source))));
  app.get("/metrics", async (c) => c.text(await metricsText(source), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));

  app.get("/schedules", async (c) => {
    const now = new Date();
    return c.html(schedulesPage(c, await source.schedules(now), now));
  });

  app.get("/tasks", async (c) => {
    const query = parseListQuery(new URL(c.req.url));
    const page = query.problems.length
      ? undefined
      : await source.queries.listTasks(source.sql, { ...query.filter, before: query.before, limit: PAGE_SIZE, scanLimit: SCAN_LIMIT });
    return c.html(tasksPage(c, query, page, notice(c)));
  });

  app.get("/tasks/retry-failed", async (c) => {
    const query = parseListQuery(new URL(c.req.url));
    if (query.problems.length) return c.redirect(`${basePath}/tasks${listSearch(query)}`, 303);
    const plan = await planBulkRetry(source, query.filter);
    return c.html(confirmBulkRetryPage(c, query, await bulkRetry(source, plan, true), plan.whole));
  });

  app.post("/tasks/retry-failed", async (c) => {
    const query = parseListQuery(new URL(c.req.url));
    if (query.problems.length) return c.redirect(`${basePath}/tasks${listSearch(query)}`, 303);
    const retried = await bulkRetry(source, await planBulkRetry(source, query.filter), false);
    return c.redirect(`${basePath}/tasks${listSearch(query, { done: "bulk-retried", count: String(retried) })}`, 303);
  });

  const findTask = async (c: Context<DashboardEnv>) => {
    const id = c.req.param("id") ?? "";
    return isTaskId(id) ? source.queries.taskDetail(source.sql, id) : undefined;
  };
  const missing = (c: Context<DashboardEnv>) => c.html(notFoundPage(c, `No task has the id "${c.req.param("id")}".`), 404);

  app.get("/tasks/:id", async (c) => {
    const task = await findTask(c);
    return task ? c.html(taskPage(c, task, notice(c))) : missing(c);
  });

  app.get("/tasks/:id/:action", async (c) => {
    const action = c.req.param("action");
    const task = await findTask(c);
    if (!task || !isTaskAction(action)) return missing(c);
    if (!availableActions(task).includes(action)) return c.redirect(`${basePath}/tasks/${task.id}`, 303);
    return c.html(confirmActionPage(c, task, action));
  });

  app.post("/tasks/:id/:action", async (c) => {
    const action = c.req.param("action");
    const id = c.req.param("id");
    if (!isTaskId(id) || !isTaskAction(action)) return missing(c);
    const outcome = await runAction(source, action, id);
    const code = doneCode(outcome);
    return c.redirect(code === "deleted" ? `${basePath}/tasks?done=deleted` : `${basePath}/tasks/${id}?done=${code}`, 303);
  });

  app.notFound((c) => c.html(notFoundPage(c, "The dashboard has no such page."), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status === 403) {
      return c.html(refusedPage(c, "This request came from another site, so it was refused."), 403);
    }
    // The page says nothing of the error itself: a driver's message can name hosts, users or queries.
    console.error("prisma-tasks dashboard: a request failed:", error);
    return c.html(refusedPage(c, "The dashboard could not answer: see the server's log."), 500);
  });
  return app;
}
