// GET /metrics: task counts, queue lag and the last hour's outcomes in Prometheus' text format.
import type { DashboardSource } from "./context.js";
import { ACTIVITY_WINDOW_MS } from "./overview.js";

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
function label(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

function family(name: string, help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
  for (const sample of samples) {
    const labels = Object.entries(sample.labels).map(([key, value]) => `${key}="${label(value)}"`);
    lines.push(`${name}{${labels.join(",")}} ${sample.value}`);
  }
  return lines.join("\n");
}

export async function metricsText(source: DashboardSource, now = new Date()): Promise<string> {
  const { queries, sql } = source;
  const [counts, backlog, activity] = await Promise.all([
    queries.countTasks(sql),
    queries.queueBacklog(sql, now),
    queries.recentActivity(sql, new Date(now.getTime() - ACTIVITY_WINDOW_MS)),
  ]);
  // Every queue with tasks gets its backlog series, 0 once drained: a series that vanished would read as "no data"
  // to an alert on the backlog, not as an empty queue.
  const backlogOf = new Map(backlog.map((queue) => [queue.queueName, queue]));
  const queues = [...new Set([...backlogOf.keys(), ...counts.map((count) => count.queueName)])].sort();
  const queueBacklog = queues.map((queueName) => backlogOf.get(queueName) ?? { queueName, ready: 0, scheduled: 0, oldestReadyAt: null });
  const families = [
    family(
      "prisma_tasks_tasks",
      "Tasks in task_results by queue and status. On large PostgreSQL tables COMPLETE is the planner's estimate.",
      [
        ...queueBacklog.map((queue) => ({ labels: { queue: queue.queueName, status: "NEW" }, value: queue.ready + queue.scheduled })),
        ...counts.map((count) => ({ labels: { queue: count.queueName, status: count.status }, value: count.count })),
      ],
    ),
    family(
      "prisma_tasks_ready_tasks",
      "NEW tasks that are due: each queue's backlog.",
      queueBacklog.map((queue) => ({ labels: { queue: queue.queueName }, value: queue.ready })),
    ),
    family(
      "prisma_tasks_oldest_ready_age_seconds",
      "How long the oldest due NEW task of each queue has waited (0 when none is due).",
      queueBacklog.map((queue) => ({
        labels: { queue: queue.queueName },
        value: queue.oldestReadyAt ? Math.max(0, (now.getTime() - queue.oldestReadyAt.getTime()) / 1000) : 0,
      })),
    ),
    family(
      "prisma_tasks_finished_last_hour",
      "Tasks that finished in the last hour, by task name and outcome (COMPLETE or FAILED).",
      activity.byTask.flatMap((task) => [
        { labels: { task: task.taskName, status: "COMPLETE" }, value: task.complete },
        { labels: { task: task.taskName, status: "FAILED" }, value: task.failed },
      ]),
    ),
  ];
  return `${families.join("\n")}\n`;
}
