// Delete one task on MySQL, unless a worker is running it.
import type { DeleteRefusal } from "../dashboard.js";
import type { SqlClient } from "../types.js";

const DELETE_TASK = `DELETE FROM task_results WHERE id = ? AND status <> 'RUNNING'`;
const EXISTS = `SELECT 1 FROM task_results WHERE id = ?`;

export async function deleteTask(client: SqlClient, id: string): Promise<DeleteRefusal | undefined> {
  if ((await client.$executeRawUnsafe(DELETE_TASK, id)) > 0) return undefined;
  const found = await client.$queryRawUnsafe<unknown[]>(EXISTS, id);
  return found.length > 0 ? "running" : "missing";
}
