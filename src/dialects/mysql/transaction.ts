// Statements that read the rows they change: MySQL has no RETURNING (MariaDB only on INSERT and DELETE), so a change
// that must say which rows it touched locks them with SELECT ... FOR UPDATE and changes them in the same transaction.
import type { SqlClient } from "../types.js";

// READ COMMITTED: InnoDB's default, REPEATABLE READ, locks the gaps a locking read scans too, which would hold up
// every enqueue into the ready index behind a claim; READ COMMITTED locks only the rows it returns.
const OPTIONS = { isolationLevel: "ReadCommitted", maxWait: 10_000, timeout: 60_000 };

/**
 * Prisma 7 marks its transaction clients with this registered symbol. Their $transaction opens a savepoint, which may
 * not change the isolation level: in the app's transaction, statements simply run in it.
 */
const TRANSACTION_SCOPE = Symbol.for("prisma.client.transaction.scope_context");

/**
 * Runs `run` in a transaction on `client`: a new one on a Prisma client, or the app's own when `client` is a
 * transaction client (a cancel inside `$transaction`), which commits or rolls back with the app's data.
 */
export function inTransaction<T>(client: SqlClient, run: (tx: SqlClient) => Promise<T>): Promise<T> {
  const inOne = (client as { [TRANSACTION_SCOPE]?: unknown })[TRANSACTION_SCOPE] !== undefined;
  if (inOne || typeof client.$transaction !== "function") return run(client);
  return client.$transaction(run, OPTIONS);
}
