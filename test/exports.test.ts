// The package's public surface: the documented names and nothing else, and no internals on the $tasks client.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as errors from "../src/errors.js";
import { withTasks } from "../src/index.js";
import { noop } from "./fixtures/tasks.js";
import { connect } from "./support/connect.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The values the README's quick reference lists as the exports of "prisma-tasks", besides the error classes. */
const DOCUMENTED = ["Worker", "TaskStatus", "defaultRetryDelay", "defineConfig", "schedule", "task", "withTasks"];
const TESTING = ["enqueued", "runUntilIdle"];

/** TasksError and its subclasses: users catch them, so each one is exported. */
const errorClasses = Object.entries(errors)
  .filter(([, value]) => value === errors.TasksError || (value as { prototype?: unknown }).prototype instanceof errors.TasksError)
  .map(([name]) => name);

describe("the package's exports", () => {
  test('"prisma-tasks" exports the documented functions and classes and every error class, nothing else', async () => {
    const exported = Object.keys(await import("../src/index.js")).sort();
    expect(exported).toEqual([...DOCUMENTED, ...errorClasses].sort());
  });

  test('"prisma-tasks/testing" exports the test helpers', async () => {
    expect(Object.keys(await import("../src/testing.js")).sort()).toEqual(TESTING);
  });

  test("the README lists each export", () => {
    const list = /^Exports of `prisma-tasks`:[\s\S]*?\n\n/m.exec(readme)?.[0] ?? "";
    for (const name of DOCUMENTED) expect(list, name).toContain(`\`${name}\``);
    const testing = /^Exports of `prisma-tasks\/testing`:[\s\S]*?\n\n/m.exec(readme)?.[0] ?? "";
    for (const name of TESTING) expect(testing, name).toContain(`\`${name}\``);
  });

  test("prisma.$tasks shows no runtime: its methods are its whole surface", () => {
    const prisma = connect({ provider: "sqlite", url: ":memory:" }).$extends(withTasks({ tasks: [noop] }));
    expect(Object.keys(prisma.$tasks)).toEqual([]);
    expect("runtime" in prisma.$tasks).toBe(false);
    expect(Object.getOwnPropertySymbols(prisma.$tasks)).toEqual([]);
  });
});
