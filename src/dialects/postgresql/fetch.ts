// One task by id on PostgreSQL, for getResult() and refresh().
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { SqlClient, StoredTask } from "../types.js";

const FETCH_TASK = `SELECT ${TASK_COLUMNS.join(", ")} FROM task_results WHERE id = $1::uuid`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can name a task: ids are UUIDs, and anything else would make a statement fail on its cast. */
export function isTaskId(id: string): boolean {
  return UUID.test(id);
}

export async function fetchTask(client: SqlClient, id: string): Promise<StoredTask | undefined> {
  if (!isTaskId(id)) return undefined;
  const [row] = await client.$queryRawUnsafe<RawTask[]>(FETCH_TASK, id);
  return row && toStoredTask(row);
}
