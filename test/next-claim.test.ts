// Specification of the claim loop's decision (nextClaim): when a worker claims, how many tasks, and when it finishes.
import { describe, expect, test } from "vitest";
import { nextClaim, type ClaimState } from "../src/worker/next-claim.js";

/** A worker of concurrency 10 (prefetch 10) with nothing running, nothing claimed, and a wake-up unanswered. */
const idle: ClaimState = {
  concurrency: 10,
  prefetch: 10,
  batch: false,
  maxTasks: undefined,
  running: 0,
  buffered: 0,
  requested: 0,
  claimsOut: 0,
  claimed: 0,
  failing: false,
  maybeMore: true,
  lastClaimEmpty: false,
  outcomesSettled: true,
};

describe("nextClaim", () => {
  test("an idle worker with a wake-up unanswered claims a slot per free task", () => {
    expect(nextClaim(idle)).toEqual({ kind: "claim", limit: 10 });
  });

  test("with no wake-up unanswered it waits, however much room it has", () => {
    expect(nextClaim({ ...idle, maybeMore: false })).toEqual({ kind: "wait" });
  });

  test("a second claim may go out beside the first, for a full step of prefetch, while the database answers", () => {
    const busy = { ...idle, running: 10, requested: 5, claimsOut: 1 };
    expect(nextClaim(busy)).toEqual({ kind: "claim", limit: 5 });
    expect(nextClaim({ ...busy, failing: true })).toEqual({ kind: "wait" });
    expect(nextClaim({ ...busy, claimsOut: 2 })).toEqual({ kind: "wait" });
  });

  test("a worker that runs one task at a time keeps one claim out, so it runs tasks in claim order", () => {
    expect(nextClaim({ ...idle, concurrency: 1, prefetch: 1, requested: 1, claimsOut: 1 })).toEqual({ kind: "wait" });
  });

  test("with maxTasks it never asks for more than remain, and finishes once they have run", () => {
    expect(nextClaim({ ...idle, maxTasks: 3, claimed: 1 })).toEqual({ kind: "claim", limit: 2 });
    expect(nextClaim({ ...idle, maxTasks: 3, claimed: 3, running: 1 })).toEqual({ kind: "wait" });
    expect(nextClaim({ ...idle, maxTasks: 3, claimed: 3 })).toEqual({ kind: "finish" });
  });

  test("a batch worker finishes when idle after a claim that found nothing, once outcomes have settled", () => {
    const empty = { ...idle, batch: true, maybeMore: false, lastClaimEmpty: true };
    expect(nextClaim(empty)).toEqual({ kind: "finish" });
    expect(nextClaim({ ...empty, outcomesSettled: false })).toEqual({ kind: "settle-outcomes" });
    expect(nextClaim({ ...empty, lastClaimEmpty: false })).toEqual({ kind: "look-again" });
    expect(nextClaim({ ...empty, running: 1 })).toEqual({ kind: "wait" });
  });

  test("a batch worker with a wake-up unanswered claims again rather than finishing", () => {
    expect(nextClaim({ ...idle, batch: true, lastClaimEmpty: true })).toEqual({ kind: "claim", limit: 10 });
  });
});
