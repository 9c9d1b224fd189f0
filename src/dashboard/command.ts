// The options of `tasks-worker dashboard`, checked when the command line is parsed (this module loads nothing else).
import { isIP } from "node:net";
import { parseArgs } from "node:util";

const DEFAULT_PORT = 4310;
const DEFAULT_HOST = "127.0.0.1";
const TOKEN_VARIABLE = "TASKS_DASHBOARD_TOKEN";

export interface DashboardCommand {
  kind: "dashboard";
  config: string;
  port: number;
  host: string;
  readOnly: boolean;
  token: string | undefined;
}

/** Whether a host name or address only this machine can reach. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

/** Reads the options after `dashboard`; `usageError` makes the worker CLI's error for a bad one (exit code 2). */
export function parseDashboardCommand(argv: readonly string[], usageError: (message: string) => Error, env = process.env): DashboardCommand {
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
    throw usageError(`dashboard: ${(error as Error).message.split("\n")[0]}`);
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (values.port?.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw usageError(`dashboard --port ${JSON.stringify(values.port)}: must be a whole number from 0 to 65535 (0 picks a free port)`);
  }
  const host = values.host ?? DEFAULT_HOST;
  const token = values.token ?? (env[TOKEN_VARIABLE] || undefined);
  if (token !== undefined && token.length < 8) throw usageError("dashboard --token: must be at least 8 characters");
  if (!isLoopback(host) && token === undefined) {
    throw usageError(
      `dashboard --host ${host}: other machines could reach the dashboard, so it needs a token. ` +
        `Fix: add --token T or set ${TOKEN_VARIABLE} (or keep --host 127.0.0.1 and reach it through an SSH tunnel).`,
    );
  }
  return { kind: "dashboard", config: values.config ?? "tasks.config.ts", port, host, readOnly: values["read-only"] ?? false, token };
}
