// Specification of TaskResult (fields, returnValue, refresh, toJSON), TaskStatus and errorFromException().
import { describe, expect, test } from "vitest";
import { TaskResultNotReady, TaskStatus, TasksError } from "../src/index.js";
import { TaskResult, errorFromException, type ResultSource, type TaskResultData } from "../src/result.js";

function resultData(overrides: Partial<TaskResultData<{ userId: number }, string | null>> = {}) {
  const data: TaskResultData<{ userId: number }, string | null> = {
    id: "01J0000000000000000000000",
    status: TaskStatus.NEW,
    taskName: "accounts.sendWelcomeEmail",
    args: { userId: 1 },
    queueName: "emails",
    priority: 5,
    backend: "default",
    runAfter: new Date("2030-01-01T00:00:00.000Z"),
    enqueuedAt: new Date("2030-01-01T00:00:00.000Z"),
    startedAt: null,
    finishedAt: null,
    lastAttemptedAt: null,
    attempts: 0,
    maxAttempts: 3,
    workerIds: [],
    returnValue: undefined,
    errors: [],
    cancelRequestedAt: null,
    uniqueKey: null,
    scheduleKey: null,
    scheduledAt: null,
    ...overrides,
  };
  return data;
}

const completed = resultData({
  status: TaskStatus.COMPLETE,
  startedAt: new Date("2030-01-01T00:00:01.000Z"),
  finishedAt: new Date("2030-01-01T00:00:02.000Z"),
  lastAttemptedAt: new Date("2030-01-01T00:00:01.000Z"),
  attempts: 1,
  workerIds: ["worker-a"],
  returnValue: "sent:1",
});

/** A backend stand-in that returns whatever the test last stored under the id. */
function sourceHolding(data: TaskResultData<unknown, unknown>): ResultSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async fetch(id: string) {
      reads.push(id);
      return data;
    },
  };
}

describe("TaskStatus", () => {
  test("names the statuses by their own spelling", () => {
    expect(TaskStatus).toEqual({ NEW: "NEW", RUNNING: "RUNNING", COMPLETE: "COMPLETE", FAILED: "FAILED", CANCELLED: "CANCELLED" });
  });
});

describe("TaskResult fields", () => {
  test("exposes every stored field", () => {
    const result = new TaskResult(completed);
    expect(result).toMatchObject({
      id: completed.id,
      status: "COMPLETE",
      taskName: "accounts.sendWelcomeEmail",
      args: { userId: 1 },
      queueName: "emails",
      priority: 5,
      backend: "default",
      runAfter: completed.runAfter,
      enqueuedAt: completed.enqueuedAt,
      startedAt: completed.startedAt,
      finishedAt: completed.finishedAt,
      lastAttemptedAt: completed.lastAttemptedAt,
      attempts: 1,
      maxAttempts: 3,
      workerIds: ["worker-a"],
      errors: [],
    });
  });

  test("does not change when the data it was built from changes", () => {
    const data = resultData({ workerIds: ["worker-a"] });
    const result = new TaskResult(data);
    data.workerIds.push("worker-b");
    data.status = TaskStatus.FAILED;
    expect(result.workerIds).toEqual(["worker-a"]);
    expect(result.status).toBe("NEW");
  });

  test("offers read-only lists of worker ids and errors", () => {
    const result = new TaskResult(resultData({ workerIds: ["worker-a"] }));
    expect(() => (result.workerIds as string[]).push("worker-b")).toThrow(TypeError);
  });
});

describe("TaskResult.returnValue", () => {
  test("is what the task returned once it is COMPLETE", () => {
    expect(new TaskResult(completed).returnValue).toBe("sent:1");
  });

  test("is null when the task returned null, which is distinguishable from not finished", () => {
    expect(new TaskResult(resultData({ status: TaskStatus.COMPLETE, returnValue: null })).returnValue).toBeNull();
  });

  test.each([TaskStatus.NEW, TaskStatus.RUNNING])("throws TaskResultNotReady while %s", (status) => {
    const result = new TaskResult(resultData({ status }));
    expect(() => result.returnValue).toThrow(TaskResultNotReady);
    expect(() => result.returnValue).toThrow(
      `Task "accounts.sendWelcomeEmail" result "${result.id}" has no return value while its status is ${status}`,
    );
    expect(() => result.returnValue).toThrow("await result.refresh()");
  });

  test("throws TaskResultNotReady pointing at errors when FAILED", () => {
    const result = new TaskResult(resultData({ status: TaskStatus.FAILED }));
    let error: unknown;
    try {
      void result.returnValue;
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TaskResultNotReady);
    expect(error).toMatchObject({ id: result.id, status: "FAILED", taskName: "accounts.sendWelcomeEmail" });
    expect((error as Error).message).toContain("read result.errors");
  });
});

