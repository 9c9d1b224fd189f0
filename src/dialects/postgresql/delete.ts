// Delete one task on PostgreSQL, unless a worker is running it.
import { isTaskId, type DeleteRefusal } from "../dashboard.js";
import type { SqlClient } from "../types.js";

// The status test is part of the DELETE: a claim that commits first makes PostgreSQL re-check it on the claimed row.
const DELETE_TASK = `DELETE FROM task_results WHERE id = $1::uuid AND status <> 'RUNNING' RETURNING id`;
const EXISTS = `SELECT 1 FROM task_results WHERE id = $1::uuid`;

export async function deleteTask(client: SqlClient, id: string): Promise<DeleteRefusal | undefined> {
  if (!isTaskId(id)) return "missing";
  const deleted = await client.$queryRawUnsafe<unknown[]>(DELETE_TASK, id);
  if (deleted.length > 0) return undefined;
  const found = await client.$queryRawUnsafe<unknown[]>(EXISTS, id);
  return found.length > 0 ? "running" : "missing";
}
