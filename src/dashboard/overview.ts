// The overview's facts, read in parallel: counts, backlog, the last hour's activity, running tasks.
import type { MinuteCounts, QueueBacklog, RunningTask, StatusCount, WorkerActivity } from "../dialects/dashboard.js";
import { TaskStatus } from "../result.js";
import type { DashboardSource } from "./context.js";

/** How far back the chart, the worker list and the finished counts look. */
export const ACTIVITY_WINDOW_MS = 60 * 60_000;
const MINUTE_MS = 60_000;
/** Running tasks listed; the count above the list covers them all. */
const RUNNING_SHOWN = 20;

export const STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);

export interface Tally {
  count: number;
  estimated: boolean;
}

export interface QueueRow extends Omit<QueueBacklog, "queueName"> {
  queueName: string;
  counts: Map<TaskStatus, Tally>;
}

export interface Overview {
  now: Date;
  totals: Map<TaskStatus, Tally>;
  queues: QueueRow[];
  /** One entry per minute of the window, oldest first, empty minutes included. */
  minutes: MinuteCounts[];
  finished: { complete: number; failed: number };
  running: RunningTask[];
  workers: WorkerActivity[];
}

function add(tallies: Map<TaskStatus, Tally>, status: TaskStatus, more: Tally) {
  const tally = tallies.get(status) ?? { count: 0, estimated: false };
  tallies.set(status, { count: tally.count + more.count, estimated: tally.estimated || more.estimated });
}

function queueRows(counts: StatusCount[], backlog: QueueBacklog[]): QueueRow[] {
  const rows = new Map<string, QueueRow>();
  const row = (queueName: string) => {
    let found = rows.get(queueName);
    if (!found) rows.set(queueName, (found = { queueName, counts: new Map(), ready: 0, scheduled: 0, oldestReadyAt: null }));
    return found;
  };
  for (const count of counts) add(row(count.queueName).counts, count.status, count);
  for (const queue of backlog) Object.assign(row(queue.queueName), { ready: queue.ready, scheduled: queue.scheduled, oldestReadyAt: queue.oldestReadyAt });
  for (const queue of rows.values()) queue.counts.set("NEW", { count: queue.ready + queue.scheduled, estimated: false });
  return [...rows.values()].sort((a, b) => a.queueName.localeCompare(b.queueName));
}

/** The window's minutes, each with its counts or zeros. */
function everyMinute(perMinute: MinuteCounts[], now: Date): MinuteCounts[] {
  const byMinute = new Map(perMinute.map((minute) => [minute.minute.getTime(), minute]));
  const last = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const minutes: MinuteCounts[] = [];
  for (let time = last - ACTIVITY_WINDOW_MS + MINUTE_MS; time <= last; time += MINUTE_MS) {
    minutes.push(byMinute.get(time) ?? { minute: new Date(time), complete: 0, failed: 0 });
  }
  return minutes;
}

export async function readOverview(source: DashboardSource, now = new Date()): Promise<Overview> {
  const { queries, sql } = source;
  const since = new Date(Math.floor((now.getTime() - ACTIVITY_WINDOW_MS) / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const [counts, backlog, activity, running] = await Promise.all([
    queries.countTasks(sql),
    queries.queueBacklog(sql, now),
    queries.recentActivity(sql, since),
    queries.runningTasks(sql, RUNNING_SHOWN),
  ]);
  const queues = queueRows(counts, backlog);
  const totals = new Map<TaskStatus, Tally>();
  for (const queue of queues) for (const [status, tally] of queue.counts) add(totals, status, tally);
  const finished = { complete: 0, failed: 0 };
  for (const minute of activity.perMinute) {
    finished.complete += minute.complete;
    finished.failed += minute.failed;
  }
  return {
    now,
    totals,
    queues,
    minutes: everyMinute(activity.perMinute, now),
    finished,
    running,
    workers: activity.workers,
  };
}
