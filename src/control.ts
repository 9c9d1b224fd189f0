// Cancel and retry in bulk: the filter that selects tasks, checked once at the edge, and the batches that act on them.
import { InvalidTaskFilter } from "./errors.js";
import { TaskStatus, type TaskResultData } from "./result.js";

/** Which tasks `cancelMany` and `retryMany` act on: every field given must match. */
export interface TaskFilter {
  /** cancelMany: NEW or RUNNING; retryMany: FAILED or CANCELLED. */
  status: TaskStatus;
  taskName?: string;
  queueName?: string;
  /** Only tasks that reached their status at or after this time (see `sinceField`). */
  since?: Date;
  /** Only these tasks. */
  ids?: readonly string[];
}

/** What a bulk cancel or retry changed (or, dry, would change). */
export interface BulkChange {
  count: number;
  ids: string[];
}

export interface BulkOptions {
  /** Report what would change and change nothing. */
  dryRun?: boolean;
}

/** Rows one bulk statement changes at most: a large backlog is worked through in short statements, not one long lock. */
export const BULK_BATCH = 1000;

export const CANCELLABLE: readonly TaskStatus[] = [TaskStatus.NEW, TaskStatus.RUNNING];
export const RETRYABLE: readonly TaskStatus[] = [TaskStatus.FAILED, TaskStatus.CANCELLED];

/**
 * The time `since` is compared with: when the task entered its status. NEW: enqueued; RUNNING: its attempt started;
 * FAILED, CANCELLED (and COMPLETE): finished.
 */
export function sinceField(status: TaskStatus): "enqueuedAt" | "lastAttemptedAt" | "finishedAt" {
  if (status === TaskStatus.NEW) return "enqueuedAt";
  if (status === TaskStatus.RUNNING) return "lastAttemptedAt";
  return "finishedAt";
}

/** Checks a filter given to cancelMany or retryMany (`action`), whose status must be one of `statuses`. */
export function checkFilter(filter: unknown, action: string, statuses: readonly TaskStatus[]): TaskFilter {
  const rule = (field: string, value: unknown, text: string) => new InvalidTaskFilter(action, field, value, text);
  if (typeof filter !== "object" || filter === null) {
    throw rule("filter", filter, `must be an object such as { status: "${statuses[0]}", taskName: "..." }`);
  }
  const { status, taskName, queueName, since, ids } = filter as Record<string, unknown>;
  if (!statuses.includes(status as TaskStatus)) throw rule("status", status, `must be ${statuses.join(" or ")}`);
  for (const [field, value] of [["taskName", taskName], ["queueName", queueName]] as const) {
    if (value !== undefined && (typeof value !== "string" || value === "")) throw rule(field, value, "must be a non-empty string when given");
  }
  if (since !== undefined && !(since instanceof Date && !Number.isNaN(since.getTime()))) throw rule("since", since, "must be a valid Date when given");
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === "string"))) {
    throw rule("ids", ids, "must be an array of task ids when given");
  }
  return filter as TaskFilter;
}

/** Whether a result in memory matches a filter, as the dialects' SQL decides it for rows. */
export function matchesFilter(data: TaskResultData, filter: TaskFilter): boolean {
  const reached = data[sinceField(filter.status)];
  return (
    data.status === filter.status &&
    (filter.status !== TaskStatus.RUNNING || data.cancelRequestedAt === null) &&
    (filter.taskName === undefined || data.taskName === filter.taskName) &&
    (filter.queueName === undefined || data.queueName === filter.queueName) &&
    (filter.since === undefined || (reached !== null && reached.getTime() >= filter.since.getTime())) &&
    (filter.ids === undefined || filter.ids.includes(data.id))
  );
}
