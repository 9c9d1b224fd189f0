// Schedule slots on PostgreSQL: each slot inserted at most once, whichever worker comes first, and the newest stored
// slot of each schedule key.
import { insertPayload } from "../rows.js";
import type { NewScheduledTask, SqlClient } from "../types.js";
import { perTable, perTableAndChannel, quoteLiteral } from "./names.js";

// The unique index on (schedule_key, scheduled_at) decides: a slot another worker inserted first (or one whose insert
// is not committed yet, which this statement waits for) is left out. Ready rows wake listening workers at commit. The
// conflict target's WHERE matches that index as it is (every row) and as a later release may make it (scheduled rows
// only, one index entry fewer per write): workers of this release keep working through that migration.
const INSERT_SLOTS = perTableAndChannel((table, channel) => `
WITH inserted AS (
  INSERT INTO ${table} (id, task_name, status, queue_name, backend, priority, args, args_meta, run_after, enqueued_at,
                        attempts, max_attempts, worker_ids, errors, schedule_key, scheduled_at)
  SELECT r.id, r.task_name, 'NEW', r.queue_name, r.backend, r.priority, COALESCE(r.args, 'null'::jsonb), r.args_meta,
         r.run_after, r.enqueued_at, 0, r.max_attempts, '[]'::jsonb, '[]'::jsonb, r.schedule_key, r.scheduled_at
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, task_name text, queue_name text, backend text, priority int,
       args jsonb, args_meta jsonb, run_after timestamptz, enqueued_at timestamptz, max_attempts int, schedule_key text,
       scheduled_at timestamptz)
  ON CONFLICT (schedule_key, scheduled_at) WHERE schedule_key IS NOT NULL DO NOTHING
  RETURNING id, queue_name, run_after
), woken AS (
  SELECT count(pg_notify(${quoteLiteral(channel)}, ready.queue_name))
  FROM (SELECT DISTINCT queue_name FROM inserted WHERE run_after <= clock_timestamp()) AS ready
)
SELECT inserted.id::text AS id FROM inserted, woken`);

// One index probe per key: the newest entry of each key in the (schedule_key, scheduled_at) index.
const LAST_SLOTS = perTable((table) => `
SELECT k.key AS schedule_key, (SELECT max(scheduled_at) FROM ${table} WHERE schedule_key = k.key) AS scheduled_at
FROM jsonb_array_elements_text($1::jsonb) AS k(key)`);

export async function insertScheduledTasks(table: string, channel: string, client: SqlClient, tasks: readonly NewScheduledTask[]): Promise<string[]> {
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(INSERT_SLOTS(table, channel), insertPayload(tasks));
  return rows.map((row) => row.id);
}

export async function lastScheduledSlots(table: string, client: SqlClient, keys: readonly string[]): Promise<Map<string, Date>> {
  const rows = await client.$queryRawUnsafe<{ schedule_key: string; scheduled_at: Date | null }[]>(LAST_SLOTS(table), JSON.stringify(keys));
  return new Map(rows.filter((row) => row.scheduled_at !== null).map((row) => [row.schedule_key, new Date(row.scheduled_at!)]));
}
