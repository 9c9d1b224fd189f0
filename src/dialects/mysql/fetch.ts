// One task by id on MySQL, for getResult() and refresh().
import type { RawTask } from "../rows.js";
import type { SqlClient, StoredTask } from "../types.js";
import { MYSQL_TASK_COLUMNS, toStoredMysqlTask } from "./columns.js";

const FETCH_TASK = `SELECT ${MYSQL_TASK_COLUMNS} FROM task_results WHERE id = ?`;

export async function fetchTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  const [row] = await client.$queryRawUnsafe<RawTask[]>(FETCH_TASK, id);
  return row && toStoredMysqlTask(row);
}
