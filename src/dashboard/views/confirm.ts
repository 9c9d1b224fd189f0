// Confirmation pages: each action says what it will do and asks once more, with a POST form that carries the CSRF token.
import type { Context } from "hono";
import { html } from "hono/html";
import type { TaskDetail } from "../../dialects/dashboard.js";
import type { TaskAction } from "../actions.js";
import { BULK_ID_LIMIT } from "../actions.js";
import type { DashboardEnv } from "../context.js";
import { listSearch, type ListQuery } from "../list.js";
import { CSRF_FIELD } from "../security.js";
import { count, statusBadge, type Html } from "./format.js";
import { layout } from "./layout.js";

function consequence(task: TaskDetail, action: TaskAction): string {
  if (action === "cancel") {
    return task.status === "RUNNING"
      ? "Its worker's signal aborts the attempt; the task ends CANCELLED unless it completes first."
      : "It will not run; it ends CANCELLED. A retry can still run it later.";
  }
  if (action === "retry") return "It goes back to NEW and runs again as soon as a worker is free, with one more attempt. Its errors are kept.";
  return "Its row is deleted from task_results, with its arguments, result and errors. This cannot be undone.";
}

const BUTTONS: Record<TaskAction, string> = { cancel: "Cancel the task", retry: "Retry the task", delete: "Delete the task" };

function postForm(c: Context<DashboardEnv>, action: string, label: string, danger: boolean, back: string): Html {
  return html`<form method="post" action="${action}" class="actions">
  <input type="hidden" name="${CSRF_FIELD}" value="${c.var.csrfToken}">
  <button type="submit" class="${danger ? "danger" : ""}">${label}</button>
  <a class="button secondary" href="${back}">Back</a>
</form>`;
}

export function confirmActionPage(c: Context<DashboardEnv>, task: TaskDetail, action: TaskAction): Html {
  const taskPath = `${c.var.basePath}/tasks/${task.id}`;
  return layout(
    c,
    `${action[0]!.toUpperCase()}${action.slice(1)} this task?`,
    html`<section class="panel">
<p><strong>${task.taskName}</strong> <span class="mono">${task.id}</span> ${statusBadge(task.status)}</p>
<p>${consequence(task, action)}</p>
${postForm(c, `${taskPath}/${action}`, BUTTONS[action], action !== "retry", taskPath)}
</section>`,
  );
}

function describeFilter(query: ListQuery): string {
  const { filter } = query;
  const parts = [
    filter.taskName !== undefined && `task ${filter.taskName}`,
    filter.queueName !== undefined && `queue ${filter.queueName}`,
    filter.enqueuedFrom && `enqueued from ${filter.enqueuedFrom.toISOString()}`,
    filter.enqueuedBefore && `enqueued before ${filter.enqueuedBefore.toISOString()}`,
    filter.idPrefix !== undefined && `id starting ${filter.idPrefix}`,
  ].filter((part) => typeof part === "string");
  return parts.length ? parts.join(", ") : "every task";
}

export function confirmBulkRetryPage(c: Context<DashboardEnv>, query: ListQuery, matched: number, whole: boolean): Html {
  const base = c.var.basePath;
  const back = `${base}/tasks${listSearch(query)}`;
  return layout(
    c,
    "Retry the failed tasks that match?",
    html`<section class="panel">
<p>Filter: ${describeFilter(query)}, status FAILED.</p>
${matched === 0
  ? html`<p>No failed task matches.</p><p><a href="${back}">Back to the list</a></p>`
  : html`<p><strong>${count(matched)}</strong> failed task${matched === 1 ? "" : "s"} go back to NEW and run again, each with one more attempt. Their errors are kept.</p>
${whole ? "" : html`<p class="notice">More than ${count(BULK_ID_LIMIT)} failed tasks match; these are the newest ${count(BULK_ID_LIMIT)}. Retry again for the rest.</p>`}
${postForm(c, `${base}/tasks/retry-failed${listSearch(query)}`, `Retry ${count(matched)} task${matched === 1 ? "" : "s"}`, false, back)}`}
</section>`,
  );
}
