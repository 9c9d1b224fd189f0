// Ready tasks by queue for the OpenTelemetry gauge, counted among the next ones in claim order (the ready index).
import type { QueueReadyCount, ReadyTasksRequest, SqlClient } from "../types.js";
import { nextReady } from "./next-ready.js";

export async function countReadyTasks(client: SqlClient, request: ReadyTasksRequest): Promise<QueueReadyCount[]> {
  const next = nextReady("queue_name", request);
  const rows = await client.$queryRawUnsafe<{ queue_name: string; count: number | bigint }[]>(
    `SELECT queue_name, count(*) AS count FROM (${next.sql}) AS next GROUP BY queue_name ORDER BY queue_name`,
    ...next.params,
  );
  return rows.map((row) => ({ queueName: row.queue_name, count: Number(row.count) }));
}
