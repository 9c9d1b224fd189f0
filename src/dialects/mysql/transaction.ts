// Statements that read the rows they change: MySQL has no RETURNING (MariaDB only on INSERT and DELETE), so a change
// that must say which rows it touched locks them with SELECT ... FOR UPDATE and changes them in the same transaction.
import type { SqlClient } from "../types.js";

type TransactionStarter = (run: (tx: SqlClient) => Promise<unknown>, options: object) => Promise<unknown>;

// READ COMMITTED: InnoDB's default, REPEATABLE READ, locks the gaps a locking read scans too, which would hold up
// every enqueue into the ready index behind a claim; READ COMMITTED locks only the rows it returns.
const OPTIONS = { isolationLevel: "ReadCommitted", maxWait: 10_000, timeout: 60_000 };

/**
 * Runs `run` in a transaction on `client`: a new one on a Prisma client, or the app's own when `client` is already a
 * transaction client (an enqueue inside `$transaction`), which commits or rolls back with the app's data.
 */
export async function inTransaction<T>(client: SqlClient, run: (tx: SqlClient) => Promise<T>): Promise<T> {
  const start = (client as { $transaction?: TransactionStarter }).$transaction;
  if (typeof start !== "function") return run(client);
  return (await start.call(client, run, OPTIONS)) as T;
}
