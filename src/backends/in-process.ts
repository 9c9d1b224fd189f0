// Cancel and retry for backends whose tasks live in this process (dummy, immediate): the changes, applied at commit.
import { RETRYABLE } from "../control.js";
import { TaskCancelled, TaskNotRetryable } from "../errors.js";
import { TaskStatus, type TaskResultData } from "../result.js";
import { currentTransaction } from "../transaction.js";

/** A NEW task becomes CANCELLED with a TaskCancelled entry; any other is left as it is (it ran, or is running, here). */
export function cancelled(data: TaskResultData): TaskResultData {
  if (data.status !== TaskStatus.NEW) return data;
  const now = new Date();
  const entry = { exceptionClass: "TaskCancelled", message: new TaskCancelled(data.taskName, data.id).message, traceback: "" };
  return { ...data, status: TaskStatus.CANCELLED, finishedAt: now, cancelRequestedAt: now, errors: [...data.errors, entry] };
}

/** A FAILED or CANCELLED task back to NEW with room for one more attempt; TaskNotRetryable for any other status. */
export function retried(data: TaskResultData): TaskResultData {
  checkRetryable(data);
  return {
    ...data,
    status: TaskStatus.NEW,
    finishedAt: null,
    runAfter: new Date(),
    cancelRequestedAt: null,
    maxAttempts: Math.max(data.maxAttempts, data.attempts + 1),
  };
}

export function checkRetryable(data: TaskResultData): void {
  if (!RETRYABLE.includes(data.status)) throw new TaskNotRetryable(data.id, data.status, data.taskName);
}

/**
 * Runs `change` now, or once the caller's open transaction commits (never after a rollback), as enqueue does for
 * these backends; until then the caller gets `data`, the task as it stands.
 */
export async function atCommit(data: TaskResultData, change: () => Promise<TaskResultData>): Promise<TaskResultData> {
  const scope = currentTransaction();
  if (!scope?.open) return change();
  scope.afterCommit.push(change);
  return data;
}
