// npm run demo: a tour on a real database (a SQLite file by default, PostgreSQL or MySQL with DATABASE_URL): migrate, enqueue
// in committed and rolled-back transactions, run a worker with a live progress line, print what happened.
import { mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { setUpAppDatabase } from "./db/migrations.js";

const serverUrl = /^(postgres|mysql|mariadb)/.test(process.env.DATABASE_URL ?? "") ? process.env.DATABASE_URL : undefined;
if (!serverUrl) {
  mkdirSync(".demo", { recursive: true });
  process.env.DATABASE_FILE = resolve(".demo/demo.sqlite");
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${process.env.DATABASE_FILE}${suffix}`, { force: true });
}
const provider = serverUrl?.startsWith("postgres") ? "postgresql" : serverUrl ? "mysql" : "sqlite";
const target = { provider, url: serverUrl ?? process.env.DATABASE_FILE! } as const;
console.log(`Database: ${serverUrl ? serverUrl.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1****@") : target.url}`);
const applied = await setUpAppDatabase(target);
console.log(`Migrations applied: ${applied.length ? applied.join(", ") : "none needed"}\n`);

// Imported after DATABASE_FILE is set: examples/db.ts reads it.
const { Worker } = await import("../src/index.js");
const { prisma } = await import("../examples/prisma.js");
const { signUp } = await import("../examples/signup.js");
const { chargeCard, generateReport, sendWelcomeEmail } = await import("../examples/tasks.js");

// On a server of your own, only the demo's earlier rows are cleared (it is meant for a scratch database).
if (serverUrl) await prisma.taskResult.deleteMany({ where: { taskName: { in: [generateReport.name, chargeCard.name, sendWelcomeEmail.name] } } });
const stamp = Date.now();
const ada = await signUp(`ada-${stamp}@example.com`);
const grace = await signUp(`grace-${stamp}@example.com`);
console.log(`committed: signed up ${ada.email} and ${grace.email}, each with a welcome email on the "emails" queue`);

try {
  await signUp(ada.email);
} catch {
  console.log(`rolled back: signing up ${ada.email} again failed on the unique email, so its welcome email was never stored`);
}
await prisma.$tasks.enqueue(generateReport, { month: "2026-11" }, { runAfter: 1_500 });
console.log("delayed: a monthly report that may not start before 1.5 s from now");
await prisma.$tasks.enqueue(generateReport.using({ priority: 50 }), { month: "2026-10" });
console.log("urgent: the same task at priority 50, so it runs first");
await prisma.$tasks.enqueueMany(chargeCard, [
  { orderId: 1, cents: 1_999 },
  { orderId: 2, cents: 250_000 },
]);
console.log("bulk: two card charges in one INSERT; order 2 is over the limit and will fail 3 times\n");

const total = await prisma.taskResult.count();
const worker = new Worker({ prisma, queues: "*", concurrency: 4, interval: 0.1, startupDelay: false });
const running = worker.run();
const counts = async () => {
  const rows = await prisma.taskResult.groupBy({ by: ["status"], _count: true });
  return Object.fromEntries(rows.map((row) => [row.status, row._count])) as Record<string, number>;
};
let shown = "";
for (;;) {
  const now = await counts();
  const finished = (now.COMPLETE ?? 0) + (now.FAILED ?? 0) + (now.CANCELLED ?? 0);
  const line = `worker ${worker.workerId}: ${["NEW", "RUNNING", "COMPLETE", "FAILED"].map((status) => `${status} ${now[status] ?? 0}`).join("  ")}  (${finished}/${total} finished)`;
  // One line redrawn in place on a terminal; a new line per change when the output is piped.
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else if (line !== shown) process.stdout.write(`${line}\n`);
  shown = line;
  if (finished === total) break;
  await new Promise((done) => setTimeout(done, 100));
}
process.stdout.write(process.stdout.isTTY ? "\n\n" : "\n");
await worker.stop();
await running;

const rows = await prisma.taskResult.findMany({ orderBy: { enqueuedAt: "asc" } });
const table = rows.map((row) => {
  const errors = row.errors as { exceptionClass: string; message: string }[];
  const last = errors.at(-1);
  const duration = row.startedAt && row.finishedAt ? `${row.finishedAt.getTime() - row.startedAt.getTime()} ms` : "";
  return {
    id: row.id.slice(0, 13),
    task: row.taskName,
    queue: row.queueName,
    status: row.status,
    attempts: row.attempts,
    duration,
    "return value or error": row.status === "COMPLETE" ? JSON.stringify(row.returnValue) : last ? `${last.exceptionClass}: ${last.message}` : "",
  };
});
console.table(table);
console.log(`\nInspect the rows yourself: npx prisma studio --url "${serverUrl ?? `file://${target.url}`}" (README, "Inspecting tasks in Prisma Studio").`);
if (process.argv.includes("--dashboard")) {
  const { serveDashboard } = await import("../src/dashboard/cli.js");
  await serveDashboard({ port: 4310, host: "127.0.0.1", readOnly: false, token: undefined }, prisma);
}
await prisma.$disconnect();
