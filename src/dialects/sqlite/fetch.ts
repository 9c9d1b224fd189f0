// One task by id on SQLite, for getResult() and refresh().
import type { RawTask } from "../rows.js";
import type { SqlClient, StoredTask } from "../types.js";
import { SQLITE_TASK_COLUMNS, toStoredSqliteTask } from "./columns.js";

const FETCH_TASK = `SELECT ${SQLITE_TASK_COLUMNS} FROM task_results WHERE id = ?`;

export async function fetchTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const [row] = await client.$queryRawUnsafe<RawTask[]>(FETCH_TASK, id);
  return row && toStoredSqliteTask(row);
}
