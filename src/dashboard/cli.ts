// tasks-worker dashboard: serves the dashboard over HTTP until SIGINT or SIGTERM.
import { createServer } from "node:http";
import type { DashboardCommand } from "./command.js";
import { createDashboard, toNodeHandler } from "./index.js";

/** Serves until SIGINT or SIGTERM; resolves to the exit code. The caller disconnects the client. */
export async function serveDashboard(command: Pick<DashboardCommand, "port" | "host" | "readOnly" | "token">, prisma: unknown): Promise<number> {
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
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    console.log("dashboard: stopped");
    return 0;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
