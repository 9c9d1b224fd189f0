// The task columns as MySQL queries select them, and their rows into StoredTask.
import { TASK_COLUMNS, toStoredTask, type RawTask } from "../rows.js";
import type { StoredTask } from "../types.js";

// JSON columns are read as their text: MySQL's JSON type and MariaDB's (LONGTEXT) then come back alike, and a stored
// JSON string (a task returned "ok") is told apart from a document. The other JSON columns always hold an array or
// object, which rows.ts parses from text.
const JSON_COLUMNS = new Set<string>(["args", "args_meta", "return_value", "return_value_meta", "worker_ids", "errors"]);

/** The task columns of `table` (an alias, or task_results when absent). */
export function mysqlTaskColumns(table?: string): string {
  const column = (name: string) => (table ? `${table}.${name}` : name);
  return TASK_COLUMNS.map((name) => (JSON_COLUMNS.has(name) ? `CAST(${column(name)} AS CHAR) AS ${name}` : column(name))).join(", ");
}

export const MYSQL_TASK_COLUMNS = mysqlTaskColumns();

function parse(text: unknown): unknown {
  return typeof text === "string" ? JSON.parse(text) : text;
}

export function toStoredMysqlTask(row: RawTask): StoredTask {
  return toStoredTask({ ...row, args: parse(row.args), return_value: parse(row.return_value) });
}

/** A JSON array parameter as a table of one column `value`: MySQL's way to pass a list in one placeholder. */
export function jsonList(type = "VARCHAR(200)"): string {
  return `JSON_TABLE(?, '$[*]' COLUMNS (value ${type} PATH '$'))`;
}

/**
 * `id IN (?, ?, ...)` for `count` ids, for a statement that locks or changes rows by id: MariaDB runs a single-table
 * UPDATE or DELETE with an IN (subquery) as a scan of the whole table, and may run a SELECT ... FOR UPDATE so too on
 * a small table, locking each row it looks at; a list of ids it looks up in the primary key. `count` is at least 1.
 */
export function idsIn(count: number): string {
  return `id IN (${placeholders(count)})`;
}

/** `?, ?, ...`: `count` placeholders, for an IN list. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

/**
 * Orders rows by unique key (task name, then key; JavaScript's string order): the statements that lock keys' holders
 * take the keys in this one order, so two of them never wait on each other in a cycle.
 */
export function byUniqueKey<T>(keyOf: (row: T) => readonly [string, string]): (a: T, b: T) => number {
  return (a, b) => {
    const [aName, aKey] = keyOf(a);
    const [bName, bKey] = keyOf(b);
    if (aName !== bName) return aName < bName ? -1 : 1;
    return aKey < bKey ? -1 : aKey > bKey ? 1 : 0;
  };
}

/**
 * The text at `rest` of the last element of the JSON array in `column`, or NULL for an empty array. The path is
 * written out from the array's length (MariaDB 10.11 answers NULL for `$[last]` on every row but the first that a
 * statement reads), and only for an array with elements (MySQL 8 refuses the path `$[-1]`).
 */
export function lastElement(column: string, rest = ""): string {
  return `CASE WHEN JSON_LENGTH(${column}) > 0 THEN JSON_UNQUOTE(JSON_EXTRACT(${column}, CONCAT('$[', JSON_LENGTH(${column}) - 1, ']${rest}'))) END`;
}

/**
 * A JSON value of a batch's JSON_TABLE as SQL: NULL for a JSON null. (MariaDB gives a JSON null as the text 'null',
 * MySQL 8 as a JSON null, which equals no text.)
 */
export function jsonOrNull(value: string): string {
  return `CASE WHEN JSON_TYPE(${value}) = 'NULL' THEN NULL ELSE ${value} END`;
}
