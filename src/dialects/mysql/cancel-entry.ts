// The errors entry a cancelled task ends with on MySQL, worded as the TaskCancelled error class words it.

/** `table` qualifies the row's columns in a statement that reads another table beside task_results. */
export function cancelledEntry(table?: string): string {
  const column = (name: string) => (table ? `${table}.${name}` : name);
  return `JSON_OBJECT('exceptionClass', 'TaskCancelled',
  'message', CONCAT('Task "', ${column("task_name")}, '" (', ${column("id")}, ') was cancelled. Fix: $tasks.retry("', ${column("id")},
                    '") or tasks-worker retry ', ${column("id")}, ' runs it again.'),
  'traceback', '')`;
}
