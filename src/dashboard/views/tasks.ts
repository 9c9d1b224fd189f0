// The task list page: the filter form, one page of tasks, the way to the next page, and bulk retry of failed tasks.
import type { Context } from "hono";
import { html } from "hono/html";
import type { TaskListPage } from "../../dialects/dashboard.js";
import type { DashboardEnv } from "../context.js";
import { listSearch, SCAN_LIMIT, type ListQuery } from "../list.js";
import { STATUSES } from "../overview.js";
import { count, statusBadge, timestamp, type Html } from "./format.js";
import { layout } from "./layout.js";

const HOUR_MS = 3_600_000;

function filterForm(c: Context<DashboardEnv>, query: ListQuery, now: Date): Html {
  const base = c.var.basePath;
  const { fields } = query;
  const since = (label: string, ms: number) =>
    html`<a href="${base}/tasks${listSearch(query, { from: new Date(now.getTime() - ms).toISOString().slice(0, 16), to: "" })}">${label}</a>`;
  return html`<section class="panel">
<form class="filters" method="get" action="${base}/tasks">
  <label>Status <select name="status">
    <option value="">any</option>
    ${STATUSES.map((status) => html`<option value="${status}" ${status === fields.status ? "selected" : ""}>${status}</option>`)}
  </select></label>
  <label>Queue <input name="queue" value="${fields.queue}" size="12"></label>
  <label>Task name <input name="task" value="${fields.task}" size="22"></label>
  <label>Enqueued from (UTC) <input type="datetime-local" name="from" value="${fields.from}"></label>
  <label>to (UTC) <input type="datetime-local" name="to" value="${fields.to}"></label>
  <label>Task id <input name="id" value="${fields.id}" size="38" placeholder="whole id or its start"></label>
  <button type="submit">Filter</button>
  <a class="button secondary" href="${base}/tasks">Clear</a>
</form>
<div class="quick">Enqueued in the last: ${since("hour", HOUR_MS)} ${since("day", 24 * HOUR_MS)} ${since("week", 7 * 24 * HOUR_MS)}</div>
</section>`;
}

function table(c: Context<DashboardEnv>, page: TaskListPage): Html {
  const base = c.var.basePath;
  return html`<table class="tasks">
<thead><tr><th>Id</th><th>Task</th><th>Queue</th><th>Status</th><th>Enqueued</th><th>Finished</th><th class="num">Attempts</th><th>Last error</th></tr></thead>
<tbody>
${page.tasks.map(
  (task) => html`<tr data-id="${task.id}">
  <td class="mono nowrap"><a href="${base}/tasks/${task.id}">${task.id}</a></td>
  <td>${task.taskName}</td>
  <td>${task.queueName}</td>
  <td>${statusBadge(task.status)}</td>
  <td class="nowrap">${timestamp(task.enqueuedAt)}</td>
  <td class="nowrap">${timestamp(task.finishedAt)}</td>
  <td class="num">${task.attempts} / ${task.maxAttempts}</td>
  <td>${task.lastError ? html`<span class="error-head">${task.lastError.exceptionClass}</span>: ${task.lastError.message}` : ""}</td>
</tr>`,
)}
</tbody></table>`;
}

function pager(c: Context<DashboardEnv>, query: ListQuery, page: TaskListPage): Html {
  const base = c.var.basePath;
  return html`<div class="pager">
${query.before ? html`<a href="${base}/tasks${listSearch(query)}">Newest</a>` : ""}
${page.next
  ? html`<a class="button secondary" rel="next" href="${base}/tasks${listSearch(query, { before: page.next })}">Older →</a>`
  : html`<span class="muted">No older tasks match.</span>`}
${page.scanLimited
  ? html`<span class="muted">This page read ${count(SCAN_LIMIT)} tasks, the most a page reads, and ${count(page.tasks.length)} of them match; older tasks may match too.</span>`
  : ""}
</div>`;
}

function bulkRetry(c: Context<DashboardEnv>, query: ListQuery): Html | string {
  if (c.var.readOnly || query.filter.status !== "FAILED") return "";
  return html`<div class="actions"><a class="button" href="${c.var.basePath}/tasks/retry-failed${listSearch(query)}">Retry every failed task that matches…</a></div>`;
}

export function tasksPage(c: Context<DashboardEnv>, query: ListQuery, page: TaskListPage | undefined, notice?: Html | string): Html {
  return layout(
    c,
    "Tasks",
    html`${notice ?? ""}
${filterForm(c, query, new Date())}
${query.problems.map((problem) => html`<p class="notice notice-error">${problem}</p>`)}
${page
  ? html`<section class="panel">
${bulkRetry(c, query)}
${page.tasks.length === 0 ? html`<p class="empty">No task matches on this page.</p>` : table(c, page)}
${pager(c, query, page)}
</section>`
  : ""}`,
  );
}
