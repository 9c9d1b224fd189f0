// The dashboard's recent activity on PostgreSQL: finished tasks per minute, per task and per worker since a moment,
// from one pass over the finished index, and the workers holding tasks now.
import type { RecentActivity } from "../dashboard.js";
import { activityFrom, type ActivityRow } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { perTable } from "./names.js";

// CANCELLED tasks are left out: a cancel is an operator's act, not work a worker finished.
const RECENT_ACTIVITY = perTable((table) => `
WITH recent AS MATERIALIZED (
  SELECT finished_at, status, task_name, worker_ids ->> -1 AS worker_id
  FROM ${table}
  WHERE status IN ('COMPLETE', 'FAILED') AND finished_at >= $1::timestamptz
), holders AS (
  SELECT locked_by AS worker_id, count(*)::int AS running, 0 AS complete, 0 AS failed, max(heartbeat_at) AS seen
  FROM ${table} WHERE status = 'RUNNING' GROUP BY locked_by
), finishers AS (
  SELECT worker_id, 0 AS running, count(*) FILTER (WHERE status = 'COMPLETE')::int AS complete,
         count(*) FILTER (WHERE status = 'FAILED')::int AS failed, max(finished_at) AS seen
  FROM recent GROUP BY worker_id
)
SELECT
  (SELECT coalesce(json_agg(m ORDER BY m.minute), '[]') FROM (
     SELECT date_trunc('minute', finished_at) AS minute, count(*) FILTER (WHERE status = 'COMPLETE') AS complete,
            count(*) FILTER (WHERE status = 'FAILED') AS failed
     FROM recent GROUP BY 1) AS m) AS per_minute,
  (SELECT coalesce(json_agg(t ORDER BY t.task_name), '[]') FROM (
     SELECT task_name, count(*) FILTER (WHERE status = 'COMPLETE') AS complete,
            count(*) FILTER (WHERE status = 'FAILED') AS failed
     FROM recent GROUP BY task_name) AS t) AS by_task,
  (SELECT coalesce(json_agg(w ORDER BY w.last_seen_at DESC, w.worker_id), '[]') FROM (
     SELECT worker_id, sum(running) AS running, sum(complete) AS complete, sum(failed) AS failed, max(seen) AS last_seen_at
     FROM (SELECT * FROM holders UNION ALL SELECT * FROM finishers) AS seen
     WHERE worker_id IS NOT NULL GROUP BY worker_id) AS w) AS workers`);

export async function recentActivity(table: string, client: SqlClient, since: Date): Promise<RecentActivity> {
  const [row] = await client.$queryRawUnsafe<ActivityRow[]>(RECENT_ACTIVITY(table), since);
  return activityFrom(row!);
}
