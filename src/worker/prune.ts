// Prune: deletes finished tasks past their age limits in batches of bounded size, so memory and locks stay small
// whatever the backlog, reporting the running totals after each batch.
import type { Dialect, SqlClient } from "../dialects/index.js";
import type { PruneCounts, PruneRequest } from "../dialects/types.js";

export const DEFAULT_PRUNE_BATCH_SIZE = 5_000;

export interface PruneProgress extends PruneCounts {
  batches: number;
}

export interface PruneOptions {
  /** Rows deleted per statement. */
  batchSize?: number;
  /** Counts what would be deleted, and deletes nothing. */
  dryRun?: boolean;
  /** Called after each full batch (another follows) with the totals so far. */
  onBatch?(progress: PruneProgress): void;
}

export async function pruneTasks(dialect: Dialect, client: SqlClient, request: PruneRequest, options: PruneOptions = {}): Promise<PruneCounts> {
  if (options.dryRun) return dialect.countPrunable(client, request);
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH_SIZE;
  const totals: PruneProgress = { complete: 0, failed: 0, batches: 0 };
  for (;;) {
    const batch = await dialect.pruneBatch(client, request, batchSize);
    totals.complete += batch.complete;
    totals.failed += batch.failed;
    totals.batches++;
    if (batch.complete + batch.failed < batchSize) return { complete: totals.complete, failed: totals.failed };
    options.onBatch?.({ ...totals });
  }
}
