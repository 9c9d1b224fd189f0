// The MySQL dialect (MySQL 8.0.21, MariaDB 10.8 and later, for the ready index's descending column): SKIP LOCKED
// claims in short transactions, JSON-batched writes unpacked by JSON_TABLE, polling instead of NOTIFY. Statements go
// through the Prisma client (@prisma/adapter-mariadb), whose pool they share with the app: the adapter keeps its
// settings private, so prisma-tasks opens no pool of its own.
import { readWorkerColumns } from "../rows.js";
import type { Dialect } from "../types.js";
import { cancelTask, cancelTasks } from "./cancel.js";
import { claimTasks } from "./claim.js";
import { fetchTask } from "./fetch.js";
import { insertTasks, insertUniqueTasks } from "./insert.js";
import { findKeyHolders, replaceHeldTasks } from "./key-holders.js";
import { heartbeat, releaseTasks, rescueExpired } from "./leases.js";
import { matchingTasks } from "./matching.js";
import { recordOutcomes } from "./outcomes.js";
import { countPrunable, pruneBatch } from "./prune.js";
import { countReadyTasks } from "./ready-counts.js";
import { retryTask, retryTasks } from "./retry.js";
import { insertScheduledTasks, lastScheduledSlots } from "./schedule-slots.js";
import { prepareWorker } from "./server.js";
import { countUnknownTasks } from "./unknown-tasks.js";

const mysql: Dialect = {
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
  // Where the adapter connects cannot be read from the client: the worker's log says it once connected (prepareWorker).
  describeConnection: () => "mysql",
  // No pooler in transaction mode stands between: the worker uses the app's client as it is.
  connectedTo: () => mysql,
  needsDirectUrl: false,
};

/** The dialect for a Prisma client on MySQL or MariaDB: the same for every client (the table is in its database). */
export function mysqlDialect(): Dialect {
  return mysql;
}
