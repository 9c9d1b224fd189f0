// A real MySQL-family server for tests, the demo and the benchmark: a private MariaDB (Debian's mariadb-server) on a
// temporary data directory and a free port, or the server in MYSQL_URL.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mariadb";
import { freePort } from "./postgres.js";

/** Characters of the server's output kept for error messages. */
const LOG_TAIL = 20_000;

export interface MysqlServer {
  /** The URL of a database on this server. */
  url(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (clients are disconnected); `start()` brings it back with its data. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and deletes its files. */
  stop(): Promise<void>;
  /** What the server says it is, e.g. "10.11.19-MariaDB-0+deb12u1". */
  version: string;
}

/** The first of these programs that exists: Debian ships both names, other systems one of them. */
function program(...candidates: string[]): string {
  for (const candidate of candidates) {
    if (existsSync(candidate)) return candidate;
    const found = spawnSync("sh", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  throw new Error(
    `no MariaDB or MySQL server found (${candidates.join(", ")}). Fix: apt-get install -y mariadb-server, or set ` +
      "MYSQL_URL=mysql://USER:PASSWORD@HOST:3306/DATABASE to a server whose user may create databases.",
  );
}

async function adminQuery(url: string, sql: string): Promise<unknown> {
  const connection = await createConnection(connectionOptions(url));
  try {
    return await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/**
 * The driver's options for a mysql:// URL. The driver gives up on a connection after 1 s by default: a test suite's
 * workers and servers on two busy cores took longer (a test failed creating its database).
 */
export function connectionOptions(url: string) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port) || 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    connectTimeout: 30_000,
  };
}

function external(mysqlUrl: string, version: string): MysqlServer {
  const url = (database: string) => {
    const parsed = new URL(mysqlUrl);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  const refuse = async () => {
    throw new Error("MYSQL_URL points at a server this process did not start, so it cannot stop or start it");
  };
  return {
    url,
    async createDatabase(name) {
      await adminQuery(mysqlUrl, `CREATE DATABASE \`${name}\``);
      return url(name);
    },
    pause: refuse,
    start: refuse,
    stop: async () => {},
    version,
  };
}

/** Waits until the server answers on `url`, or fails with its output when it exits first. */
async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with code ${child.exitCode}:\n${output()}`);
    try {
      await adminQuery(url, "SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`mariadbd did not answer within 60 s (${String(error)}):\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts a private MariaDB: a data directory made by mariadb-install-db in a temporary folder, a server on a free port
 * of 127.0.0.1 (no socket file of the system's), and a root user with a password over TCP. As root, the server runs as
 * the `mysql` user that the Debian package creates.
 */
export async function startMysql(options: { useMysqlUrl?: boolean } = {}): Promise<MysqlServer> {
  const mysqlUrl = process.env.MYSQL_URL;
  if ((options.useMysqlUrl ?? true) && mysqlUrl) {
    const rows = (await adminQuery(mysqlUrl, "SELECT version() AS version")) as { version: string }[];
    return external(mysqlUrl, rows[0]!.version);
  }
  const server = program("/usr/sbin/mariadbd", "/usr/sbin/mysqld", "mariadbd", "mysqld");
  const installDb = program("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db", "mariadb-install-db");
  const parent = await mkdtemp(join(tmpdir(), "prisma-tasks-mysql-"));
  await chmod(parent, 0o777);
  const dataDir = join(parent, "data");
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ["--user=mysql"] : [];
  const install = spawnSync(installDb, [...user, "--auth-root-authentication-method=normal", `--datadir=${dataDir}`, "--skip-test-db"], {
    encoding: "utf8",
  });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed:\n${install.stdout}${install.stderr}`);
  const port = await freePort();
  const password = "tasks";
  // The data directory's root user signs in over the socket only; the server gives the one the tests use, with a
  // password over TCP, at each start.
  const initFile = join(parent, "init.sql");
  await writeFile(
    initFile,
    `CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '${password}';\nGRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n`,
  );
  await chmod(initFile, 0o644);
  let child: ChildProcess | undefined;
  let log = "";
  const launch = async () => {
    log = "";
    child = spawn(
      server,
      [
        "--no-defaults",
        ...user,
        `--datadir=${dataDir}`,
        `--socket=${join(parent, "mysqld.sock")}`,
        `--pid-file=${join(parent, "mysqld.pid")}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--max-connections=500",
        // Tests make and drop many small databases: keep the server's files and memory small.
        "--innodb-buffer-pool-size=128M",
        "--innodb-log-file-size=48M",
        "--innodb-flush-log-at-trx-commit=2",
        "--skip-name-resolve",
        `--init-file=${initFile}`,
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    // The server's last lines, for the error when it does not come up: a run of hours keeps no more than these.
    const keep = (chunk: Buffer) => (log = (log + chunk).slice(-LOG_TAIL));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    await waitUntilUp(`mysql://root:${password}@127.0.0.1:${port}/`, child, () => log);
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    // A shutdown that hangs (a stuck flush) must not hold up the tests' teardown: killed after 30 s.
    const kill = setTimeout(() => running.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(kill);
  };
  const cleanup = () => child?.kill("SIGKILL");
  process.once("exit", cleanup);
  await launch();
  const url = (database: string) => `mysql://root:${password}@127.0.0.1:${port}/${database}`;
  const rows = (await adminQuery(url(""), "SELECT version() AS version")) as { version: string }[];
  let stopped = false;
  return {
    url,
    async createDatabase(name) {
      await adminQuery(url(""), `CREATE DATABASE \`${name}\``);
      return url(name);
    },
    pause: halt,
    start: launch,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", cleanup);
      await halt();
      await rm(parent, { recursive: true, force: true });
    },
    version: rows[0]!.version,
  };
}
