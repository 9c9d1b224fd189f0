// Rows and enqueued tasks into TaskResult data: args and return values deserialized.
import type { Outcome, StoredTask } from "../dialects/types.js";
import { CorruptStoredValue } from "../errors.js";
import { TaskStatus, type TaskResultData } from "../result.js";
import { deserialize, deserializeText, type Stored } from "../serialization.js";
import type { PreparedTask } from "./types.js";

/** A row's value, read back; a meta column superjson cannot apply (edited by hand, say) is CorruptStoredValue. */
function readStored(stored: StoredTask, value: Stored, column: CorruptStoredValue["column"]): unknown {
  try {
    return deserialize(value);
  } catch (error) {
    throw new CorruptStoredValue({ taskId: stored.id, taskName: stored.taskName, column }, error);
  }
}

/** The row's args as enqueue was given them (before the schema's parsing). */
export function readArgs(stored: StoredTask): unknown {
  return readStored(stored, stored.args, "args_meta");
}

export function resultData(stored: StoredTask): TaskResultData {
  return {
    id: stored.id,
    status: stored.status,
    taskName: stored.taskName,
    args: readArgs(stored),
    queueName: stored.queueName,
    priority: stored.priority,
    backend: stored.backend,
    runAfter: stored.runAfter,
    enqueuedAt: stored.enqueuedAt,
    startedAt: stored.startedAt,
    finishedAt: stored.finishedAt,
    lastAttemptedAt: stored.lastAttemptedAt,
    attempts: stored.attempts,
    maxAttempts: stored.maxAttempts,
    workerIds: stored.workerIds,
    returnValue: stored.returnValue === null ? undefined : readStored(stored, stored.returnValue, "return_value_meta"),
    errors: stored.errors,
    cancelRequestedAt: stored.cancelRequestedAt,
    uniqueKey: stored.uniqueKey,
    scheduleKey: stored.scheduleKey,
    scheduledAt: stored.scheduledAt,
  };
}

/** A just-enqueued task as a result: NEW, never attempted. */
export function enqueuedData(prepared: PreparedTask): TaskResultData {
  return {
    id: prepared.id,
    status: TaskStatus.NEW,
    taskName: prepared.taskName,
    args: prepared.argsValue,
    queueName: prepared.queueName,
    priority: prepared.priority,
    backend: prepared.backend,
    runAfter: prepared.runAfter,
    enqueuedAt: prepared.enqueuedAt,
    startedAt: null,
    finishedAt: null,
    lastAttemptedAt: null,
    attempts: 0,
    maxAttempts: prepared.maxAttempts,
    workerIds: [],
    returnValue: undefined,
    errors: [],
    cancelRequestedAt: null,
    uniqueKey: prepared.uniqueKey,
    scheduleKey: null,
    scheduledAt: null,
  };
}

/** A result's data once an attempt's outcome is applied, without reading the row back. */
export function withOutcome(data: TaskResultData, outcome: Outcome): TaskResultData {
  switch (outcome.status) {
    case "COMPLETE":
      return { ...data, status: TaskStatus.COMPLETE, finishedAt: outcome.finishedAt, returnValue: deserializeText(outcome.returnValue) };
    case "FAILED":
      return { ...data, status: TaskStatus.FAILED, finishedAt: outcome.finishedAt, errors: [...data.errors, outcome.error] };
    case "NEW":
      return { ...data, status: TaskStatus.NEW, runAfter: outcome.runAfter, errors: [...data.errors, outcome.error] };
    case "CANCELLED":
      return { ...data, status: TaskStatus.CANCELLED, finishedAt: outcome.finishedAt, errors: [...data.errors, outcome.error] };
  }
}
