// The worker's check, once it has reached the database, that the task_results table is there with every column it
// uses. Without it a worker on a database whose migrations were not applied claimed in vain, logging the same error
// at each poll, and a --batch run never ended. The worker decides what follows (worker.ts: #awaitTaskTable).
import type { Dialect, SqlClient } from "../dialects/types.js";
import { TaskTableUnavailable } from "../errors.js";
import { classifyDatabaseError, withTimeout } from "./database-errors.js";
import { describeDatabase, reasonOf } from "./log.js";

/**
 * Rejects with TaskTableUnavailable when the table or one of its columns is missing or may not be read. An outage
 * (the server gone again since it answered, or a statement held up past `timeoutMs`, as by a migration's lock on the
 * table) is left to the claim loop, which waits for it to pass.
 */
export async function checkTaskTable(dialect: Dialect, client: SqlClient, database: string, timeoutMs: number): Promise<void> {
  try {
    await withTimeout(dialect.readWorkerColumns(client), timeoutMs, "reading task_results");
  } catch (error) {
    if (classifyDatabaseError(error) === "outage") return;
    throw new TaskTableUnavailable(describeDatabase(database), reasonOf(error), { cause: error });
  }
}
