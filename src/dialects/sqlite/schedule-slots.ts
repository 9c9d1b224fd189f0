// Schedule slots on SQLite: each slot inserted at most once, whichever worker comes first, and the newest stored slot
// of each schedule key.
import { insertPayload } from "../rows.js";
import type { NewScheduledTask, SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

// SQLite's single writer checks the unique index on (schedule_key, scheduled_at) row by row: a slot another worker
// inserted first is left out. `WHERE true` keeps SQLite's parser from reading ON CONFLICT as a join's ON. The conflict
// target's WHERE matches the index as it is (every row) and as a later release may make it (scheduled rows only), as
// on PostgreSQL.
const INSERT_SLOTS = `
INSERT INTO task_results (id, task_name, status, queue_name, backend, priority, args, args_meta, run_after, enqueued_at,
                          attempts, max_attempts, worker_ids, errors, schedule_key, scheduled_at)
SELECT value ->> '$.id', value ->> '$.task_name', 'NEW', value ->> '$.queue_name', value ->> '$.backend',
       value ->> '$.priority', value -> '$.args', NULLIF(value -> '$.args_meta', 'null'), value ->> '$.run_after',
       value ->> '$.enqueued_at', 0, value ->> '$.max_attempts', '[]', '[]', value ->> '$.schedule_key',
       value ->> '$.scheduled_at'
FROM json_each(?) WHERE true
ON CONFLICT (schedule_key, scheduled_at) WHERE schedule_key IS NOT NULL DO NOTHING
RETURNING id`;

// Timestamps are fixed-width text (sqliteTime), so max() is the newest; one index probe per key.
const LAST_SLOTS = `
SELECT k.value AS schedule_key, (SELECT max(scheduled_at) FROM task_results WHERE schedule_key = k.value) AS scheduled_at
FROM json_each(?) AS k`;

export async function insertScheduledTasks(client: SqlClient, tasks: readonly NewScheduledTask[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(INSERT_SLOTS, insertPayload(tasks, sqliteTime));
  return rows.map((row) => String(row.id));
}

export async function lastScheduledSlots(client: SqlClient, keys: readonly string[]): Promise<Map<string, Date>> {
  const rows = await client.$queryRawUnsafe<{ schedule_key: string; scheduled_at: string | Date | null }[]>(LAST_SLOTS, JSON.stringify(keys));
  return new Map(rows.filter((row) => row.scheduled_at !== null).map((row) => [row.schedule_key, new Date(row.scheduled_at!)]));
}
