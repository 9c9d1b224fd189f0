// When the attempts of the fixtures' signal-ignoring tasks ran, as they recorded it.
import type { TasksPrisma } from "./app.js";

/** `<attempt>:started` and `<attempt>:ended` of the task run with this key, each in ms after the `since` it was given. */
export async function stamps(prisma: TasksPrisma, key: string): Promise<Record<string, number>> {
  const rows = await prisma.execution.findMany({ where: { key: { startsWith: `${key}:` } } });
  return Object.fromEntries(rows.map((row) => [row.key.slice(key.length + 1), row.count]));
}
