// The schedules page: each schedule of the client's withTasks, with the last slot stored for it and its next slots.
import type { Context } from "hono";
import { html } from "hono/html";
import type { ScheduleStatus } from "../../schedules.js";
import type { DashboardEnv } from "../context.js";
import { duration, relative, timestamp, type Html } from "./format.js";
import { layout } from "./layout.js";

function slot(date: Date, now: Date): Html {
  return html`<span class="nowrap">${timestamp(date)}</span> <span class="muted">(${relative(date, now)})</span>`;
}

export function schedulesPage(c: Context<DashboardEnv>, schedules: readonly ScheduleStatus[], now: Date): Html {
  const base = c.var.basePath;
  const body = schedules.length === 0
    ? html`<p class="empty">No schedules: <code>withTasks({ tasks, schedules: [{ task, cron }] })</code> configures them.</p>`
    : html`<table class="schedules">
<thead><tr><th>Key</th><th>Task</th><th>Cron</th><th>Time zone</th><th>Backfill</th><th>Last slot</th><th>Next slots</th></tr></thead>
<tbody>
${schedules.map(
  (schedule) => html`<tr data-key="${schedule.key}">
  <td>${schedule.key}</td>
  <td><a href="${base}/tasks?task=${encodeURIComponent(schedule.taskName)}">${schedule.taskName}</a></td>
  <td class="mono nowrap">${schedule.cron}</td>
  <td>${schedule.tz}</td>
  <td>${schedule.backfill === undefined ? "none" : duration(schedule.backfill)}</td>
  <td data-last="${schedule.lastSlot?.toISOString() ?? ""}">${schedule.lastSlot ? slot(schedule.lastSlot, now) : html`<span class="muted">none yet</span>`}</td>
  <td>${schedule.nextSlots.map((next) => html`<div data-next="${next.toISOString()}">${slot(next, now)}</div>`)}</td>
</tr>`,
)}
</tbody></table>`;
  return layout(
    c,
    "Schedules",
    html`<section class="panel">
<p class="muted">The schedules of this app's <code>withTasks</code>, as every worker runs them (unless started with <code>--no-schedules</code>). The last slot is the newest one stored, by any worker.</p>
${body}
</section>`,
  );
}
