// The SQLite dialect: claims under SQLite's write lock, JSON-batched writes, polling instead of NOTIFY, WAL for workers.
import { readWorkerColumns } from "../rows.js";
import type { Dialect } from "../types.js";
import { cancelTask, cancelTasks } from "./cancel.js";
import { claimTasks } from "./claim.js";
import { fetchTask } from "./fetch.js";
import { insertTasks, insertUniqueTasks } from "./insert.js";
import { findKeyHolders, replaceHeldTasks } from "./key-holders.js";
import { prepareWorker } from "./journal.js";
import { heartbeat, releaseTasks, rescueExpired } from "./leases.js";
import { recordOutcomes } from "./outcomes.js";
import { matchingTasks } from "./matching.js";
import { countPrunable, pruneBatch } from "./prune.js";
import { countReadyTasks } from "./ready-counts.js";
import { retryTask, retryTasks } from "./retry.js";
import { insertScheduledTasks, lastScheduledSlots } from "./schedule-slots.js";
import { countUnknownTasks } from "./unknown-tasks.js";

/** Statements go through the Prisma client, whose one connection serializes them as SQLite does. */
const sqlite: Dialect = {
  insertTasks,
  insertUniqueTasks,
  replaceHeldTasks,
  findKeyHolders,
  insertScheduledTasks,
  lastScheduledSlots,
  claimTasks,
  recordOutcomes,
  heartbeat,
  rescueExpired,
  releaseTasks,
  countUnknownTasks,
  countReadyTasks,
  pruneBatch,
  countPrunable,
  fetchTask,
  cancelTask,
  cancelTasks,
  retryTask,
  retryTasks,
  matchingTasks,
  openPool: () => undefined,
  listen: () => undefined,
  prepareWorker,
  readWorkerColumns: (client) => readWorkerColumns(client, "task_results"),
  describeConnection: () => "sqlite",
  connectedTo: () => sqlite,
  needsDirectUrl: false,
};

/** The dialect for a Prisma client on SQLite: the same for every client, as SQLite has no schemas to tell apart. */
export function sqliteDialect(): Dialect {
  return sqlite;
}
