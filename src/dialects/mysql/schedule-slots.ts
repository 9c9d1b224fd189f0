// Schedule slots on MySQL: each slot inserted at most once, whichever worker comes first, and the newest stored slot
// of each schedule key.
import { insertPayload } from "../rows.js";
import type { NewScheduledTask, SqlClient } from "../types.js";
import { COLUMNS, VALUES, insertedIds, taskRows } from "./insert.js";
import { fromMysqlTime, mysqlTime } from "./time.js";

// The unique index on (schedule_key, scheduled_at) keeps the first insert of a slot; `id = id` leaves that row as it
// is, so a slot another worker inserted first is left out.
const INSERT_SLOTS = `
INSERT INTO task_results (${COLUMNS}, schedule_key, scheduled_at)
SELECT ${VALUES}, n.schedule_key, n.scheduled_at
FROM ${taskRows(", schedule_key VARCHAR(200) PATH '$.schedule_key', scheduled_at DATETIME(3) PATH '$.scheduled_at'")}
ON DUPLICATE KEY UPDATE id = task_results.id`;

// One probe of the (schedule_key, scheduled_at) index per key.
const LAST_SLOTS = `
SELECT k.value AS schedule_key, (SELECT max(scheduled_at) FROM task_results WHERE schedule_key = k.value) AS scheduled_at
FROM JSON_TABLE(?, '$[*]' COLUMNS (value VARCHAR(200) PATH '$')) AS k`;

export async function insertScheduledTasks(client: SqlClient, tasks: readonly NewScheduledTask[]): Promise<string[]> {
  await client.$executeRawUnsafe(INSERT_SLOTS, insertPayload(tasks, mysqlTime));
  return insertedIds(client, tasks.map((task) => task.id));
}

export async function lastScheduledSlots(client: SqlClient, keys: readonly string[]): Promise<Map<string, Date>> {
  const rows = await client.$queryRawUnsafe<{ schedule_key: string; scheduled_at: string | Date | null }[]>(LAST_SLOTS, JSON.stringify(keys));
  return new Map(rows.filter((row) => row.scheduled_at !== null).map((row) => [row.schedule_key, fromMysqlTime(row.scheduled_at!)]));
}
