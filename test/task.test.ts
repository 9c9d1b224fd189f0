// Specification of task(): option defaults and validation, using(), args parsing, runAfter, and the registry.
import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  DuplicateTaskName,
  InvalidTask,
  InvalidTaskArguments,
  TasksError,
  defaultRetryDelay,
  task,
} from "../src/index.js";
import { Task, TaskRegistry, parseArgs, resolveRunAfter, validateEnqueueOptions } from "../src/task.js";

const noop = async () => null;

/** The error `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw, but nothing was thrown");
}

/** Calls task() with options a user could only pass by escaping the types (plain JS, `as any`, JSON config). */
function taskFrom(options: Record<string, unknown>, fn: unknown = noop): Task<unknown, unknown> {
  return (task as (options: unknown, fn: unknown) => Task<unknown, unknown>)(options, fn);
}

describe("task() defaults", () => {
  const sendWelcomeEmail = task({ name: "accounts.sendWelcomeEmail" }, noop);

  test("runs on the default queue of the default backend at priority 0", () => {
    expect(sendWelcomeEmail).toMatchObject({ queueName: "default", backend: "default", priority: 0 });
  });

  test("makes one attempt with no timeout and no runAfter", () => {
    expect(sendWelcomeEmail).toMatchObject({ maxAttempts: 1, timeoutMs: undefined, runAfter: undefined });
  });

  test("keeps the function and the schema it was given", () => {
    const schema = z.object({ userId: z.number() });
    const fn = async ({ userId }: { userId: number }) => userId;
    const withSchema = task({ name: "accounts.withSchema", args: schema }, fn);
    expect(withSchema.fn).toBe(fn);
    expect(withSchema.argsSchema).toBe(schema);
  });

  test("is frozen, so options cannot be changed after definition", () => {
    expect(Object.isFrozen(sendWelcomeEmail)).toBe(true);
  });
});

describe("task() keeps the options it is given", () => {
  test("keeps queueName, priority, backend, runAfter, maxAttempts, retryDelay and timeoutMs", () => {
    const retryDelay = (attempt: number) => attempt * 10;
    const nightly = task(
      {
        name: "reports.nightly",
        queueName: "reports",
        priority: -5,
        backend: "bulk",
        runAfter: 60_000,
        maxAttempts: 3,
        retryDelay,
        timeoutMs: 30_000,
      },
      noop,
    );
    expect(nightly).toMatchObject({
      name: "reports.nightly",
      queueName: "reports",
      priority: -5,
      backend: "bulk",
      runAfter: 60_000,
      maxAttempts: 3,
      retryDelay,
      timeoutMs: 30_000,
    });
  });

  test("accepts the edges of every range", () => {
    expect(() => task({ name: "n".repeat(200), priority: 100, maxAttempts: 1000 }, noop)).not.toThrow();
    expect(() => task({ name: "edge.low", priority: -100, maxAttempts: 1, runAfter: 0 }, noop)).not.toThrow();
    expect(() => task({ name: "edge.queue", queueName: "q".repeat(64) }, noop)).not.toThrow();
  });

  test("treats an option set to undefined as not given", () => {
    const t = task({ name: "accounts.undefinedOptions", queueName: undefined, priority: undefined }, noop);
    expect(t).toMatchObject({ queueName: "default", priority: 0 });
  });

  test("copies a runAfter Date, so mutating the caller's Date does not move the task", () => {
    const at = new Date("2030-01-01T00:00:00.000Z");
    const t = task({ name: "reports.at", runAfter: at }, noop);
    at.setFullYear(2040);
    expect(t.runAfter).toEqual(new Date("2030-01-01T00:00:00.000Z"));
  });
});

