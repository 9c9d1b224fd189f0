// The interactive transaction an enqueue belongs to: found through AsyncLocalStorage, with its after-commit hooks.
import { AsyncLocalStorage } from "node:async_hooks";
import type { SqlClient } from "./dialects/types.js";

/** One `$transaction(async (tx) => ...)` callback while it runs, and the work to do once it has committed. */
export interface TransactionScope {
  readonly tx: SqlClient;
  /** False once the callback has returned or thrown: the transaction is committing, committed or rolled back. */
  open: boolean;
  readonly afterCommit: (() => unknown)[];
}

const scopes = new AsyncLocalStorage<TransactionScope>();

/** The transaction the caller runs in, if any (it may have ended; check `open`). */
export function currentTransaction(): TransactionScope | undefined {
  return scopes.getStore();
}

export function runInTransaction<T>(scope: TransactionScope, callback: () => T): T {
  return scopes.run(scope, callback);
}
