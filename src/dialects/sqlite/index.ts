// The SQLite dialect: claims under SQLite's write lock, JSON-batched writes, polling instead of NOTIFY.
import type { Dialect } from "../types.js";
import { cancelTask, cancelTasks } from "./cancel.js";
import { claimTasks } from "./claim.js";
import { fetchTask } from "./fetch.js";
import { insertTasks } from "./insert.js";
import { heartbeat, releaseTasks, rescueExpired } from "./leases.js";
import { recordOutcomes } from "./outcomes.js";
import { matchingTasks } from "./matching.js";
import { prune } from "./prune.js";
import { retryTask, retryTasks } from "./retry.js";

export const sqlite: Dialect = {
  provider: "sqlite",
  notifies: false,
  insertTasks,
  claimTasks,
  recordOutcomes,
  heartbeat,
  rescueExpired,
  releaseTasks,
  prune,
  fetchTask,
  cancelTask,
  cancelTasks,
  retryTask,
  retryTasks,
  matchingTasks,
};
