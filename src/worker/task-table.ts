// The worker's check, once it has reached the database, that the task_results table is there with every column it
// uses. Without it a worker on a database whose migrations were not applied claimed in vain forever, logging the same
// error at each poll, and a --batch run never ended.
import { TASK_COLUMNS } from "../dialects/rows.js";
import type { SqlClient } from "../dialects/types.js";
import { TaskTableUnavailable } from "../errors.js";
import { classifyDatabaseError } from "./database-errors.js";
import { describeDatabase, reasonOf } from "./log.js";

/** Every column a worker reads or writes: those it reads tasks by, and the lease and unique-key bookkeeping. */
const COLUMNS = [...TASK_COLUMNS, "heartbeat_at", "lease_expires_at", "unique_while", "unique_held"];

// Names only: the same text on PostgreSQL, SQLite and MySQL, and no row is read.
const CHECK = `SELECT ${COLUMNS.join(", ")} FROM task_results WHERE 1 = 0`;

/**
 * Rejects with TaskTableUnavailable when the table or one of its columns is missing or may not be read. An outage
 * (the server gone again since it answered) is left to the claim loop, which waits for it to pass.
 */
export async function checkTaskTable(client: SqlClient, database: string): Promise<void> {
  try {
    await client.$queryRawUnsafe(CHECK);
  } catch (error) {
    if (classifyDatabaseError(error) === "outage") return;
    throw new TaskTableUnavailable(describeDatabase(database), reasonOf(error), { cause: error });
  }
}
