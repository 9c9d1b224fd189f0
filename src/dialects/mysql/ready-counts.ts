// Ready tasks by queue for the OpenTelemetry gauge, among the next ones in claim order.
import { countReadyAmong } from "../ready-counts.js";
import type { QueueReadyCount, ReadyTasksRequest, SqlClient } from "../types.js";
import { nextReady } from "./next-ready.js";

export function countReadyTasks(client: SqlClient, request: ReadyTasksRequest): Promise<QueueReadyCount[]> {
  return countReadyAmong(client, nextReady("queue_name", request));
}
