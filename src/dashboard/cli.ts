// tasks-worker dashboard: serves the dashboard over HTTP, on the loopback interface unless told otherwise with a token.
import { createServer } from "node:http";
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { createDashboard, toNodeHandler } from "./index.js";

const DEFAULT_PORT = 4310;
const DEFAULT_HOST = "127.0.0.1";
const TOKEN_VARIABLE = "TASKS_DASHBOARD_TOKEN";

/** What the worker CLI lends the command: its config loader and its usage error (exit code 2). */
export interface CliSupport {
  loadConfig(path: string): Promise<{ prisma: { $disconnect(): Promise<void> } }>;
  usageError(message: string): Error;
}

/** Whether a host name or address only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

interface DashboardCommand {
  config: string;
  port: number;
  host: string;
  readOnly: boolean;
  token: string | undefined;
}

export function parseDashboardCommand(argv: readonly string[], support: CliSupport, env = process.env): DashboardCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        config: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        "read-only": { type: "boolean" },
        token: { type: "string" },
      },
    }));
  } catch (error) {
    throw support.usageError(`dashboard: ${(error as Error).message.split("\n")[0]}`);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw support.usageError(`dashboard --port ${JSON.stringify(values.port)}: must be a whole number from 0 to 65535 (0 picks a free port)`);
  }
  const host = values.host ?? DEFAULT_HOST;
  const token = values.token ?? (env[TOKEN_VARIABLE] || undefined);
  if (token !== undefined && token.length < 8) throw support.usageError("dashboard --token: must be at least 8 characters");
  if (!isLoopback(host) && token === undefined) {
    throw support.usageError(
      `dashboard --host ${host}: other machines could reach the dashboard, so it needs a token. ` +
        `Fix: add --token T or set ${TOKEN_VARIABLE} (or keep --host 127.0.0.1 and reach it through an SSH tunnel).`,
    );
  }
  return { config: values.config ?? "tasks.config.ts", port, host, readOnly: values["read-only"] ?? false, token };
}

/** Serves until SIGINT or SIGTERM; resolves to the exit code. */
export async function runDashboard(argv: readonly string[], support: CliSupport): Promise<number> {
  const command = parseDashboardCommand(argv, support);
  const { prisma } = await support.loadConfig(command.config);
  const handler = createDashboard({ prisma, readOnly: command.readOnly, token: command.token });
  const server = createServer(toNodeHandler(handler));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(command.port, command.host, resolve);
    });
    const { port } = server.address() as { port: number };
    const shown = command.host.includes(":") ? `[${command.host}]` : command.host;
    const notes = [command.readOnly && "read-only", command.token !== undefined && "token required"].filter(Boolean);
    console.log(`dashboard: serving http://${shown}:${port}/${notes.length ? ` (${notes.join(", ")})` : ""}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    console.log("dashboard: stopped");
    return 0;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await prisma.$disconnect().catch(() => {});
  }
}
