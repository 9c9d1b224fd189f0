// Wake-ups from PostgreSQL: a dedicated connection LISTENs for enqueue notifications and reconnects when dropped.
import type { ClientConfig } from "pg";
import type { Log } from "./log.js";

const MAX_BACKOFF_MS = 10_000;

export class Listener {
  #client: import("pg").Client | undefined;
  #stopped = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ClientConfig,
    private readonly channel: string,
    /** Called with the queue name of each notification, and with undefined after a (re)connect. */
    private readonly onWake: (queue: string | undefined) => void,
    private readonly log: Log,
  ) {}

  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { default: pg } = await import("pg");
    const client = new pg.Client(this.connection);
    client.on("notification", (message) => this.onWake(message.payload));
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      this.#lost(client, error);
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    if (this.#failures > 0) {
      this.log({ level: "info", event: "listen-restored", message: "listening for new tasks again" });
    }
    this.#failures = 0;
    // Tasks enqueued while the connection was down sent notifications nobody heard: look for them now.
    this.onWake(undefined);
  }

  #lost(client: import("pg").Client, error: unknown): void {
    if (this.#stopped || (this.#client !== undefined && this.#client !== client)) return;
    if (this.#client === undefined && this.#retry !== undefined) return;
    this.#client = undefined;
    client.removeAllListeners("end");
    client.end().catch(() => {});
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
      void this.#connect();
    }, delay);
  }
}
