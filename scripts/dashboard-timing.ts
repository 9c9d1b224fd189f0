// `npx tsx scripts/dashboard-timing.ts`: the dashboard's response times on a task_results table of 1,000,000 rows.
//
//   npx tsx scripts/dashboard-timing.ts                 1,000,000 rows in an embedded PostgreSQL (or DATABASE_URL's server)
//   npx tsx scripts/dashboard-timing.ts --rows 200000   a smaller table
//
// The rows are written by one INSERT ... SELECT over generate_series: a day of tasks of eight names in three queues,
// about 96 % COMPLETE and 3 % FAILED; the newest 0.5 % NEW (a backlog minutes long) and 0.05 % RUNNING; 0.5 % NEW
// scheduled for tomorrow; 0.01 % CANCELLED. Each page is then
// fetched over HTTP from the dashboard as an app serves it, once to warm up and RUNS times measured.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/postgresql/client.js";
import { createDashboard, toNodeHandler } from "../src/dashboard/index.js";
import { withTasks } from "../src/index.js";
import { applyMigrations } from "./db/migrations.js";
import { startPostgres } from "./db/postgres.js";

const RUNS = 7;
const { values: flags } = parseArgs({ options: { rows: { type: "string", default: "1000000" } } });
const rows = Number(flags.rows);
if (!Number.isSafeInteger(rows) || rows < 10_000) {
  console.error("--rows must be a whole number, 10000 or more");
  process.exit(2);
}

// Ids are UUIDv7 made from each row's enqueue time, as prisma-tasks makes them, so they sort by it.
const SEED = `
INSERT INTO task_results (id, task_name, status, queue_name, backend, priority, args, run_after, enqueued_at, started_at,
  finished_at, last_attempted_at, attempts, max_attempts, worker_ids, return_value, errors, locked_by, heartbeat_at,
  lease_expires_at)
SELECT
  (lpad(to_hex((extract(epoch FROM s.enqueued_at) * 1000)::bigint), 12, '0') || '7' || substr(s.h, 1, 3) || '8' ||
   substr(s.h, 4, 15))::uuid,
  s.name, s.status, s.queue, 'default', 0, jsonb_build_object('userId', s.i),
  CASE WHEN s.status = 'NEW' AND s.i % 200 = 7 THEN now() + interval '1 day' ELSE s.enqueued_at END,
  s.enqueued_at,
  CASE WHEN s.status IN ('NEW', 'CANCELLED') THEN NULL ELSE s.enqueued_at + interval '1 second' END,
  CASE WHEN s.status IN ('COMPLETE', 'FAILED', 'CANCELLED') THEN s.enqueued_at + interval '2 seconds' END,
  CASE WHEN s.status IN ('NEW', 'CANCELLED') THEN NULL ELSE s.enqueued_at + interval '1 second' END,
  CASE WHEN s.status IN ('NEW', 'CANCELLED') THEN 0 WHEN s.status = 'FAILED' THEN 3 ELSE 1 END,
  CASE WHEN s.status = 'FAILED' THEN 3 ELSE 1 END,
  CASE WHEN s.status IN ('NEW', 'CANCELLED') THEN '[]'::jsonb ELSE jsonb_build_array('worker-' || (s.i % 4)) END,
  CASE WHEN s.status = 'COMPLETE' THEN jsonb_build_object('ok', true) END,
  CASE WHEN s.status = 'FAILED' THEN jsonb_build_array(jsonb_build_object('exceptionClass', 'PaymentDeclined',
    'message', 'card declined for order ' || s.i, 'traceback', 'PaymentDeclined: card declined' || chr(10) || '    at charge (tasks.ts:12:11)'))
    ELSE '[]'::jsonb END,
  CASE WHEN s.status = 'RUNNING' THEN 'worker-' || (s.i % 4) END,
  CASE WHEN s.status = 'RUNNING' THEN now() END,
  CASE WHEN s.status = 'RUNNING' THEN now() + interval '30 seconds' END
FROM (
  SELECT g.i, md5(g.i::text) AS h,
         now() - interval '24 hours' + (g.i * interval '24 hours') / $1::int AS enqueued_at,
         (ARRAY['emails.sendWelcome', 'emails.sendDigest', 'billing.charge', 'billing.refund', 'reports.generate',
                'reports.export', 'sync.account', 'sync.contacts'])[1 + (g.i::bigint * 7919) % 8] AS name,
         (ARRAY['emails', 'emails', 'default', 'default', 'reports', 'reports', 'default', 'default'])[1 + (g.i::bigint * 7919) % 8] AS queue,
         CASE WHEN g.i > $1::int * 0.995 THEN 'NEW' WHEN g.i > $1::int * 0.9945 THEN 'RUNNING'
              WHEN g.i % 200 = 7 THEN 'NEW' WHEN g.i % 10000 = 6 THEN 'CANCELLED' WHEN g.i % 100 < 3 THEN 'FAILED'
              ELSE 'COMPLETE' END AS status
  FROM generate_series(1, $1::int) AS g(i)
) AS s`;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const server = await startPostgres();
const url = await server.createDatabase(`dashboard_timing_${process.pid}`);
let prisma: { $disconnect(): Promise<void> } | undefined;
try {
  await applyMigrations({ provider: "postgresql", url });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let started = performance.now();
  await admin.query(SEED, [rows]);
  console.log(`seeded ${rows.toLocaleString("en-US")} rows in ${seconds(performance.now() - started)}`);
  started = performance.now();
  await admin.query("VACUUM ANALYZE task_results");
  console.log(`VACUUM ANALYZE in ${seconds(performance.now() - started)}`);
  const [failed] = (await admin.query("SELECT id FROM task_results WHERE status = 'FAILED' ORDER BY id DESC LIMIT 1")).rows as { id: string }[];
  await admin.end();

  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) }).$extends(withTasks({ tasks: [] }));
  prisma = client;
  const http = createServer(toNodeHandler(createDashboard({ prisma: client })));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
  const pages: [name: string, path: string][] = [
    ["overview", "/"],
    ["overview, live part", "/overview/live"],
    ["list, newest", "/tasks"],
    ["list, FAILED billing.charge in default", "/tasks?status=FAILED&task=billing.charge&queue=default"],
    ["list, NEW in emails", "/tasks?status=NEW&queue=emails"],
    ["list, last hour's sync.account", `/tasks?task=sync.account&from=${hourAgo}`],
    ["list, a task name no row has", "/tasks?task=no.such.task"],
    ["task detail (FAILED)", `/tasks/${failed!.id}`],
    ["bulk retry confirmation (a dry run of retryMany)", "/tasks/retry-failed?status=FAILED&task=billing.charge&queue=default"],
    ["metrics", "/metrics"],
  ];
  console.log(`\n| page | median | slowest of ${RUNS} |\n| --- | ---: | ---: |`);
  for (const [name, path] of pages) {
    const times: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const start = performance.now();
      const response = await fetch(`${origin}${path}`);
      await response.text();
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      if (run > 0) times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${Math.round(times[Math.floor(times.length / 2)]!)} ms | ${Math.round(times.at(-1)!)} ms |`);
  }
  http.closeAllConnections();
  http.close();
} finally {
  await prisma?.$disconnect();
  await server.stop();
}
