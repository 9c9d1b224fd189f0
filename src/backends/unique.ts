// Unique keys within one enqueue batch: one task per key goes to the backend, and every task of the batch gets the
// outcome of the one that stood for it.
import type { UniqueKey } from "../dialects/types.js";
import type { EnqueueOutcome } from "../result.js";
import type { PreparedTask } from "./types.js";

/** What a backend did with one task of a batch: the task it stands for now (its own or the key's holder), and how. */
export type Enqueued<T> = readonly [task: T, outcome: EnqueueOutcome];

/** A key as one string, to match holders to tasks: task names and keys never contain NUL. */
export function keyOf(key: UniqueKey): string {
  return `${key.taskName}\u0000${key.uniqueKey}`;
}

/** Unkeyed tasks first, then by key. */
function compareKeys(a: PreparedTask, b: PreparedTask): number {
  if (a.uniqueKey === null || b.uniqueKey === null) return Number(a.uniqueKey !== null) - Number(b.uniqueKey !== null);
  const [x, y] = [keyOf(a), keyOf(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Enqueues a batch through `store`, which gets at most one task per key and answers for each; a task with the key of
 * an earlier one in the batch gets that one's answer, deduplicated (or, with onConflict "replace", replaced). With
 * "replace" the task stored for a key carries the args of the key's last task in the batch, as if each replaced the
 * one before, unless the backend cannot replace (`replaces` false: there "replace" acts as "skip"). A batch without
 * keys goes to `store` as it is.
 */
export async function enqueueDistinct<T>(
  batch: readonly PreparedTask[],
  store: (tasks: readonly PreparedTask[]) => Promise<readonly Enqueued<T>[]>,
  replaces = true,
): Promise<Enqueued<T>[]> {
  if (!batch.some((task) => task.uniqueKey !== null)) return [...(await store(batch))];
  const firsts = new Map<string, number>();
  const distinct: PreparedTask[] = [];
  const standIns = batch.map((task) => {
    if (task.uniqueKey === null) return distinct.push(task) - 1;
    const key = keyOf(task);
    const first = firsts.get(key);
    if (first === undefined) {
      firsts.set(key, distinct.length);
      return distinct.push(task) - 1;
    }
    if (replaces && task.onConflict === "replace") distinct[first] = { ...distinct[first]!, args: task.args, argsValue: task.argsValue };
    return first;
  });
  // Keys in one order for every batch: two batches that wait on each other's uncommitted keys in opposite orders
  // would deadlock on PostgreSQL.
  const order = distinct.map((_, index) => index).sort((a, b) => compareKeys(distinct[a]!, distinct[b]!));
  const sortedAnswers = await store(order.map((index) => distinct[index]!));
  const answers: Enqueued<T>[] = [];
  order.forEach((index, position) => (answers[index] = sortedAnswers[position]!));
  const seen = new Set<number>();
  return batch.map((task, index) => {
    const standIn = standIns[index]!;
    const [stored, outcome] = answers[standIn]!;
    if (!seen.has(standIn)) {
      seen.add(standIn);
      return [stored, outcome];
    }
    // A later task of the key stored nothing of its own: it found the key held by the task stored for it just before.
    const later: EnqueueOutcome = replaces && task.onConflict === "replace" ? "replaced" : "deduplicated";
    return [stored, outcome === "stored" ? later : outcome];
  });
}
