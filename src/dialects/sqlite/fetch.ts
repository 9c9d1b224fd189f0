// One task by id on SQLite, for getResult() and refresh().
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { SqlClient, StoredTask } from "../types.js";

const FETCH_TASK = `SELECT ${TASK_COLUMNS.join(", ")} FROM task_results WHERE id = ?`;

export async function fetchTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const [row] = await client.$queryRawUnsafe<RawTask[]>(FETCH_TASK, id);
  return row && toStoredTask(row);
}
