// The overview page: counts, queues with their backlog and lag, throughput chart, running tasks, workers.
import type { Context } from "hono";
import { html } from "hono/html";
import type { DashboardEnv } from "../context.js";
import { STATUSES, type Overview, type Tally } from "../overview.js";
import { count, duration, relative, type Html } from "./format.js";
import { layout } from "./layout.js";

/** A queue whose oldest ready task has waited longer than this is marked as falling behind. */
const LAG_WARNING_MS = 60_000;

function tally(value: Tally | undefined): Html | string {
  if (!value) return "0";
  return value.estimated ? html`<span class="estimate" title="PostgreSQL's estimate: an exact count would read every row">≈ ${count(value.count)}</span>` : count(value.count);
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "—" : `${((100 * part) / whole).toFixed(1)} %`;
}

function cards(c: Context<DashboardEnv>, overview: Overview): Html {
  const base = c.var.basePath;
  const ready = overview.queues.reduce((sum, queue) => sum + queue.ready, 0);
  return html`<div class="cards">
${STATUSES.map(
  (status) => html`<a class="card card-${status.toLowerCase()}" href="${base}/tasks?status=${status}">
  <div class="label">${status}</div><div class="value">${tally(overview.totals.get(status))}</div>
  ${status === "NEW" ? html`<div class="muted">${count(ready)} ready now</div>` : ""}
</a>`,
)}
</div>`;
}

/** The chart's series for uPlot: minutes in seconds since the epoch, counts, and the failure rate where any finished. */
function chartSeries(overview: Overview): string {
  return JSON.stringify({
    minutes: overview.minutes.map((minute) => minute.minute.getTime() / 1000),
    complete: overview.minutes.map((minute) => minute.complete),
    failed: overview.minutes.map((minute) => minute.failed),
    failureRate: overview.minutes.map((minute) => {
      const total = minute.complete + minute.failed;
      return total === 0 ? null : (100 * minute.failed) / total;
    }),
  });
}

function throughput(overview: Overview): Html {
  const { complete, failed } = overview.finished;
  return html`<section class="panel">
<h2>Finished per minute, last hour</h2>
<p class="muted">${count(complete)} completed, ${count(failed)} failed: failure rate ${percent(failed, complete + failed)}</p>
<div id="throughput-chart" data-series="${chartSeries(overview)}"></div>
</section>`;
}

function queues(c: Context<DashboardEnv>, overview: Overview): Html {
  const base = c.var.basePath;
  const link = (queue: string, status: string, value: Html | string) =>
    html`<a href="${base}/tasks?queue=${encodeURIComponent(queue)}&status=${status}">${value}</a>`;
  const lag = (oldest: Date | null) => {
    if (oldest === null) return "—";
    const waited = overview.now.getTime() - oldest.getTime();
    return html`<span class="${waited > LAG_WARNING_MS ? "lag-warn" : ""}">${duration(Math.max(0, waited))}</span>`;
  };
  return html`<section class="panel">
<h2>Queues</h2>
${overview.queues.length === 0
  ? html`<p class="empty">No tasks yet.</p>`
  : html`<table class="queues">
<thead><tr><th>Queue</th><th class="num">Ready</th><th class="num">Scheduled</th><th class="num">Oldest ready waited</th>
${STATUSES.filter((status) => status !== "NEW").map((status) => html`<th class="num">${status}</th>`)}</tr></thead>
<tbody>
${overview.queues.map(
  (queue) => html`<tr data-queue="${queue.queueName}">
  <td>${queue.queueName}</td>
  <td class="num">${link(queue.queueName, "NEW", count(queue.ready))}</td>
  <td class="num">${count(queue.scheduled)}</td>
  <td class="num">${lag(queue.oldestReadyAt)}</td>
  ${STATUSES.filter((status) => status !== "NEW").map(
    (status) => html`<td class="num" data-status="${status}">${link(queue.queueName, status, tally(queue.counts.get(status)))}</td>`,
  )}
</tr>`,
)}
</tbody></table>`}
</section>`;
}

function running(c: Context<DashboardEnv>, overview: Overview): Html {
  const base = c.var.basePath;
  const total = overview.totals.get("RUNNING")?.count ?? 0;
  return html`<section class="panel">
<h2>Running now (${count(total)})</h2>
${overview.running.length === 0
  ? html`<p class="empty">No task is running.</p>`
  : html`<table class="running">
<thead><tr><th>Task</th><th>Queue</th><th>Worker</th><th class="num">Attempt</th><th class="num">Running for</th><th class="num">Lease left</th></tr></thead>
<tbody>
${overview.running.map(
  (task) => html`<tr>
  <td><a href="${base}/tasks/${task.id}">${task.taskName}</a>${task.cancelRequested ? html` <span class="muted">(cancel requested)</span>` : ""}</td>
  <td>${task.queueName}</td>
  <td class="mono">${task.workerId ?? "—"}</td>
  <td class="num">${task.attempt} of ${task.maxAttempts}</td>
  <td class="num">${task.attemptStartedAt ? duration(overview.now.getTime() - task.attemptStartedAt.getTime()) : "—"}</td>
  <td class="num">${task.leaseExpiresAt ? leaseLeft(task.leaseExpiresAt, overview.now) : "—"}</td>
</tr>`,
)}
</tbody></table>`}
${overview.running.length < total ? html`<p class="muted">The ${overview.running.length} running longest are shown; <a href="${base}/tasks?status=RUNNING">all running tasks</a>.</p>` : ""}
</section>`;
}

function leaseLeft(expiresAt: Date, now: Date): Html | string {
  const left = expiresAt.getTime() - now.getTime();
  return left >= 0 ? duration(left) : html`<span class="lag-warn">expired ${duration(left)} ago</span>`;
}

function workers(overview: Overview): Html {
  return html`<section class="panel">
<h2>Workers seen in the last hour</h2>
${overview.workers.length === 0
  ? html`<p class="empty">No worker has run a task in the last hour.</p>`
  : html`<table class="workers">
<thead><tr><th>Worker</th><th class="num">Running</th><th class="num">Completed</th><th class="num">Failed</th><th class="num">Last seen</th></tr></thead>
<tbody>
${overview.workers.map(
  (worker) => html`<tr>
  <td class="mono">${worker.workerId}</td>
  <td class="num">${count(worker.running)}</td>
  <td class="num">${count(worker.complete)}</td>
  <td class="num">${count(worker.failed)}</td>
  <td class="num">${relative(worker.lastSeenAt, overview.now)}</td>
</tr>`,
)}
</tbody></table>`}
</section>`;
}

/** The part of the overview that refreshes itself: everything under the title. */
export function overviewLive(c: Context<DashboardEnv>, overview: Overview): Html {
  return html`${cards(c, overview)}
${throughput(overview)}
${queues(c, overview)}
<div class="grid">
${running(c, overview)}
${workers(overview)}
</div>`;
}

export function overviewPage(c: Context<DashboardEnv>, overview: Overview): Html {
  return layout(
    c,
    "Overview",
    html`<p class="muted">Refreshes every few seconds.<span id="refreshed" class="refreshed"></span></p>
<div id="live" data-source="${c.var.basePath}/overview/live">${overviewLive(c, overview)}</div>`,
    { live: true },
  );
}
