// The dashboard's recent activity on MySQL: finished tasks per minute, per task and per worker since a moment, and
// the workers holding tasks now. Three grouped reads of the finished index's recent part (MySQL 8 cannot order the
// rows of JSON_ARRAYAGG, which the other databases build the answer with), put together here.
import { activityFrom, type RecentActivity } from "../dashboard.js";
import type { SqlClient } from "../types.js";
import { lastElement } from "./columns.js";
import { fromMysqlTime, mysqlTime } from "./time.js";

// CANCELLED tasks are left out: a cancel is an operator's act, not work a worker finished.
const RECENT = `
SELECT finished_at, status, task_name, ${lastElement("worker_ids")} AS worker_id
FROM task_results WHERE finished_at >= ? AND status IN ('COMPLETE', 'FAILED')`;

const COUNTS = "count(CASE WHEN status = 'COMPLETE' THEN 1 END) AS complete, count(CASE WHEN status = 'FAILED' THEN 1 END) AS failed";

const PER_MINUTE = `
SELECT DATE_FORMAT(finished_at, '%Y-%m-%dT%H:%i:00Z') AS minute, ${COUNTS}
FROM (${RECENT}) AS recent GROUP BY minute ORDER BY minute`;

const BY_TASK = `SELECT task_name, ${COUNTS} FROM (${RECENT}) AS recent GROUP BY task_name ORDER BY task_name`;

const WORKERS = `
SELECT worker_id, sum(running) AS running, sum(complete) AS complete, sum(failed) AS failed, max(seen) AS last_seen_at
FROM (
  SELECT locked_by AS worker_id, count(*) AS running, 0 AS complete, 0 AS failed, max(heartbeat_at) AS seen
  FROM task_results WHERE status = 'RUNNING' GROUP BY locked_by
  UNION ALL
  SELECT worker_id, 0 AS running, ${COUNTS}, max(finished_at) AS seen FROM (${RECENT}) AS recent GROUP BY worker_id
) AS seen
WHERE worker_id IS NOT NULL GROUP BY worker_id ORDER BY last_seen_at DESC, worker_id`;

type Counts = { complete: unknown; failed: unknown };

export async function recentActivity(client: SqlClient, since: Date): Promise<RecentActivity> {
  const from = mysqlTime(since);
  const [perMinute, byTask, workers] = await Promise.all([
    client.$queryRawUnsafe<(Counts & { minute: string })[]>(PER_MINUTE, from),
    client.$queryRawUnsafe<(Counts & { task_name: string })[]>(BY_TASK, from),
    client.$queryRawUnsafe<(Counts & { worker_id: string; running: unknown; last_seen_at: Date | string })[]>(WORKERS, from),
  ]);
  return activityFrom({
    per_minute: perMinute,
    by_task: byTask,
    workers: workers.map((worker) => ({ ...worker, last_seen_at: fromMysqlTime(worker.last_seen_at).toISOString() })),
  });
}
