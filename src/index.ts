// The public API of prisma-tasks: everything users import comes from here (test helpers: prisma-tasks/testing).
export {
  CorruptStoredValue,
  DatabaseUnreachable,
  DuplicateTaskName,
  GetResultNotSupported,
  InvalidConfig,
  InvalidSchedule,
  InvalidTask,
  InvalidTaskArguments,
  InvalidTaskFilter,
  NestedTransaction,
  QueueNotServed,
  SerializationError,
  TaskAborted,
  TaskCancelled,
  TaskResultDoesNotExist,
  TaskResultNotReady,
  TaskTableUnavailable,
  TaskNotRetryable,
  TaskTimeout,
  TasksError,
  TransactionClosed,
  UniqueKeyHeld,
  UnknownBackend,
  UnknownTask,
  WorkerLost,
} from "./errors.js";
export { TaskStatus } from "./result.js";
export type { EnqueueOutcome, TaskError, TaskResult } from "./result.js";
export { defaultRetryDelay, task } from "./task.js";
export type {
  AnyTask,
  ArgsOf,
  EnqueueOptions,
  ParsedArgsOf,
  RetryDelay,
  ReturnOf,
  Task,
  TaskContext,
  TaskFunction,
  TaskOptions,
  TaskOptionsBase,
  TaskOverrides,
  UniqueConflict,
  UniqueOptions,
  UniqueWhile,
} from "./task.js";
export { withTasks } from "./extension.js";
export type { TasksConfig } from "./extension.js";
export { schedule } from "./schedules.js";
export type { ScheduleConfig } from "./schedules.js";
export type { EnqueueArgs, TasksClient } from "./tasks-client.js";
export type { BulkChange, BulkOptions, TaskFilter } from "./control.js";
export type { Backend, BackendCapabilities, BackendConfig, BackendKind, DummyBackend, TaskHooks } from "./backends/index.js";
export { defineConfig } from "./config.js";
export type { TasksWorkerConfig } from "./config.js";
export { Worker } from "./worker/worker.js";
export type { WorkerSetup } from "./worker/worker.js";
export type { WorkerOptions } from "./worker/options.js";
export type { Log, LogEntry, LogFormat, LogLevel } from "./worker/log.js";