describe("task() refuses a bad definition with InvalidTask naming the task, field and value", () => {
  test.each([
    { rule: "a missing name", options: {}, fact: "is required" },
    { rule: "a non-string name", options: { name: 42 }, fact: "got 42" },
    { rule: "an empty name", options: { name: "" }, fact: 'got ""' },
    { rule: "a whitespace-only name", options: { name: "   " }, fact: "must not be empty" },
    { rule: "a name over 200 characters", options: { name: "n".repeat(201) }, fact: "at most 200 characters (it has 201)" },
  ])("refuses $rule", ({ options, fact }) => {
    const error = thrownBy(() => taskFrom(options));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ field: "name", taskName: undefined });
    expect(error.message).toContain("task(): name");
    expect(error.message).toContain(fact);
  });

  test.each([
    { field: "priority", value: 1.5, shown: "1.5", fact: "integer between -100 and 100" },
    { field: "priority", value: 101, shown: "101", fact: "integer between -100 and 100" },
    { field: "priority", value: -101, shown: "-101", fact: "integer between -100 and 100" },
    { field: "priority", value: "high", shown: '"high"', fact: "integer between -100 and 100" },
    { field: "priority", value: Number.NaN, shown: "NaN", fact: "integer between -100 and 100" },
    { field: "queueName", value: "", shown: '""', fact: "must not be empty" },
    { field: "queueName", value: "q".repeat(65), shown: "qqq", fact: "at most 64 characters (it has 65)" },
    { field: "queueName", value: 7, shown: "7", fact: "must be a string" },
    { field: "queueName", value: " emails", shown: '" emails"', fact: "whitespace" },
    { field: "queueName", value: "a,b", shown: '"a,b"', fact: 'must not contain ","' },
    { field: "queueName", value: "*", shown: '"*"', fact: "every queue" },
    { field: "backend", value: "", shown: '""', fact: "non-empty string" },
    { field: "backend", value: null, shown: "null", fact: "non-empty string" },
    { field: "runAfter", value: -1, shown: "-1", fact: "non-negative number of milliseconds" },
    { field: "runAfter", value: Number.POSITIVE_INFINITY, shown: "Infinity", fact: "finite" },
    { field: "runAfter", value: new Date("nope"), shown: "an invalid Date", fact: "valid Date" },
    { field: "runAfter", value: "2030-01-01", shown: '"2030-01-01"', fact: "valid Date" },
    { field: "maxAttempts", value: 0, shown: "0", fact: "integer between 1 and 1000" },
    { field: "maxAttempts", value: 1001, shown: "1001", fact: "integer between 1 and 1000" },
    { field: "maxAttempts", value: 2.5, shown: "2.5", fact: "integer between 1 and 1000" },
    { field: "timeoutMs", value: 0, shown: "0", fact: "positive number of milliseconds" },
    { field: "timeoutMs", value: -5, shown: "-5", fact: "positive number of milliseconds" },
    { field: "timeoutMs", value: Number.POSITIVE_INFINITY, shown: "Infinity", fact: "positive number" },
    { field: "timeoutMs", value: 2 ** 31, shown: "2147483648", fact: "at most 2147483647" },
    { field: "retryDelay", value: 1000, shown: "1000", fact: "must be a function" },
    { field: "args", value: { userId: "number" }, shown: '{"userId":"number"}', fact: "must be a zod schema" },
  ])("refuses $field = $shown", ({ field, value, shown, fact }) => {
    const error = thrownBy(() => taskFrom({ name: "accounts.sendWelcomeEmail", [field]: value }));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field });
    expect(error.message).toContain(`Task "accounts.sendWelcomeEmail": ${field}`);
    expect(error.message).toContain(shown);
    expect(error.message).toContain(fact);
  });

  test("refuses a task function that is not a function", () => {
    const error = thrownBy(() => taskFrom({ name: "accounts.sendWelcomeEmail" }, "sendEmail"));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field: "the task function" });
    expect(error.message).toContain('got "sendEmail"');
    expect(error.message).toContain("must be a function");
  });

  test("refuses an unknown option and lists the options it accepts", () => {
    const error = thrownBy(() => taskFrom({ name: "accounts.sendWelcomeEmail", queue: "emails" }));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field: "queue" });
    expect(error.message).toContain('queue is not a task() option');
    expect(error.message).toContain("queueName");
    expect(error.message).toContain('got "emails"');
  });

  test("refuses options that are not an object", () => {
    const error = thrownBy(() => (task as (o: unknown, f: unknown) => unknown)("accounts.sendWelcomeEmail", noop));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ field: "options" });
    expect(error.message).toContain('got "accounts.sendWelcomeEmail"');
  });

  test("is catchable as a TasksError with the class name as its name", () => {
    const error = thrownBy(() => taskFrom({ name: "" }));
    expect(error).toBeInstanceOf(TasksError);
    expect(error.name).toBe("InvalidTask");
  });
});

