// How the pages write numbers, times, durations and statuses; every value passes through Hono's escaping html``.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** A piece of a page, escaped as it was built. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

const UNITS: [name: string, ms: number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
];

/** "850 ms", "12 s", "4 min 3 s", "2 h 5 min": the two largest units, which is as precise as a glance needs. */
export function duration(ms: number): string {
  const total = Math.abs(ms);
  if (total < 1000) return `${Math.round(total)} ms`;
  const parts: string[] = [];
  let rest = total;
  for (const [name, size] of UNITS) {
    if (rest < size && parts.length === 0) continue;
    parts.push(`${Math.floor(rest / size)} ${name}`);
    rest %= size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "12 s ago" or "in 5 min", from the moment the page was made. */
export function relative(date: Date, now: Date): string {
  const ms = date.getTime() - now.getTime();
  return ms >= 0 ? `in ${duration(ms)}` : `${duration(ms)} ago`;
}

/** UTC, to the second, with the exact instant in the tooltip. */
export function timestamp(date: Date | null): Html | string {
  if (date === null) return "—";
  const iso = date.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 19).replace("T", " ")}</time>`;
}

export function statusBadge(status: string): Html {
  return html`<span class="status status-${status.toLowerCase()}">${status}</span>`;
}
