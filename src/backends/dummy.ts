// The dummy backend: records what was enqueued (after commit, in a transaction) and runs nothing; for tests.
import type { TaskResult } from "../result.js";
import { MemoryBackend } from "./memory.js";

export class DummyBackend extends MemoryBackend {
  readonly kind = "dummy";
  readonly capabilities = {
    joinsTransactions: false,
    persistsResults: false,
    usesWorkers: false,
    supportsDefer: true,
    supportsPriority: true,
  };

  /** Every task enqueued (and committed) so far, oldest first. Each is NEW (or CANCELLED by a cancel): nothing runs. */
  get results(): TaskResult[] {
    return this.store.all().map((data) => this.result(data));
  }

  clear(): void {
    this.store.clear();
  }
}
