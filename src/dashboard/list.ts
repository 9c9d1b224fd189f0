// The task list's query string: read and checked once, written back into the links of the next page and the actions.
import { idDigits, isTaskId, type TaskListFilter } from "../dialects/dashboard.js";
import type { TaskStatus } from "../result.js";
import { STATUSES } from "./overview.js";

export const PAGE_SIZE = 50;
/** Rows one page examines at most (see the dialects' list queries). */
export const SCAN_LIMIT = 20_000;

/** The list's filter as given in the URL, the filter it means, and what was wrong with it. */
export interface ListQuery {
  /** The fields as typed, for the form and for links. */
  fields: Record<"status" | "queue" | "task" | "from" | "to" | "id", string>;
  filter: TaskListFilter;
  before: string | undefined;
  problems: string[];
}

/**
 * A time as the form's datetime-local input writes it (read as UTC, which the form says), or as full ISO-8601 text.
 */
function parseTime(text: string): Date | undefined {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`;
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function parseListQuery(url: URL): ListQuery {
  const value = (name: string) => (url.searchParams.get(name) ?? "").trim();
  const fields = { status: value("status"), queue: value("queue"), task: value("task"), from: value("from"), to: value("to"), id: value("id") };
  const filter: TaskListFilter = {};
  const problems: string[] = [];
  if (fields.status) {
    if ((STATUSES as readonly string[]).includes(fields.status)) filter.status = fields.status as TaskStatus;
    else problems.push(`Status "${fields.status}" is not one of ${STATUSES.join(", ")}.`);
  }
  if (fields.queue) filter.queueName = fields.queue;
  if (fields.task) filter.taskName = fields.task;
  for (const [field, key] of [["from", "enqueuedFrom"], ["to", "enqueuedBefore"]] as const) {
    if (!fields[field]) continue;
    const date = parseTime(fields[field]);
    if (date) filter[key] = date;
    else problems.push(`"${fields[field]}" is not a time; use the form's picker or ISO-8601 (2026-12-01T09:30).`);
  }
  if (fields.id) {
    if (idDigits(fields.id)) filter.idPrefix = fields.id;
    else problems.push(`"${fields.id}" is not a task id or the start of one (at least 4 hex digits).`);
  }
  const before = value("before");
  return { fields, filter, before: isTaskId(before) ? before : undefined, problems };
}

/** The query string of this filter (without the page cursor), plus `extra`. */
export function listSearch(query: ListQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, text] of Object.entries({ ...query.fields, ...extra })) if (text) params.set(name, text);
  const search = params.toString();
  return search ? `?${search}` : "";
}
