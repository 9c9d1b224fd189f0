// The PostgreSQL dialect: SKIP LOCKED claims, JSON-batched writes, NOTIFY on enqueue.
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

export { CANCEL_CHANNEL } from "./cancel.js";
export { NOTIFY_CHANNEL } from "./insert.js";

export const postgresql: Dialect = {
  provider: "postgresql",
  notifies: true,
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
