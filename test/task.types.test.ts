// Type-level specification: enqueue can infer argument and return types from any task.
import { describe, expect, expectTypeOf, test } from "vitest";
import { z } from "zod";
import { InvalidTask, schedule, task, type ArgsOf, type ParsedArgsOf, type ReturnOf, type Task, type TaskContext } from "../src/index.js";

describe("a task with an args schema", () => {
  const sendWelcomeEmail = task(
    { name: "accounts.sendWelcomeEmail", args: z.object({ userId: z.number().int() }) },
    async ({ userId }, ctx) => {
      expectTypeOf(userId).toEqualTypeOf<number>();
      expectTypeOf(ctx).toEqualTypeOf<TaskContext<{ userId: number }>>();
      return `sent:${userId}`;
    },
  );

  test("takes the schema's input type as its args", () => {
    expectTypeOf<ArgsOf<typeof sendWelcomeEmail>>().toEqualTypeOf<{ userId: number }>();
  });

  test("resolves to the awaited return type of its function", () => {
    expectTypeOf<ReturnOf<typeof sendWelcomeEmail>>().toEqualTypeOf<string>();
  });

  test("gives its function the schema's output type, so transforms and defaults are seen", () => {
    const schedule = task(
      { name: "reports.schedule", args: z.object({ at: z.string().transform((s) => new Date(s)), tries: z.number().default(3) }) },
      (args) => {
        expectTypeOf(args).toEqualTypeOf<{ at: Date; tries: number }>();
        return args.tries;
      },
    );
    expectTypeOf<ArgsOf<typeof schedule>>().toEqualTypeOf<{ at: string; tries?: number | undefined }>();
    expectTypeOf<ParsedArgsOf<typeof schedule>>().toEqualTypeOf<{ at: Date; tries: number }>();
    expectTypeOf<ReturnOf<typeof schedule>>().toEqualTypeOf<number>();
  });

  test("keeps its types through using()", () => {
    const urgent = sendWelcomeEmail.using({ priority: 10 });
    expectTypeOf(urgent).toEqualTypeOf(sendWelcomeEmail);
  });
});

describe("a task without an args schema", () => {
  test("takes the type of its function's first parameter as its args", () => {
    const resize = task({ name: "images.resize" }, async (args: { path: string; width: number }) => args.width > 100);
    expectTypeOf<ArgsOf<typeof resize>>().toEqualTypeOf<{ path: string; width: number }>();
    expectTypeOf<ReturnOf<typeof resize>>().toEqualTypeOf<boolean>();
  });

  test("takes void as its args when its function declares none", () => {
    const nightly = task({ name: "reports.nightly" }, async () => null);
    expectTypeOf<ArgsOf<typeof nightly>>().toEqualTypeOf<void>();
    expectTypeOf<ReturnOf<typeof nightly>>().toEqualTypeOf<null>();
  });

  test("returns a synchronous function's value type unchanged", () => {
    const add = task({ name: "math.add" }, ({ a, b }: { a: number; b: number }) => a + b);
    expectTypeOf(add).toEqualTypeOf<Task<{ a: number; b: number }, number>>();
  });
});

describe("task options", () => {
  test("refuse an args value that is not a zod schema at compile time, as they do at run time", () => {
    // @ts-expect-error -- args must be a zod schema
    expect(() => task({ name: "bad.args", args: { userId: 1 } }, async () => 1)).toThrow(InvalidTask);
  });

  test("refuse a non-numeric priority at compile time, as they do at run time", () => {
    // @ts-expect-error -- priority is a number
    expect(() => task({ name: "bad.priority", priority: "high" }, async () => 1)).toThrow(InvalidTask);
  });

  test("refuse an override that using() does not accept at compile time, as they do at run time", () => {
    const resize = task({ name: "images.resize" }, async () => 1);
    // @ts-expect-error -- maxAttempts belongs to the definition, not to a variant
    expect(() => resize.using({ maxAttempts: 3 })).toThrow(InvalidTask);
  });
});

describe("schedule()", () => {
  const report = task({ name: "types.report", args: z.object({ month: z.string() }) }, async ({ month }) => month);

  test("checks a schedule's args, or its args function's answer, against its own task's", () => {
    schedule({ task: report, cron: "0 3 1 * *", args: { month: "2026-11" } });
    schedule({ task: report, cron: "0 3 1 * *", args: (slot: Date) => ({ month: slot.toISOString().slice(0, 7) }) });
    // @ts-expect-error a misspelt field of the task's args
    schedule({ task: report, cron: "0 3 1 * *", args: { mnth: "2026-11" } });
    // @ts-expect-error an args function whose answer the task does not take
    schedule({ task: report, cron: "0 3 1 * *", args: () => ({ month: 11 }) });
    expect(schedule({ task: report, cron: "* * * * *" })).toEqual({ task: report, cron: "* * * * *" });
  });
});
