// The task page: every TaskResult field, args and return value as JSON, each error with its traceback, the attempts.
import type { Context } from "hono";
import { html } from "hono/html";
import type { TaskDetail } from "../../dialects/dashboard.js";
import { TaskStatus } from "../../result.js";
import type { DashboardEnv } from "../context.js";
import { availableActions, type TaskAction } from "../actions.js";
import { duration, relative, statusBadge, timestamp, type Html } from "./format.js";
import { layout } from "./layout.js";

/** The statuses TaskResult.isFinished is true for. */
const FINISHED: readonly TaskStatus[] = [TaskStatus.COMPLETE, TaskStatus.FAILED, TaskStatus.CANCELLED];

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "undefined";
}

function fields(task: TaskDetail, now: Date): Html {
  const row = (name: string, value: Html | string | number) => html`<dt>${name}</dt><dd>${value}</dd>`;
  return html`<dl class="fields">
${row("id", html`<span class="mono">${task.id}</span>`)}
${row("status", statusBadge(task.status))}
${row("taskName", task.taskName)}
${row("queueName", task.queueName)}
${row("priority", task.priority)}
${row("backend", task.backend)}
${row("runAfter", timestamp(task.runAfter))}
${row("enqueuedAt", timestamp(task.enqueuedAt))}
${row("startedAt", timestamp(task.startedAt))}
${row("lastAttemptedAt", timestamp(task.lastAttemptedAt))}
${row("finishedAt", timestamp(task.finishedAt))}
${row("attempts", `${task.attempts} of ${task.maxAttempts} (maxAttempts)`)}
${row("workerIds", task.workerIds.length ? html`<span class="mono">${task.workerIds.join(", ")}</span>` : "none yet")}
${row("cancelRequestedAt", timestamp(task.cancelRequestedAt))}
${task.scheduleKey === null ? "" : html`${row("scheduleKey", task.scheduleKey)}${row("scheduledAt", timestamp(task.scheduledAt))}`}
${row("isFinished", String(FINISHED.includes(task.status)))}
${task.status === "RUNNING"
  ? html`${row("held by", html`<span class="mono">${task.lockedBy ?? "—"}</span>`)}
${row("last heartbeat", task.heartbeatAt ? relative(task.heartbeatAt, now) : "—")}
${row("lease", task.leaseExpiresAt ? (task.leaseExpiresAt > now ? `ends ${relative(task.leaseExpiresAt, now)}` : `ran out ${relative(task.leaseExpiresAt, now)}`) : "—")}`
  : ""}
${task.startedAt && task.finishedAt ? row("took", duration(task.finishedAt.getTime() - task.startedAt.getTime())) : ""}
</dl>`;
}

/**
 * The attempts in order. Each attempt's worker is known; an attempt's outcome is the error recorded in its turn (errors
 * are appended as attempts fail), and the last attempt's is the task's status. Errors past the attempts (a task
 * cancelled before it ran) follow them.
 */
function timeline(task: TaskDetail): Html {
  const attempts = Array.from({ length: task.attempts }, (_, i) => i);
  const last = task.attempts - 1;
  const outcome = (i: number) => {
    const error = task.errors[i];
    if (error) return html`<a href="#error-${i + 1}" class="error-head">${error.exceptionClass}</a>: ${error.message}`;
    if (i !== last) return html`<span class="muted">no outcome recorded</span>`;
    return task.status === "RUNNING" ? "running now" : task.status === "COMPLETE" ? "returned" : task.status;
  };
  // Only the first attempt's start (startedAt) and the last one's (lastAttemptedAt) are stored.
  const started = (i: number) => {
    const at = i === 0 ? task.startedAt : i === last ? task.lastAttemptedAt : null;
    return at ? html`, started ${timestamp(at)}` : "";
  };
  const kind = (i: number) => (task.errors[i] ? "bad" : i === last && task.status === "RUNNING" ? "run" : "ok");
  return html`<ol class="timeline">
<li class="new">Enqueued ${timestamp(task.enqueuedAt)}${task.runAfter > task.enqueuedAt ? html`, to run after ${timestamp(task.runAfter)}` : ""}</li>
${attempts.map(
  (i) => html`<li class="${kind(i)}">Attempt ${i + 1} on worker <span class="mono">${task.workerIds[i] ?? "unknown"}</span>${started(i)}<br>${outcome(i)}</li>`,
)}
${task.errors.slice(task.attempts).map(
  (error, i) => html`<li class="bad"><a href="#error-${task.attempts + i + 1}" class="error-head">${error.exceptionClass}</a>: ${error.message}</li>`,
)}
${task.finishedAt ? html`<li class="${task.status === "COMPLETE" ? "ok" : "bad"}">Finished ${timestamp(task.finishedAt)}: ${statusBadge(task.status)}</li>` : ""}
${task.status === "NEW" && task.attempts > 0 ? html`<li class="new">Waiting for attempt ${task.attempts + 1}, due ${timestamp(task.runAfter)}</li>` : ""}
</ol>`;
}

function errors(task: TaskDetail): Html {
  return html`<section class="panel">
<h2>Errors (${task.errors.length})</h2>
${task.errors.length === 0
  ? html`<p class="empty">None.</p>`
  : task.errors.map(
      (error, i) => html`<div class="error" id="error-${i + 1}">
<p><span class="error-head">${i + 1}. ${error.exceptionClass}</span>: ${error.message}</p>
${error.traceback ? html`<pre class="traceback">${error.traceback}</pre>` : html`<p class="muted">No traceback.</p>`}
</div>`,
    )}
</section>`;
}

const ACTION_LABELS: Record<TaskAction, string> = { cancel: "Cancel…", retry: "Retry…", delete: "Delete…" };

function actions(c: Context<DashboardEnv>, task: TaskDetail): Html | string {
  if (c.var.readOnly) return "";
  const available = availableActions(task);
  if (available.length === 0) return "";
  return html`<div class="actions">
${available.map(
  (action) =>
    html`<a class="button ${action === "retry" ? "" : "danger"}" href="${c.var.basePath}/tasks/${task.id}/${action}">${ACTION_LABELS[action]}</a>`,
)}
</div>`;
}

export function taskPage(c: Context<DashboardEnv>, task: TaskDetail, notice?: Html | string): Html {
  const now = new Date();
  return layout(
    c,
    `${task.taskName}`,
    html`${notice ?? ""}
${actions(c, task)}
<div class="grid">
<section class="panel"><h2>Result</h2>${fields(task, now)}</section>
<section class="panel"><h2>Attempts</h2>${timeline(task)}</section>
</div>
<section class="panel"><h2>Args</h2><pre class="json">${json(task.args.json)}</pre></section>
${task.status === "COMPLETE" ? html`<section class="panel"><h2>Return value</h2><pre class="json">${json(task.returnValue?.json ?? null)}</pre></section>` : ""}
${errors(task)}`,
  );
}
