// What the dashboard can do to tasks: cancel, retry and delete one, retry the failed tasks a list filter selects.
import type { TaskListFilter, TaskDetail, DeleteRefusal } from "../dialects/dashboard.js";
import { UniqueKeyHeld } from "../errors.js";
import type { TaskResult } from "../result.js";
import type { DashboardSource } from "./context.js";

export type TaskAction = "cancel" | "retry" | "delete";

export const TASK_ACTIONS: readonly TaskAction[] = ["cancel", "retry", "delete"];

/** The actions that can change this task now. */
export function availableActions(task: Pick<TaskDetail, "status" | "cancelRequestedAt">): TaskAction[] {
  const { status } = task;
  const actions: TaskAction[] = [];
  if ((status === "NEW" || status === "RUNNING") && task.cancelRequestedAt === null) actions.push("cancel");
  if (status === "FAILED" || status === "CANCELLED") actions.push("retry");
  if (status !== "RUNNING") actions.push("delete");
  return actions;
}

export type ActionOutcome =
  | { action: "cancel" | "retry"; result: TaskResult }
  /** A retry refused: another task holds the task's unique key. */
  | { action: "retry"; keyHeld: UniqueKeyHeld }
  | { action: "delete"; refused: DeleteRefusal | undefined };

export async function runAction(source: DashboardSource, action: TaskAction, id: string): Promise<ActionOutcome> {
  if (action === "cancel") return { action, result: await source.tasks.cancel(id) };
  if (action === "retry") {
    try {
      return { action, result: await source.tasks.retry(id) };
    } catch (error) {
      if (error instanceof UniqueKeyHeld) return { action, keyHeld: error };
      throw error;
    }
  }
  return { action, refused: await source.queries.deleteTask(source.sql, id) };
}

/** Failed tasks a bulk retry takes by id at most, when the filter is one retryMany cannot express itself. */
export const BULK_ID_LIMIT = 10_000;
const ID_PAGE = 1000;
const ID_SCAN = 50_000;

export interface BulkRetryPlan {
  /** What retryMany is given. */
  filter: { status: "FAILED"; taskName?: string; queueName?: string; ids?: string[] };
  /** False when the filter matched more failed tasks than BULK_ID_LIMIT and only the newest are included. */
  whole: boolean;
}

/**
 * The retryMany filter for the failed tasks a list filter selects. Task name and queue pass through; an enqueue-time
 * range or an id prefix (which retryMany does not take) becomes the ids of the matching failed tasks, read through
 * the failed index.
 */
export async function planBulkRetry(source: DashboardSource, list: TaskListFilter): Promise<BulkRetryPlan> {
  const filter: BulkRetryPlan["filter"] = { status: "FAILED" };
  if (list.taskName !== undefined) filter.taskName = list.taskName;
  if (list.queueName !== undefined) filter.queueName = list.queueName;
  if (!list.enqueuedFrom && !list.enqueuedBefore && list.idPrefix === undefined) return { filter, whole: true };
  const ids: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await source.queries.listTasks(source.sql, { ...list, status: "FAILED", before, limit: ID_PAGE, scanLimit: ID_SCAN });
    ids.push(...page.tasks.map((task) => task.id));
    if (page.next === undefined) return { filter: { ...filter, ids }, whole: true };
    if (ids.length >= BULK_ID_LIMIT) return { filter: { ...filter, ids: ids.slice(0, BULK_ID_LIMIT) }, whole: false };
    before = page.next;
  }
}

/** Retries (or, dry, counts) the planned tasks; returns how many. */
export async function bulkRetry(source: DashboardSource, plan: BulkRetryPlan, dryRun: boolean): Promise<number> {
  if (plan.filter.ids?.length === 0) return 0;
  const change = await source.tasks.retryMany(plan.filter, { dryRun });
  return change.count;
}
