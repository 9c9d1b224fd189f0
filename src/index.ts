// The public API of prisma-tasks: everything users import comes from here.
export {
  DuplicateTaskName,
  InvalidTask,
  InvalidTaskArguments,
  NestedTransaction,
  QueueNotServed,
  SerializationError,
  TaskResultDoesNotExist,
  TaskResultNotReady,
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
