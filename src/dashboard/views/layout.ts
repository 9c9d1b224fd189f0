// The frame of every page: head with the dashboard's own assets, navigation, and the read-only mark.
import type { Context } from "hono";
import { html } from "hono/html";
import { assetPath } from "../assets.js";
import type { DashboardEnv } from "../context.js";
import type { Html } from "./format.js";

export interface PageOptions {
  /** The page draws the throughput chart and refreshes itself. */
  live?: boolean;
}

export function layout(c: Context<DashboardEnv>, title: string, body: Html, options: PageOptions = {}): Html {
  const base = c.var.basePath;
  const current = (path: string) => (c.req.path === `${base}${path}` ? "page" : undefined);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · prisma-tasks</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetPath(base, "dashboard.css")}">
${options.live
  ? html`<link rel="stylesheet" href="${assetPath(base, "uPlot.min.css")}">
<script src="${assetPath(base, "uPlot.iife.min.js")}" defer></script>
<script src="${assetPath(base, "dashboard.js")}" defer></script>`
  : ""}
</head>
<body>
<header class="top">
  <a class="brand" href="${base}/">prisma-tasks</a>
  <nav>
    <a href="${base}/" aria-current="${current("/")}">Overview</a>
    <a href="${base}/tasks" aria-current="${current("/tasks")}">Tasks</a>
    <a href="${base}/schedules" aria-current="${current("/schedules")}">Schedules</a>
  </nav>
  ${c.var.readOnly ? html`<span class="mode" title="Actions are hidden and refused">read-only</span>` : ""}
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}