describe("using()", () => {
  const sendWelcomeEmail = task({ name: "accounts.sendWelcomeEmail", queueName: "emails", maxAttempts: 3 }, noop);

  test("returns a new task with the overrides applied", () => {
    const urgent = sendWelcomeEmail.using({ priority: 50, queueName: "urgent", backend: "fast", runAfter: 1000 });
    expect(urgent).not.toBe(sendWelcomeEmail);
    expect(urgent).toMatchObject({ priority: 50, queueName: "urgent", backend: "fast", runAfter: 1000 });
  });

  test("leaves the original task unchanged", () => {
    sendWelcomeEmail.using({ priority: 50, queueName: "urgent" });
    expect(sendWelcomeEmail).toMatchObject({ priority: 0, queueName: "emails" });
  });

  test("keeps the name, function, schema, attempts and timeout of the original", () => {
    const later = sendWelcomeEmail.using({ runAfter: 5_000 });
    expect(later).toMatchObject({ name: sendWelcomeEmail.name, maxAttempts: 3, fn: sendWelcomeEmail.fn });
    expect(later.argsSchema).toBe(sendWelcomeEmail.argsSchema);
  });

  test("keeps options it does not override", () => {
    const derived = sendWelcomeEmail.using({ priority: 1 }).using({ runAfter: 10 });
    expect(derived).toMatchObject({ priority: 1, runAfter: 10, queueName: "emails" });
  });

  test("refuses an unknown override key and names the keys it accepts", () => {
    const error = thrownBy(() => sendWelcomeEmail.using({ maxAttempts: 5 } as never));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field: "maxAttempts" });
    expect(error.message).toContain("is not accepted by using(); it accepts only queueName, priority, runAfter, backend");
  });

  test("validates overrides by the same rules as task()", () => {
    const error = thrownBy(() => sendWelcomeEmail.using({ priority: 500 }));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field: "priority" });
    expect(error.message).toContain("got 500");
  });
});

describe("validateEnqueueOptions()", () => {
  test("returns the options that were given, checked", () => {
    const at = new Date("2030-01-01T00:00:00.000Z");
    expect(validateEnqueueOptions("accounts.sendWelcomeEmail", { runAfter: at, priority: 3 })).toEqual({
      runAfter: at,
      priority: 3,
    });
  });

  test("treats missing options as none", () => {
    expect(validateEnqueueOptions("accounts.sendWelcomeEmail", undefined)).toEqual({});
  });

  test("refuses an unknown option and names the options it accepts", () => {
    const error = thrownBy(() => validateEnqueueOptions("accounts.sendWelcomeEmail", { delay: 1000 }));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", field: "delay" });
    expect(error.message).toContain("delay is not accepted by enqueue options");
    expect(error.message).toContain("runAfter");
    expect(error.message).toContain("got 1000");
  });

  test("refuses options that are not an object", () => {
    const error = thrownBy(() => validateEnqueueOptions("accounts.sendWelcomeEmail", 1000));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error.message).toContain("got 1000");
  });

  test("refuses a negative runAfter", () => {
    const error = thrownBy(() => validateEnqueueOptions("accounts.sendWelcomeEmail", { runAfter: -60_000 }));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ field: "runAfter" });
    expect(error.message).toContain("got -60000");
  });
});

describe("parseArgs()", () => {
  const sendWelcomeEmail = task(
    {
      name: "accounts.sendWelcomeEmail",
      args: z.object({ userId: z.number().int(), tags: z.array(z.string()).default([]) }),
    },
    noop,
  );

  test("returns the schema's output, defaults applied", () => {
    expect(parseArgs(sendWelcomeEmail, { userId: 1 })).toEqual({ userId: 1, tags: [] });
  });

  test("throws InvalidTaskArguments listing each issue with its path under args", () => {
    const error = thrownBy(() => parseArgs(sendWelcomeEmail, { userId: "1", tags: ["a", 2] }));
    expect(error).toBeInstanceOf(InvalidTaskArguments);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail", index: undefined });
    expect((error as InvalidTaskArguments).issues).toHaveLength(2);
    expect(error.message).toContain('Task "accounts.sendWelcomeEmail" got invalid arguments');
    expect(error.message).toMatch(/ {2}- args\.userId: .*expected number/);
    expect(error.message).toMatch(/ {2}- args\.tags\[1\]: .*expected string/);
  });

  test("names the enqueueMany position when given one", () => {
    const error = thrownBy(() => parseArgs(sendWelcomeEmail, {}, 7));
    expect(error).toMatchObject({ index: 7 });
    expect(error.message).toMatch(/ {2}- argsList\[7\]\.userId: /);
  });

  test("reports an issue on the args themselves at the path args", () => {
    const error = thrownBy(() => parseArgs(sendWelcomeEmail, null));
    expect(error.message).toMatch(/ {2}- args: /);
  });

  test("returns args unchanged when the task has no schema", () => {
    const args = { anything: [1, 2] };
    expect(parseArgs(task({ name: "free.form" }, async (a: typeof args) => a), args)).toBe(args);
  });

  test("refuses an async schema with InvalidTask, since enqueue checks synchronously", () => {
    const asyncCheck = task(
      { name: "accounts.asyncCheck", args: z.object({ userId: z.number() }).refine(async () => true) },
      noop,
    );
    const error = thrownBy(() => parseArgs(asyncCheck, { userId: 1 }));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "accounts.asyncCheck", field: "args" });
    expect(error.message).toContain("synchronously");
  });
});

