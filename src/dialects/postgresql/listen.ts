// Wake-ups from PostgreSQL: a dedicated connection LISTENs for enqueues and for cancels of running tasks, and
// reconnects when dropped.
import type { ClientConfig } from "pg";
import type { DialectLog, Notifications, WakeUps } from "../types.js";
import type { OwnConnection } from "./connection.js";
import { quoteIdentifier } from "./names.js";

const MAX_BACKOFF_MS = 10_000;

class Listener implements WakeUps {
  /**
   * The connection being opened or open. Events of any other (one given up on, or ended) are ignored: acting on a
   * late error of an old connection would schedule a second reconnect and leave two connections listening.
   */
  #current: import("pg").Client | undefined;
  #stopped = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ClientConfig,
    private readonly channel: string,
    private readonly cancelChannel: string,
    /** onWake is called with the queue name of each enqueue, and with undefined after a (re)connect. */
    private readonly notifications: Notifications,
    private readonly log: DialectLog,
  ) {}

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#current;
    this.#current = undefined;
    await client?.end().catch(() => {});
  }

  async connect(): Promise<void> {
    if (this.#stopped) return;
    let client: import("pg").Client | undefined;
    try {
      const { default: pg } = await import("pg");
      client = new pg.Client(this.connection);
      this.#current = client;
      const connecting = client;
      client.on("notification", (message) => {
        if (message.channel === this.cancelChannel) {
          if (message.payload) this.notifications.onCancel(message.payload);
        } else {
          this.notifications.onWake(message.payload);
        }
      });
      client.on("error", (error) => this.#lost(connecting, error));
      client.on("end", () => this.#lost(connecting, new Error("connection ended")));
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.cancelChannel)}`);
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      this.#lost(client, error);
      return;
    }
    // Lost while connecting: #lost ended it and scheduled the next try.
    if (this.#current !== client) return;
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    if (this.#failures > 0) {
      this.log({ level: "info", event: "listen-restored", message: "listening for new tasks again" });
    }
    this.#failures = 0;
    // Tasks enqueued while the connection was down sent notifications nobody heard: look for them now. Cancels missed
    // meanwhile reach the worker through its next heartbeat.
    this.notifications.onWake(undefined);
  }

  #lost(client: import("pg").Client | undefined, error: unknown): void {
    // `client` is undefined only when no connection could be made at all (pg failed to load).
    if (this.#stopped || client !== this.#current) return;
    this.#current = undefined;
    client?.removeAllListeners("end");
    client?.end().catch(() => {});
    this.#failures++;
    const delay = Math.min(250 * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
    this.log({
      level: "warn",
      event: "listen-lost",
      message: `lost the LISTEN connection; reconnecting in ${delay} ms (polling meanwhile)`,
      error: String((error as Error)?.message ?? error),
    });
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.connect();
    }, delay);
  }
}

/**
 * Listens on `channel` (enqueues) and `cancelChannel` through its own connection; undefined (polling only, said once in
 * the log) where it cannot: no readable settings, or a transaction-mode pooler.
 */
export function listen(
  connection: OwnConnection,
  channels: { channel: string; cancelChannel: string },
  notifications: Notifications,
  log: DialectLog,
): WakeUps | undefined {
  const { settings, transactionPooler } = connection;
  if (!settings || transactionPooler) {
    const why = settings
      ? "the database URL goes through a pooler in transaction mode, where LISTEN hears nothing"
      : "cannot read the connection settings of this Prisma client's adapter (only @prisma/adapter-pg's can be read)";
    const fix = "Fix: give the worker a direct URL to the database (defineConfig({ directUrl }), TASKS_DIRECT_URL or DIRECT_URL)";
    log({ level: "warn", event: "no-listen", message: `${why}: wake-ups are off, polling for new tasks. ${fix}` });
    return undefined;
  }
  const listener = new Listener(settings, channels.channel, channels.cancelChannel, notifications, log);
  // The first claim does not wait for the connection: once it listens, the listener wakes the worker for a look, which
  // finds whatever was enqueued before it heard anything.
  void listener.connect();
  return listener;
}
