// The task columns as SQLite queries select them, and their rows into StoredTask.
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { StoredTask } from "../types.js";

// A JSONB column has NUMERIC affinity in SQLite, so a stored JSON number (args 21, a return value 42) is kept as an
// INTEGER or REAL, which the adapter refuses to return for a Json column. json() gives every value back as JSON text.
const SCALAR_JSON = new Set<string>(["args", "return_value"]);

export const SQLITE_TASK_COLUMNS = TASK_COLUMNS.map((column) => (SCALAR_JSON.has(column) ? `json(${column}) AS ${column}` : column)).join(", ");

function parse(text: unknown): unknown {
  return typeof text === "string" ? JSON.parse(text) : text;
}

export function toStoredSqliteTask(row: RawTask): StoredTask {
  return toStoredTask({ ...row, args: parse(row.args), return_value: parse(row.return_value) });
}
