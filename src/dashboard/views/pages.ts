// Short pages: the token form, a refusal, a page that does not exist.
import type { Context } from "hono";
import { html } from "hono/html";
import type { DashboardEnv } from "../context.js";
import type { Html } from "./format.js";
import { layout } from "./layout.js";

export function loginPage(c: Context<DashboardEnv>, problem?: string): Html {
  return layout(
    c,
    "Token needed",
    html`${problem ? html`<p class="notice notice-error">${problem}</p>` : ""}
<p>This dashboard asks for the token it was started with (<code>--token</code> or <code>TASKS_DASHBOARD_TOKEN</code>).
Scripts and Prometheus send it as <code>Authorization: Bearer TOKEN</code>.</p>
<form method="post" action="${c.var.basePath}/login" class="login">
  <label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
  <button type="submit">Open the dashboard</button>
</form>`,
  );
}

export function refusedPage(c: Context<DashboardEnv>, reason: string): Html {
  return layout(c, "Not allowed", html`<p class="notice notice-error">${reason}</p>`);
}

export function notFoundPage(c: Context<DashboardEnv>, what: string): Html {
  return layout(c, "Not found", html`<p class="notice notice-error">${what}</p><p><a href="${c.var.basePath}/tasks">All tasks</a></p>`);
}