describe("TaskResult.isFinished", () => {
  test.each([
    { status: TaskStatus.NEW, finished: false },
    { status: TaskStatus.RUNNING, finished: false },
    { status: TaskStatus.COMPLETE, finished: true },
    { status: TaskStatus.FAILED, finished: true },
    { status: TaskStatus.CANCELLED, finished: true },
  ])("is $finished when $status", ({ status, finished }) => {
    expect(new TaskResult(resultData({ status })).isFinished).toBe(finished);
  });
});

describe("TaskResult.refresh()", () => {
  test("re-reads the result by id and updates it in place", async () => {
    const source = sourceHolding(completed);
    const result = new TaskResult(resultData(), source);
    const refreshed = await result.refresh();
    expect(refreshed).toBe(result);
    expect(source.reads).toEqual([completed.id]);
    expect(result.status).toBe("COMPLETE");
    expect(result.returnValue).toBe("sent:1");
    expect(result.workerIds).toEqual(["worker-a"]);
  });

  test("passes on the source's error, such as a result that no longer exists", async () => {
    const gone = new Error("pruned");
    const result = new TaskResult(resultData(), { fetch: async () => Promise.reject(gone) });
    await expect(result.refresh()).rejects.toBe(gone);
  });

  test("throws a TasksError naming the task when the result has no backend to read from", async () => {
    const result = new TaskResult(resultData());
    await expect(result.refresh()).rejects.toBeInstanceOf(TasksError);
    await expect(result.refresh()).rejects.toThrow(
      `Task "accounts.sendWelcomeEmail" result "${result.id}" cannot refresh`,
    );
  });
});

describe("TaskResult.toJSON()", () => {
  test("gives every field as a plain object, including isFinished", () => {
    expect(new TaskResult(completed).toJSON()).toEqual({ ...completed, isFinished: true });
  });

  test("leaves returnValue undefined instead of throwing while the task is not COMPLETE", () => {
    const json = new TaskResult(resultData({ status: TaskStatus.RUNNING, returnValue: "stale" })).toJSON();
    expect(json.returnValue).toBeUndefined();
  });

  test("makes JSON.stringify work on a result", () => {
    const parsed = JSON.parse(JSON.stringify(new TaskResult(completed))) as Record<string, unknown>;
    expect(parsed).toMatchObject({ status: "COMPLETE", returnValue: "sent:1", runAfter: "2030-01-01T00:00:00.000Z" });
  });
});

describe("errorFromException()", () => {
  test("keeps an Error's class, message and stack", () => {
    const error = new TypeError("bad input");
    expect(errorFromException(error)).toEqual({
      exceptionClass: "TypeError",
      message: "bad input",
      traceback: error.stack,
    });
  });

  test("names a subclass of Error by its class, even when it does not set name", () => {
    class PaymentDeclined extends Error {}
    expect(errorFromException(new PaymentDeclined("card")).exceptionClass).toBe("PaymentDeclined");
  });

  test("names a TasksError by its class", () => {
    expect(errorFromException(new TasksError("x")).exceptionClass).toBe("TasksError");
  });

  test("appends the causes of an Error to its traceback", () => {
    const error = new Error("enqueue failed", { cause: new Error("connection reset") });
    const { traceback } = errorFromException(error);
    expect(traceback).toContain("Error: enqueue failed");
    expect(traceback).toContain("Caused by: Error: connection reset");
  });

  test("stops following a cyclic cause chain", () => {
    const error = new Error("loop");
    error.cause = error;
    expect(errorFromException(error).traceback.split("Caused by:")).toHaveLength(6);
  });

  test("turns a thrown string into a TaskError of class string", () => {
    expect(errorFromException("out of stock")).toEqual({ exceptionClass: "string", message: "out of stock", traceback: "" });
  });

  test("turns a thrown null into a TaskError of class null", () => {
    expect(errorFromException(null)).toEqual({ exceptionClass: "null", message: "null", traceback: "" });
  });

  test("turns a thrown undefined or number into a TaskError named by its type", () => {
    expect(errorFromException(undefined)).toMatchObject({ exceptionClass: "undefined", message: "undefined" });
    expect(errorFromException(42)).toMatchObject({ exceptionClass: "number", message: "42" });
  });

  test("reads name and message from a thrown error-like object", () => {
    expect(errorFromException({ name: "HttpError", message: "503", stack: "at fetch" })).toEqual({
      exceptionClass: "HttpError",
      message: "503",
      traceback: "at fetch",
    });
  });

  test("describes a thrown plain object as JSON under its class name", () => {
    expect(errorFromException({ code: 7 })).toEqual({ exceptionClass: "Object", message: '{"code":7}', traceback: "" });
  });

  test("never throws, even for an object whose properties throw", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("no");
        },
      },
    );
    expect(errorFromException(hostile)).toMatchObject({ exceptionClass: "unknown" });
  });
});

describe("errorFromException on text a database cannot store", () => {
  test("keeps NUL characters and half characters out of the stored error", () => {
    const error = errorFromException(new Error(`bad\u0000byte and ${"😀".slice(0, 1)}`));
    expect(error.message).not.toContain("\u0000");
    expect(error.message).toContain("bad\\u0000byte");
    expect((error.message as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
  });
});
