// The public API of prisma-tasks: everything users import comes from here.
export {
  DuplicateTaskName,
  InvalidConfig,
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
  TaskNotRetryable,
  TaskTimeout,
  TasksError,
  TransactionClosed,
  UnknownBackend,
  UnknownTask,
  WorkerLost,
} from "./errors.js";
export { TaskResult, TaskStatus, errorFromException } from "./result.js";
export type { ResultSource, TaskError, TaskResultData } from "./result.js";
export { deserialize, serialize } from "./serialization.js";
export type { Stored } from "./serialization.js";
export { Task, TaskRegistry, defaultRetryDelay, task, validateEnqueueOptions } from "./task.js";
export type {
  AnyTask,
  ArgsOf,
  EnqueueOptions,
  ParsedArgsOf,
  RetryDelay,
  ReturnOf,
  TaskContext,
  TaskFunction,
  TaskOptions,
  TaskOptionsBase,
  TaskOverrides,
} from "./task.js";
export { withTasks } from "./extension.js";
export type { TasksConfig } from "./extension.js";
export { TasksClient } from "./tasks-client.js";
export type { BulkChange, BulkOptions, TaskFilter } from "./control.js";
export type { EnqueueArgs } from "./tasks-client.js";
export { DatabaseBackend, DummyBackend, ImmediateBackend } from "./backends/index.js";
export type { Backend, BackendCapabilities, BackendConfig, BackendKind, TaskHooks } from "./backends/index.js";
export { defineConfig } from "./config.js";
export type { TasksWorkerConfig } from "./config.js";
export { Worker } from "./worker/worker.js";
export type { WorkerSetup } from "./worker/worker.js";
export type { WorkerOptions } from "./worker/options.js";
export type { Log, LogEntry, LogFormat, LogLevel } from "./worker/log.js";
export { enqueued, runUntilIdle } from "./testing.js";
