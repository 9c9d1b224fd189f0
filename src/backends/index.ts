// Backends from withTasks' configuration: one instance per alias.
import type { Dialect, SqlClient } from "../dialects/types.js";
import { InvalidConfig } from "../errors.js";
import { DatabaseBackend } from "./database.js";
import { DummyBackend } from "./dummy.js";
import { ImmediateBackend } from "./immediate.js";
import type { Backend, BackendKind, TaskHooks } from "./types.js";

export type { Backend, BackendCapabilities, BackendKind, PreparedTask, TaskHooks } from "./types.js";
export { DatabaseBackend, DummyBackend, ImmediateBackend };

export interface BackendConfig {
  backend: BackendKind;
  /** The queues this alias serves; every queue when omitted. */
  queues?: readonly string[];
}

const KINDS: readonly BackendKind[] = ["database", "immediate", "dummy"];

function checkQueues(alias: string, queues: unknown): readonly string[] | "*" {
  if (queues === undefined) return "*";
  if (!Array.isArray(queues) || queues.length === 0 || queues.some((queue) => typeof queue !== "string" || !queue)) {
    throw new InvalidConfig(
      `Backend "${alias}": queues must be a non-empty list of queue names, such as ["default", "emails"]; got ` +
        `${JSON.stringify(queues)}. Fix: list the queues, or leave queues out to serve every queue.`,
    );
  }
  return [...queues];
}

export function createBackends(
  config: Record<string, BackendConfig> | undefined,
  database: { dialect: Dialect; client: SqlClient },
  hooks: TaskHooks,
): Map<string, Backend> {
  const entries = Object.entries(config ?? { default: { backend: "database" } });
  if (entries.length === 0) {
    throw new InvalidConfig(`withTasks: backends is empty. Fix: give at least one, e.g. { default: { backend: "database" } }.`);
  }
  const backends = new Map<string, Backend>();
  for (const [alias, entry] of entries) {
    if (alias.length > 64) {
      throw new InvalidConfig(`Backend alias "${alias.slice(0, 20)}...": at most 64 characters (it is stored in each task's row). Fix: a shorter alias.`);
    }
    if (typeof entry !== "object" || entry === null || !KINDS.includes(entry.backend)) {
      throw new InvalidConfig(
        `Backend "${alias}": backend must be one of ${KINDS.map((kind) => `"${kind}"`).join(", ")}; got ` +
          `${JSON.stringify((entry as { backend?: unknown } | null)?.backend)}. Fix: { ${alias}: { backend: "database" } }.`,
      );
    }
    const queues = checkQueues(alias, entry.queues);
    if (entry.backend === "database") backends.set(alias, new DatabaseBackend(alias, queues, database.dialect, database.client));
    if (entry.backend === "immediate") backends.set(alias, new ImmediateBackend(alias, queues, hooks));
    if (entry.backend === "dummy") backends.set(alias, new DummyBackend(alias, queues));
  }
  return backends;
}
