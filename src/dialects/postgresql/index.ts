// The PostgreSQL dialect: SKIP LOCKED claims, JSON-batched writes, NOTIFY on enqueue heard through LISTEN, a pool of
// its own on the adapter's settings (or a worker's direct URL); task_results in the schema the client's adapter names.
import { readWorkerColumns } from "../rows.js";
import type { Dialect, DialectOptions } from "../types.js";
import { cancelTask, cancelTasks } from "./cancel.js";
import { claimTasks } from "./claim.js";
import { adapterSettingsOf, appConnection, describeConnection, directConnection, type OwnConnection } from "./connection.js";
import { fetchTask } from "./fetch.js";
import { insertTasks, insertUniqueTasks } from "./insert.js";
import { findKeyHolders, replaceHeldTasks } from "./key-holders.js";
import { heartbeat, releaseTasks, rescueExpired } from "./leases.js";
import { listen } from "./listen.js";
import { matchingTasks } from "./matching.js";
import { cancelChannel, notifyChannel, taskTable } from "./names.js";
import { recordOutcomes } from "./outcomes.js";
import { PgSqlClient } from "./pool.js";
import { countReadyTasks } from "./ready-counts.js";
import { countPrunable, pruneBatch } from "./prune.js";
import { retryTask, retryTasks } from "./retry.js";
import { insertScheduledTasks, lastScheduledSlots } from "./schedule-slots.js";
import { countUnknownTasks } from "./unknown-tasks.js";

export { CANCEL_CHANNEL, NOTIFY_CHANNEL } from "./names.js";

/** The dialect for a Prisma client on PostgreSQL (prisma: the client withTasks extends). */
export function postgresqlDialect(prisma: unknown, options: DialectOptions = {}): Dialect {
  const { connection, schema } = adapterSettingsOf(prisma);
  return dialectOn(appConnection(connection, options.transactionPooler), schema);
}

/** The statements on task_results in `schema`, and prisma-tasks' own connections made on `connection`. */
function dialectOn(connection: OwnConnection, schema: string): Dialect {
  const table = taskTable(schema);
  const channel = notifyChannel(schema);
  const cancels = cancelChannel(schema);
  const where = describeConnection(connection.settings) + (schema === "public" ? "" : `?schema=${schema}`);
  return {
    insertTasks: (client, tasks) => insertTasks(table, channel, client, tasks),
    insertUniqueTasks: (client, tasks) => insertUniqueTasks(table, channel, client, tasks),
    replaceHeldTasks: (client, tasks) => replaceHeldTasks(table, channel, client, tasks),
    findKeyHolders: (client, keys) => findKeyHolders(table, client, keys),
    insertScheduledTasks: (client, tasks) => insertScheduledTasks(table, channel, client, tasks),
    lastScheduledSlots: (client, keys) => lastScheduledSlots(table, client, keys),
    claimTasks: (client, request) => claimTasks(table, client, request),
    recordOutcomes: (client, workerId, outcomes) => recordOutcomes(table, client, workerId, outcomes),
    heartbeat: (client, workerId, ids, leaseMs) => heartbeat(table, client, workerId, ids, leaseMs),
    rescueExpired: (client, limit) => rescueExpired(table, client, limit),
    releaseTasks: (client, workerId, ids) => releaseTasks(table, client, workerId, ids),
    countUnknownTasks: (client, request) => countUnknownTasks(table, client, request),
    countReadyTasks: (client, request) => countReadyTasks(table, client, request),
    pruneBatch: (client, request, limit) => pruneBatch(table, client, request, limit),
    countPrunable: (client, request) => countPrunable(table, client, request),
    fetchTask: (client, id) => fetchTask(table, client, id),
    cancelTask: (client, id) => cancelTask(table, cancels, client, id),
    cancelTasks: (client, filter, limit) => cancelTasks(table, cancels, client, filter, limit),
    retryTask: (client, id) => retryTask(table, channel, client, id),
    retryTasks: (client, filter, limit) => retryTasks(table, channel, client, filter, limit),
    matchingTasks: (client, filter, after, limit) => matchingTasks(table, client, filter, after, limit),
    // Statements outside the app's transactions (enqueue's only statement, a worker's claims and outcomes) skip
    // Prisma's per-query overhead through a small pool on the adapter's own settings.
    openPool: (size) => connection.settings && new PgSqlClient(connection.settings, size, !connection.transactionPooler),
    listen: (notifications, log) => listen(connection, { channel, cancelChannel: cancels }, notifications, log),
    prepareWorker: async () => {},
    readWorkerColumns: (client) => readWorkerColumns(client, table),
    describeConnection: () => where,
    // The same table and channels (the app's schema), reached without the app's pooler.
    connectedTo: (url) => dialectOn(directConnection(url), schema),
    needsDirectUrl: connection.transactionPooler || connection.settings === undefined,
  };
}
