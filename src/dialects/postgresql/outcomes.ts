// Outcomes on PostgreSQL: a batch of finished attempts written with one UPDATE per kind (completed; failed or sent back
// to NEW), only where this worker still holds them.
//
// The rows are found by primary key (`id = ANY($2)`) and nothing is joined: each row reads its own values from one JSON
// object keyed by task id (`$3 -> id`, a binary search among the batch's keys). A join with the batch's rows would be
// cheaper on paper, but the planner, which cannot tell how many rows a parameter holds, turns it into a nested loop
// once the statement is prepared: quadratic in the batch size (a batch of 500 compared 250,000 pairs).
//
// `locked_by` is set only while a row is RUNNING (claim sets it; outcome, rescue and release clear it), so no status
// test is needed, and none lets the planner pick the lease index, which holds every running task of every worker.
import type { Outcome, SqlClient } from "../types.js";
import { CANCELLED_ENTRY } from "./cancel.js";
import { perTable } from "./names.js";

type Completed = Extract<Outcome, { status: "COMPLETE" }>;
type Failed = Exclude<Outcome, Completed>;

const RELEASE_LEASE = "locked_by = NULL, heartbeat_at = NULL, lease_expires_at = NULL";
const HELD_BY_ME = "t.id = ANY($2::uuid[]) AND t.locked_by = $1 AND t.attempts = ($3::jsonb -> t.id::text ->> 0)::int";

/** Each row's values: [attempt, finished at (epoch ms), return_value, return_value_meta], the last two as the JSON
 * texts taken when the task returned. */
const RECORD_COMPLETED = perTable((table) => `
UPDATE ${table} AS t
SET status = 'COMPLETE',
    finished_at = to_timestamp(($3::jsonb -> t.id::text ->> 1)::float8 / 1000),
    return_value = COALESCE($3::jsonb -> t.id::text -> 2, 'null'::jsonb),
    return_value_meta = NULLIF($3::jsonb -> t.id::text -> 3, 'null'::jsonb),
    ${RELEASE_LEASE}
WHERE ${HELD_BY_ME}
RETURNING t.id`);

/**
 * Each row's values: [attempt, status, finished at, retry at (epoch ms; one of the two is null), error]. FAILED and
 * CANCELLED end the task; NEW sends it back to wait for its retry. A cancel recorded during the attempt ends it
 * CANCELLED instead, with a TaskCancelled entry after the attempt's error (unless that error is the cancel itself): no
 * retry follows.
 */
const RECORD_FAILED = perTable((table) => `
UPDATE ${table} AS t
SET status = CASE WHEN t.cancel_requested_at IS NULL THEN $3::jsonb -> t.id::text ->> 1 ELSE 'CANCELLED' END,
    finished_at = COALESCE(to_timestamp(($3::jsonb -> t.id::text ->> 2)::float8 / 1000),
                           CASE WHEN t.cancel_requested_at IS NOT NULL THEN now() END),
    run_after = COALESCE(to_timestamp(($3::jsonb -> t.id::text ->> 3)::float8 / 1000), t.run_after),
    errors = t.errors || jsonb_build_array($3::jsonb -> t.id::text -> 4) ||
      CASE WHEN t.cancel_requested_at IS NOT NULL AND $3::jsonb -> t.id::text -> 4 ->> 'exceptionClass' IS DISTINCT FROM 'TaskCancelled'
           THEN jsonb_build_array(${CANCELLED_ENTRY}) ELSE '[]'::jsonb END,
    ${RELEASE_LEASE}
WHERE ${HELD_BY_ME}
RETURNING t.id`);

/** The batch's ids as a uuid[] literal (task ids are UUIDs: nothing in them needs quoting) and its rows keyed by id. */
function parameters<T extends Outcome>(outcomes: readonly T[], row: (outcome: T) => string): [string, string] {
  const ids = outcomes.map((outcome) => outcome.id);
  const rows = outcomes.map((outcome) => `"${outcome.id}":${row(outcome)}`);
  return [`{${ids.join(",")}}`, `{${rows.join(",")}}`];
}

async function write<T extends Outcome>(client: SqlClient, sql: string, workerId: string, outcomes: T[], row: (outcome: T) => string) {
  if (outcomes.length === 0) return [];
  const rows = await client.$queryRawUnsafe<{ id: string }[]>(sql, workerId, ...parameters(outcomes, row));
  return rows.map((written) => String(written.id));
}

export async function recordOutcomes(table: string, client: SqlClient, workerId: string, outcomes: readonly Outcome[]): Promise<string[]> {
  const completed: Completed[] = [];
  const failed: Failed[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === "COMPLETE") completed.push(outcome);
    else failed.push(outcome);
  }
  const written = await write(client, RECORD_COMPLETED(table), workerId, completed, (outcome) =>
    `[${outcome.attempt},${outcome.finishedAt.getTime()},${outcome.returnValue.json},${outcome.returnValue.meta ?? "null"}]`,
  );
  written.push(
    ...(await write(client, RECORD_FAILED(table), workerId, failed, (outcome) =>
      outcome.status === "NEW"
        ? `[${outcome.attempt},"NEW",null,${outcome.runAfter.getTime()},${JSON.stringify(outcome.error)}]`
        : `[${outcome.attempt},"${outcome.status}",${outcome.finishedAt.getTime()},null,${JSON.stringify(outcome.error)}]`,
    )),
  );
  return written;
}
