// The benchmark's own reads and writes of task_results, outside prisma-tasks and Prisma: the drain's progress counts
// and the backlog's finished rows, over the plain driver of the URL's database (pg or mariadb).
import { createConnection } from "mariadb";
import { connectionOptions } from "../db/mariadb.js";
import { providerOf } from "./client.js";
import { withClient } from "./peers/common.js";

export interface TaskTable {
  /** Tasks still queued (status NEW). */
  queued(): Promise<number>;
  /** Tasks queued or running. */
  unfinished(): Promise<number>;
  /** Adds n COMPLETE rows of `taskName`, as a worker leaves them, in one INSERT ... SELECT; then updates statistics. */
  seedFinished(taskName: string, n: number): Promise<void>;
}

// Every count reads one status's part of an index: the partial ready and lease indexes on PostgreSQL, the ready and
// lease indexes that lead with status on MySQL. So polling stays cheap with a million finished rows.
const QUEUED = `select count(*) as n from task_results where status = 'NEW'`;
const UNFINISHED = `select (select count(*) from task_results where status = 'NEW') + (select count(*) from task_results where status = 'RUNNING') as n`;

// UUIDv7 ids (PostgreSQL 18's uuidv7()), as the library makes them: time-ordered, so the seeded rows fill the primary-key
// index from its end, and the drain's new ids come after theirs, as in a table that grew by enqueues.
const PG_SEED = `
insert into task_results (id, task_name, status, args, args_meta, started_at, finished_at, last_attempted_at,
                          attempts, worker_ids, return_value, return_value_meta)
select uuidv7(), $1, 'COMPLETE', 'null'::jsonb, '{"values":["undefined"]}'::jsonb, now(), now(), now(),
       1, '["worker-backlog"]'::jsonb, 'null'::jsonb, '{"values":["undefined"]}'::jsonb
from generate_series(1, $2)`;

// MariaDB's SEQUENCE engine (built in) gives the numbers; UUID() the ids (the library's are random v4 UUIDs). MySQL's
// JSON columns have no defaults (Prisma fills them in), and a finished row has given its unique key up (NULL).
const MYSQL_SEED = (n: number) => `
INSERT INTO task_results (id, task_name, status, args, args_meta, started_at, finished_at, last_attempted_at,
                          attempts, worker_ids, return_value, return_value_meta, errors, unique_held)
SELECT UUID(), ?, 'COMPLETE', 'null', '{"values":["undefined"]}', NOW(3), NOW(3), NOW(3),
       1, '["worker-backlog"]', 'null', '{"values":["undefined"]}', '[]', NULL
FROM seq_1_to_${n}`;

/** Runs fn with the task table of the database at `url`, its connection closed afterwards. */
export async function withTaskTable<T>(url: string, fn: (table: TaskTable) => Promise<T>): Promise<T> {
  if (providerOf(url) === "postgresql") {
    return withClient(url, (client) => {
      const count = (sql: string) => client.query<{ n: number }>(sql).then((r) => Number(r.rows[0]!.n));
      return fn({
        queued: () => count(QUEUED),
        unfinished: () => count(UNFINISHED),
        async seedFinished(taskName, n) {
          await client.query(PG_SEED, [taskName, n]);
          await client.query("analyze task_results");
        },
      });
    });
  }
  const connection = await createConnection(connectionOptions(url));
  try {
    const count = (sql: string) => connection.query<{ n: number | bigint }[]>(sql).then((rows) => Number(rows[0]!.n));
    return await fn({
      queued: () => count(QUEUED),
      unfinished: () => count(UNFINISHED),
      async seedFinished(taskName, n) {
        if (!Number.isInteger(n) || n < 1) throw new Error(`bench: cannot seed ${n} rows`);
        await connection.query(MYSQL_SEED(n), [taskName]);
        await connection.query("ANALYZE TABLE task_results");
      },
    });
  } finally {
    await connection.end();
  }
}
