// A pg pool of prisma-tasks' own for statements outside the app's transactions (a worker's claims, outcomes and leases;
// enqueues outside $transaction): named prepared statements without Prisma's per-query overhead, unnamed ones behind a
// transaction-mode pooler. Same SQL, same rows.
import { createHash } from "node:crypto";
import type { ClientConfig, Pool } from "pg";
import type { SqlClient } from "../types.js";

const names = new Map<string, string>();

/** A stable name per statement text, so each connection parses and plans it once. */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `prisma_tasks_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

export class PgSqlClient implements SqlClient {
  #pool: Promise<Pool> | undefined;

  constructor(
    private readonly config: ClientConfig,
    private readonly size: number,
    /**
     * False behind a transaction-mode pooler: a named statement lives in one server session, and the pooler sends the
     * next use to any other (where it is missing, or already exists under that name). Unnamed, each is parsed anew.
     */
    private readonly prepared = true,
  ) {}

  async $queryRawUnsafe<T = unknown>(text: string, ...values: unknown[]): Promise<T> {
    const result = await this.#query(text, values);
    return result.rows as T;
  }

  async $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number> {
    const result = await this.#query(text, values);
    return result.rowCount ?? 0;
  }

  async end(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await (await pool)?.end().catch(() => {});
  }

  async #query(text: string, values: unknown[]) {
    const pool = await this.#connect();
    return pool.query({ name: this.prepared ? statementName(text) : undefined, text, values });
  }

  #connect(): Promise<Pool> {
    this.#pool ??= import("pg").then(({ default: pg }) => {
      // allowExitOnIdle: idle connections never keep a process alive that has nothing else to do.
      // Time limits (the app's own settings win): a connection or statement that gets no answer (a server that hangs,
      // a network that drops packets) fails, and its connection is closed, instead of holding a worker up forever.
      const limits = { connectionTimeoutMillis: 10_000, query_timeout: 60_000 };
      const pool = new pg.Pool({ ...limits, ...this.config, max: this.size, allowExitOnIdle: true });
      // A connection dropped while idle (a database restart) must not crash the process, as an unhandled 'error'
      // event would; the pool replaces it on next use, and the statement that needed it reports the outage.
      pool.on("error", () => {});
      return pool;
    });
    return this.#pool;
  }
}
