// The tasks that hold unique keys on MySQL: found, or given a later enqueue's args, priority and runAfter.
import { insertPayload, type RawTask } from "../rows.js";
import type { NewTask, SqlClient, StoredTask, UniqueKey } from "../types.js";
import { MYSQL_TASK_COLUMNS, byUniqueKey, jsonOrNull, mysqlTaskColumns, toStoredMysqlTask } from "./columns.js";
import { taskRows } from "./insert.js";
import { mysqlTime } from "./time.js";
import { inTransaction } from "./transaction.js";

const KEY_COLUMNS = ", unique_key VARCHAR(200) PATH '$.unique_key'";

// Only a NEW holder is replaced: a RUNNING one (unique.while "unfinished") has started with its args; a replaced one
// takes the later enqueue's trace context too. unique_held is TRUE only on a row that holds its key (see the schema).
// The statements that lock or change rows go from the keys to their holders by the whole unique index (STRAIGHT_JOIN,
// FORCE INDEX, unique_held in the join): left to itself, MariaDB scanned a small table whole and locked each row while
// it looked at it, so a claim running then skipped ready tasks of other keys; and a key's finished tasks (unique_held
// NULL) are not its holder's to lock. The keys go in sorted, so two enqueues lock the holders they share in one order.
const KEYED_ROWS = `${taskRows(KEY_COLUMNS)} STRAIGHT_JOIN task_results AS t FORCE INDEX (task_results_unique_key_idx)
  ON t.task_name = n.task_name AND t.unique_key = n.unique_key AND t.unique_held = TRUE`;

const HOLDERS = `
SELECT ${mysqlTaskColumns("t")} FROM ${KEYED_ROWS}
WHERE t.unique_held AND t.status = 'NEW'
FOR UPDATE`;

const REPLACE_HELD = `
UPDATE ${KEYED_ROWS}
SET t.args = n.args, t.args_meta = ${jsonOrNull("n.args_meta")}, t.priority = n.priority, t.run_after = n.run_after,
    t.trace_context = n.trace_context
WHERE t.unique_held AND t.status = 'NEW'`;

const FIND_HOLDERS = `
SELECT ${mysqlTaskColumns("t")}
FROM task_results AS t
JOIN JSON_TABLE(?, '$[*]' COLUMNS (task_name VARCHAR(200) PATH '$.task_name', unique_key VARCHAR(200) PATH '$.unique_key')) AS k
  ON t.task_name = k.task_name AND t.unique_key = k.unique_key
WHERE t.unique_held AND t.status IN ('NEW', 'RUNNING')`;

export async function replaceHeldTasks(client: SqlClient, tasks: readonly NewTask[]): Promise<StoredTask[]> {
  const payload = insertPayload([...tasks].sort(byUniqueKey((task) => [task.taskName, task.uniqueKey!])), mysqlTime);
  return inTransaction(client, async (tx) => {
    const locked = await tx.$queryRawUnsafe<RawTask[]>(HOLDERS, payload);
    if (locked.length === 0) return [];
    await tx.$executeRawUnsafe(REPLACE_HELD, payload);
    const rows = await tx.$queryRawUnsafe<RawTask[]>(
      `SELECT ${MYSQL_TASK_COLUMNS} FROM task_results WHERE id IN (SELECT value FROM JSON_TABLE(?, '$[*]' COLUMNS (value CHAR(36) PATH '$')) AS ids)`,
      JSON.stringify(locked.map((row) => row.id)),
    );
    return rows.map(toStoredMysqlTask);
  });
}

export async function findKeyHolders(client: SqlClient, keys: readonly UniqueKey[]): Promise<StoredTask[]> {
  const payload = JSON.stringify(keys.map((key) => ({ task_name: key.taskName, unique_key: key.uniqueKey })));
  const rows = await client.$queryRawUnsafe<RawTask[]>(FIND_HOLDERS, payload);
  return rows.map(toStoredMysqlTask);
}
