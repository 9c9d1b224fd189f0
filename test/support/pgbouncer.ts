// A real PgBouncer in transaction mode in front of the suite's PostgreSQL, as hosted databases put one in front of theirs.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../../scripts/db/postgres.js";

export interface PgBouncer {
  /** `serverUrl` (a database on the server behind it) as reached through PgBouncer. */
  url(serverUrl: string): string;
  stop(): Promise<void>;
}

/** Where Debian's package puts it, /usr/sbin, is not on every user's PATH. */
function pgbouncerBinary(): string {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"]) {
    if (dir && existsSync(join(dir, "pgbouncer"))) return join(dir, "pgbouncer");
  }
  throw new Error("PgBouncer is not installed: apt-get install pgbouncer (.ci/run installs it when missing)");
}

/** PgBouncer refuses to run as root: as root, it runs as `postgres` (the user the embedded server runs as). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** Connects through PgBouncer until a statement answers; rejects with its output after `timeoutMs`. */
async function answers(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`PgBouncer exited with code ${child.exitCode}:\n${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PgBouncer did not answer within ${timeoutMs} ms (${String(error)}):\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/**
 * Starts PgBouncer in transaction mode on a free port in front of the server `serverUrl` names, with that URL's user and
 * password for clients and for the server, every database name passed through (`*`). Resolves once it answers.
 */
export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "prisma-tasks-pgbouncer-"));
  await chmod(dir, 0o755);
  const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
  await writeFile(join(dir, "users.txt"), `${quoted(user)} ${quoted(password)}\n`, { mode: 0o644 });
  await writeFile(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432} user=${user} password=${password}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      // More client connections than server ones, as hosted poolers have: a statement that relied on its session would
      // find another client's session, or none.
      "default_pool_size = 4",
      "max_client_conn = 500",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  let output = "";
  const child = spawn(pgbouncerBinary(), [join(dir, "pgbouncer.ini")], { ...runAs(), stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A test process that ends without stop() (a crash, a timeout) must not leave PgBouncer running.
  const orphaned = () => child.kill("SIGTERM");
  process.once("exit", orphaned);
  const url = (databaseUrl: string) => {
    const through = new URL(databaseUrl);
    through.hostname = "127.0.0.1";
    through.port = String(port);
    return through.toString();
  };
  const stop = async () => {
    process.removeListener("exit", orphaned);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await answers(url(serverUrl), child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
