// SqlClient wrappers for tests: the real database behind them, with chosen statements slowed down, held, or their
// answers lost, as a slow or flapping database would.
import { runtimeOf } from "../../src/tasks-client.js";
import type { SqlClient } from "../../src/dialects/types.js";
import { TasksClient } from "../../src/tasks-client.js";

/** Runs a statement (its text and parameters) and returns its answer; a wrapper decides what happens around it. */
export type Around = (text: string, run: () => Promise<unknown>) => Promise<unknown>;

export function wrapSql(sql: SqlClient, around: Around): SqlClient {
  const wrapped: SqlClient = {
    $queryRawUnsafe: <T>(text: string, ...values: unknown[]) => around(text, () => sql.$queryRawUnsafe(text, ...values)) as Promise<T>,
    $executeRawUnsafe: (text: string, ...values: unknown[]) => around(text, () => sql.$executeRawUnsafe(text, ...values)) as Promise<number>,
  };
  // MySQL runs its changes that read what they change in a transaction of the client: its statements are wrapped too.
  const start = sql.$transaction;
  if (start) wrapped.$transaction = <T>(run: (tx: SqlClient) => Promise<T>, options?: object) => start.call(sql, (tx) => run(wrapSql(tx, around)), options) as Promise<T>;
  return wrapped;
}

/** The extended client as a Worker sees it, with the worker's statements going through `sql` instead. */
export function withSql(prisma: { $tasks: TasksClient }, sql: SqlClient): { $tasks: TasksClient } {
  return { $tasks: new TasksClient({ ...runtimeOf(prisma.$tasks), sql }) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error pg raises when a connection dies under a statement. */
export function connectionLost(): Error {
  return new Error("Connection terminated unexpectedly");
}
