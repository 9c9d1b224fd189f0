// The worker's own PostgreSQL pool: its hot statements (claim, outcomes, leases) as named prepared statements, without
// Prisma's per-query overhead. Same SQL and results as through Prisma's raw queries; enqueue still goes through Prisma.
import { createHash } from "node:crypto";
import type { ClientConfig, Pool } from "pg";
import type { SqlClient } from "../dialects/types.js";
import type { Log } from "./log.js";

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
    private readonly log: Log,
  ) {}

  async $queryRawUnsafe<T = unknown>(text: string, ...values: unknown[]): Promise<T> {
    const pool = await this.#connect();
    const result = await pool.query({ name: statementName(text), text, values });
    return result.rows as T;
  }

  async $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number> {
    const pool = await this.#connect();
    const result = await pool.query({ name: statementName(text), text, values });
    return result.rowCount ?? 0;
  }

  async end(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await (await pool)?.end().catch(() => {});
  }

  #connect(): Promise<Pool> {
    this.#pool ??= import("pg").then(({ default: pg }) => {
      const pool = new pg.Pool({ ...this.config, max: this.size });
      // A connection dropped while idle (a database restart) must not crash the worker; the pool replaces it.
      pool.on("error", (error) =>
        this.log({ level: "warn", event: "connection-lost", message: "a database connection was lost; reconnecting", error: error.message }),
      );
      return pool;
    });
    return this.#pool;
  }
}
