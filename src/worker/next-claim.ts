// The claim loop's decision, as a pure function of the worker's state: claim (how many), finish, or wait.

/** Claims out at once at most, when tasks run side by side. */
const MAX_CLAIMS = 2;

export interface ClaimState {
  concurrency: number;
  prefetch: number;
  /** Finish once no task is ready. */
  batch: boolean;
  maxTasks: number | undefined;
  /** Tasks running, claimed and waiting for a slot, and asked for by the claims out. */
  running: number;
  buffered: number;
  requested: number;
  claimsOut: number;
  /** Tasks claimed so far. */
  claimed: number;
  /** Claims are failing to reach the database. */
  failing: boolean;
  /** A wake-up (a notification, a poll, a full claim) came since the latest answer that found nothing more. */
  maybeMore: boolean;
  /** The latest claim to answer found no task. */
  lastClaimEmpty: boolean;
  /** No outcome is being written, and none was written while the latest claim was out. */
  outcomesSettled: boolean;
}

export type ClaimDecision =
  /** Start a claim of up to `limit` tasks. */
  | { kind: "claim"; limit: number }
  /** The batch ran out of ready tasks, or maxTasks have run: stop. */
  | { kind: "finish" }
  /** A batch found nothing, but an outcome being written may send a task back to NEW: look again once it has landed. */
  | { kind: "settle-outcomes" }
  /** A batch worker with nothing to do: look again at once. */
  | { kind: "look-again" }
  /** Wait for a wake-up: a claim's answer, a finished task, a notification, a poll, stop(). */
  | { kind: "wait" };

export function nextClaim(state: ClaimState): ClaimDecision {
  const { concurrency, prefetch, maxTasks, running, buffered, requested, claimsOut } = state;
  // Claims of at least `step` tasks may overlap: one claim at a time caps a busy worker at what one statement claims
  // per unit of time, however large the claims.
  const step = Math.max(1, Math.ceil(prefetch / 2));
  // Claims that overlap may take rows out of order (each skips the other's locked rows): a worker that runs one task
  // at a time keeps one claim out, so it runs tasks strictly in claim order.
  const maxClaims = concurrency > 1 ? MAX_CLAIMS : 1;
  const idle = running === 0 && buffered === 0 && claimsOut === 0;
  if (maxTasks !== undefined && maxTasks - state.claimed <= 0 && idle) return { kind: "finish" };
  const claimable = maxTasks === undefined ? Infinity : maxTasks - state.claimed - requested;
  const room = Math.min(concurrency + prefetch - running - buffered - requested, claimable);
  // Claim again before the buffer runs dry, so running tasks never wait on the database between batches; while a
  // claim is out, a second one only for a full step, and not while the database is failing.
  const claimNow =
    state.maybeMore &&
    room > 0 &&
    (claimsOut === 0
      ? buffered < Math.max(concurrency, prefetch / 2) || room >= step
      : claimsOut < maxClaims && !state.failing && room >= step);
  // At most a step (or a slot per free task) at a time: the first tasks start sooner, and claims overlap.
  if (claimNow) return { kind: "claim", limit: Math.min(room, Math.max(step, concurrency - running)) };
  if (state.batch && idle) return state.lastClaimEmpty ? (state.outcomesSettled ? { kind: "finish" } : { kind: "settle-outcomes" }) : { kind: "look-again" };
  return { kind: "wait" };
}
