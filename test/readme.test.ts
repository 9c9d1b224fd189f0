// The README cannot drift from the code: its TypeScript blocks are the runnable examples, its commands parse.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as errors from "../src/errors.js";
import { USAGE, parseCommand } from "../src/worker/cli.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, language, body]) => ({ language: language!, body: body! }));

/** Splits a command line as a shell would for these examples: quotes group, `%i` (systemd) is an instance name. */
function words(line: string): string[] {
  const result: string[] = [];
  for (const [, double, single, bare] of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) result.push(double ?? single ?? bare!);
  return result.map((word) => (word === "%i" ? "emails" : word));
}

/** The arguments after `tasks-worker` on a line: shell form, a JSON exec array (Dockerfile), or PM2's `args` string. */
function workerArguments(line: string): string[] {
  const array = /CMD \[(.*)\]/.exec(line);
  const pm2 = /args: "([^"]*)"/.exec(line);
  const tokens = array ? (JSON.parse(`[${array[1]}]`) as string[]) : words(pm2 ? pm2[1]! : line.split("#")[0]!);
  const at = tokens.findIndex((token) => token.endsWith("tasks-worker"));
  return tokens.slice(at + 1).map((token) => token.replace(/^"|"$/g, ""));
}

describe("the README", () => {
  test("has TypeScript blocks, each one an examples/ file or a part of one", () => {
    const typescript = blocks.filter((block) => block.language === "ts");
    expect(typescript.length).toBeGreaterThan(5);
    for (const { body } of typescript) {
      const [first, ...rest] = body.trimEnd().split("\n");
      const whole = /^\/\/ (examples\/\S+)$/.exec(first!);
      const part = /^\/\/ from (examples\/\S+)$/.exec(first!);
      expect(whole ?? part, `a TypeScript block must start with "// examples/FILE" or "// from examples/FILE":\n${body}`).not.toBeNull();
      if (whole) {
        expect(`${rest.join("\n")}\n`, `README block differs from ${whole[1]}`).toBe(read(whole[1]!));
      } else {
        const file = read(part![1]!).split("\n").map((line) => line.trim()).join("\n");
        expect(file, `README block is not part of ${part![1]}`).toContain(rest.map((line) => line.trim()).join("\n"));
      }
    }
  });

  test("shows the TaskResult model exactly as the schema has it", () => {
    const shown = blocks.find((block) => block.language === "prisma")!.body;
    const model = /\/\/\/ One enqueued task[^\n]*\nmodel TaskResult \{[\s\S]*?\n\}/.exec(shown)?.[0];
    expect(model).toBeDefined();
    expect(read("prisma/schema.prisma")).toContain(model);
    expect(read("prisma/schema.prisma")).toContain('previewFeatures = ["partialIndexes"]');
  });

  test("has tasks-worker command lines that the CLI accepts", () => {
    const commands = blocks.filter((block) => ["bash", "ini", "dockerfile", "js"].includes(block.language));
    const lines = commands.flatMap((block) => block.body.split("\n")).filter((line) => /tasks-worker(?![@.\w-])/.test(line));
    expect(lines.length).toBeGreaterThan(6);
    for (const line of lines) {
      const args = workerArguments(line);
      expect(() => parseCommand(args), line).not.toThrow();
    }
  });

  test("names only npm scripts that exist", () => {
    const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
    for (const [, name] of readme.matchAll(/npm run ([\w:-]+)/g)) expect(scripts, `npm run ${name}`).toContain(name);
  });

  test("documents every option of the worker CLI", () => {
    for (const [option] of USAGE.matchAll(/--[a-z-]+/g)) expect(readme, option).toContain(`\`${option}`);
  });

  test("lists every error class in its common errors", () => {
    const classes = Object.entries(errors)
      .filter(([, value]) => typeof value === "function" && value.prototype instanceof errors.TasksError)
      .map(([name]) => name);
    expect(classes.length).toBeGreaterThan(10);
    for (const name of classes) expect(readme, name).toMatch(new RegExp(`^\\| \`${name}\` \\|`, "m"));
  });
});
