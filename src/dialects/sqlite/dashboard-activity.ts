// The dashboard's recent activity on SQLite: finished tasks per minute, per task and per worker since a moment, and
// the workers holding tasks now.
import { activityFrom, type ActivityRow, type RecentActivity } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { sqliteTime } from "./time.js";

// The first term repeats task_results_finished_idx's condition word for word, which is how SQLite matches a query to
// a partial index. CANCELLED tasks are then left out: a cancel is an operator's act, not work a worker finished.
const RECENT_ACTIVITY = `
WITH recent AS MATERIALIZED (
  SELECT finished_at, status, task_name, worker_ids ->> '$[#-1]' AS worker_id
  FROM task_results
  WHERE status IN ('COMPLETE', 'FAILED', 'CANCELLED') AND status <> 'CANCELLED' AND finished_at >= ?
), holders AS (
  SELECT locked_by AS worker_id, count(*) AS running, 0 AS complete, 0 AS failed, max(heartbeat_at) AS seen
  FROM task_results WHERE status = 'RUNNING' GROUP BY locked_by
), finishers AS (
  SELECT worker_id, 0 AS running, count(*) FILTER (WHERE status = 'COMPLETE') AS complete,
         count(*) FILTER (WHERE status = 'FAILED') AS failed, max(finished_at) AS seen
  FROM recent GROUP BY worker_id
)
SELECT
  (SELECT json_group_array(json_object('minute', minute, 'complete', complete, 'failed', failed) ORDER BY minute) FROM (
     SELECT substr(finished_at, 1, 16) || ':00+00:00' AS minute, count(*) FILTER (WHERE status = 'COMPLETE') AS complete,
            count(*) FILTER (WHERE status = 'FAILED') AS failed
     FROM recent GROUP BY 1)) AS per_minute,
  (SELECT json_group_array(json_object('task_name', task_name, 'complete', complete, 'failed', failed) ORDER BY task_name) FROM (
     SELECT task_name, count(*) FILTER (WHERE status = 'COMPLETE') AS complete, count(*) FILTER (WHERE status = 'FAILED') AS failed
     FROM recent GROUP BY task_name)) AS by_task,
  (SELECT json_group_array(json_object('worker_id', worker_id, 'running', running, 'complete', complete, 'failed', failed,
                                       'last_seen_at', last_seen_at) ORDER BY last_seen_at DESC, worker_id) FROM (
     SELECT worker_id, sum(running) AS running, sum(complete) AS complete, sum(failed) AS failed, max(seen) AS last_seen_at
     FROM (SELECT * FROM holders UNION ALL SELECT * FROM finishers)
     WHERE worker_id IS NOT NULL GROUP BY worker_id)) AS workers`;

export async function recentActivity(client: SqlClient, since: Date): Promise<RecentActivity> {
  const [row] = await client.$queryRawUnsafe<ActivityRow[]>(RECENT_ACTIVITY, sqliteTime(since));
  return activityFrom(row!);
}
