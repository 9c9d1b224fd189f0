// Names in PostgreSQL statements: task_results in the client's schema, that schema's NOTIFY channel, statements per table.
import { createHash } from "node:crypto";

/** The channel of tasks in the public schema; other schemas have one each (notifyChannel). */
export const NOTIFY_CHANNEL = "prisma_tasks";

/** The channel of cancels of running tasks in the public schema; other schemas have one each (cancelChannel). */
export const CANCEL_CHANNEL = "prisma_tasks_cancel";

/** PostgreSQL's longest identifier, in bytes: a longer channel name is refused by pg_notify and cut short by LISTEN. */
const MAX_IDENTIFIER_BYTES = 63;

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** task_results, schema-qualified: the table the app's Prisma client reads whatever the connection's search_path. */
export function taskTable(schema: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier("task_results")}`;
}

/**
 * Enqueues in one schema wake only the workers of that schema: apps that keep a schema per tenant in one database do
 * not wake every tenant's workers on each enqueue.
 */
export function notifyChannel(schema: string): string {
  return channelOf(NOTIFY_CHANNEL, schema);
}

/** Cancels in one schema reach only the workers of that schema, as notifyChannel's wake-ups do. */
export function cancelChannel(schema: string): string {
  return channelOf(CANCEL_CHANNEL, schema);
}

function channelOf(publicChannel: string, schema: string): string {
  if (schema === "public") return publicChannel;
  const channel = `${publicChannel}.${schema}`;
  if (Buffer.byteLength(channel) <= MAX_IDENTIFIER_BYTES) return channel;
  return `${publicChannel}.${createHash("sha1").update(schema).digest("hex").slice(0, 16)}`;
}

/** A statement built once per table, so each call sends the same text and the own pool reuses its prepared statement. */
export function perTable(build: (table: string) => string): (table: string) => string {
  const texts = new Map<string, string>();
  return (table) => {
    let text = texts.get(table);
    if (text === undefined) texts.set(table, (text = build(table)));
    return text;
  };
}

/** perTable for statements that also name their schema's NOTIFY channel. */
export function perTableAndChannel(build: (table: string, channel: string) => string): (table: string, channel: string) => string {
  const texts = new Map<string, string>();
  return (table, channel) => {
    const key = `${table} ${channel}`;
    let text = texts.get(key);
    if (text === undefined) texts.set(key, (text = build(table, channel)));
    return text;
  };
}
