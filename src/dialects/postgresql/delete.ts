// Delete one task on PostgreSQL, unless a worker is running it.
import { isTaskId, type DeleteRefusal } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { perTable } from "./names.js";

// The status test is part of the DELETE: a claim that commits first makes PostgreSQL re-check it on the claimed row.
const DELETE_TASK = perTable((table) => `DELETE FROM ${table} WHERE id = $1::uuid AND status <> 'RUNNING' RETURNING id`);
const EXISTS = perTable((table) => `SELECT 1 FROM ${table} WHERE id = $1::uuid`);

export async function deleteTask(table: string, client: SqlClient, id: string): Promise<DeleteRefusal | undefined> {
  if (!isTaskId(id)) return "missing";
  const deleted = await client.$queryRawUnsafe<unknown[]>(DELETE_TASK(table), id);
  if (deleted.length > 0) return undefined;
  const found = await client.$queryRawUnsafe<unknown[]>(EXISTS(table), id);
  return found.length > 0 ? "running" : "missing";
}