describe("resolveRunAfter()", () => {
  const now = new Date("2030-01-01T00:00:00.000Z");

  test("is now when neither the task nor the call says otherwise", () => {
    expect(resolveRunAfter(task({ name: "a.now" }, noop), now)).toEqual(now);
  });

  test("adds a number of milliseconds to now", () => {
    expect(resolveRunAfter(task({ name: "a.later", runAfter: 60_000 }, noop), now)).toEqual(
      new Date("2030-01-01T00:01:00.000Z"),
    );
  });

  test("uses a Date as given", () => {
    const at = new Date("2031-06-01T12:00:00.000Z");
    expect(resolveRunAfter(task({ name: "a.at", runAfter: at }, noop), now)).toEqual(at);
  });

  test("prefers the override to the task's runAfter", () => {
    expect(resolveRunAfter(task({ name: "a.override", runAfter: 60_000 }, noop), now, 1_000)).toEqual(
      new Date("2030-01-01T00:00:01.000Z"),
    );
  });

  test("refuses an invalid override with InvalidTask", () => {
    const error = thrownBy(() => resolveRunAfter(task({ name: "a.bad" }, noop), now, Number.NaN));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ taskName: "a.bad", field: "runAfter" });
    expect(error.message).toContain("got NaN");
  });
});

describe("defaultRetryDelay()", () => {
  test("doubles from one second, at full jitter", () => {
    const noJitter = () => 1;
    expect([1, 2, 3, 4].map((attempt) => defaultRetryDelay(attempt, noJitter))).toEqual([1000, 2000, 4000, 8000]);
  });

  test("halves the delay at the low end of the jitter", () => {
    expect(defaultRetryDelay(3, () => 0)).toBe(2000);
  });

  test("never waits more than an hour", () => {
    expect(defaultRetryDelay(100, () => 1)).toBe(60 * 60 * 1000);
  });

  test("stays within [half, full] of the backoff with real randomness", () => {
    for (let i = 0; i < 100; i++) {
      const delay = defaultRetryDelay(2);
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(2000);
    }
  });

  test("is the retryDelay of a task that does not set one", () => {
    expect(task({ name: "a.retry" }, noop).retryDelay).toBe(defaultRetryDelay);
  });
});

describe("TaskRegistry", () => {
  const sendWelcomeEmail = task({ name: "accounts.sendWelcomeEmail" }, noop);
  const resize = task({ name: "images.resize" }, noop);

  test("finds a task by name", () => {
    const registry = new TaskRegistry([sendWelcomeEmail, resize]);
    expect(registry.get("images.resize")).toBe(resize);
    expect(registry.has("accounts.sendWelcomeEmail")).toBe(true);
  });

  test("returns undefined for an unknown name", () => {
    expect(new TaskRegistry([resize]).get("accounts.missing")).toBeUndefined();
  });

  test("iterates over its tasks in registration order", () => {
    expect([...new TaskRegistry([sendWelcomeEmail, resize])]).toEqual([sendWelcomeEmail, resize]);
  });

  test("accepts a using() variant of a registered task and keeps the original", () => {
    const registry = new TaskRegistry([sendWelcomeEmail, sendWelcomeEmail.using({ priority: 9 })]);
    expect(registry.size).toBe(1);
    expect(registry.get("accounts.sendWelcomeEmail")).toBe(sendWelcomeEmail);
  });

  test("accepts the same task registered twice", () => {
    expect(() => new TaskRegistry([resize, resize])).not.toThrow();
  });

  test("refuses a different task with a registered name", () => {
    const impostor = task({ name: "accounts.sendWelcomeEmail" }, noop);
    const error = thrownBy(() => new TaskRegistry([sendWelcomeEmail]).register(impostor));
    expect(error).toBeInstanceOf(DuplicateTaskName);
    expect(error).toMatchObject({ taskName: "accounts.sendWelcomeEmail" });
    expect(error.message).toContain('Two different tasks are named "accounts.sendWelcomeEmail"');
    expect(error.message).toContain("rename one");
  });

  test("refuses something that is not a task", () => {
    const error = thrownBy(() => new TaskRegistry([noop as never]));
    expect(error).toBeInstanceOf(InvalidTask);
    expect(error).toMatchObject({ field: "tasks" });
    expect(error.message).toContain("function noop");
  });
});

describe("runAfter at enqueue", () => {
  test("beyond the year 9999 is refused: SQLite could not order it", () => {
    const later = task({ name: "reports.later" }, async () => null);
    expect(() => resolveRunAfter(later, new Date(), new Date("+010000-01-01T00:00:00Z"))).toThrowError(InvalidTask);
    expect(() => resolveRunAfter(later, new Date(), 1e20)).toThrowError(/runAfter.*9999-12-31/);
  });
});
