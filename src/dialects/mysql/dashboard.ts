// The MySQL queries behind the dashboard, one file per operation.
export { countTasks } from "./dashboard-counts.js";
export { queueBacklog } from "./dashboard-backlog.js";
export { recentActivity } from "./dashboard-activity.js";
export { runningTasks } from "./dashboard-running.js";
export { listTasks } from "./dashboard-list.js";
export { taskDetail } from "./dashboard-task.js";
export { deleteTask } from "./delete.js";
