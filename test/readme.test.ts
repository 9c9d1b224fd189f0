// The README cannot drift from the code: its TypeScript blocks are the runnable examples, its commands parse, its
// schema is the shipped one and passes prisma generate, its quick start is what CI runs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as errors from "../src/errors.js";
import { USAGE, parseCommand } from "../src/worker/cli.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, language, body]) => ({ language: language!, body: body! }));
const PRISMA_CONFIG = "// prisma.config.ts\n";
/** The prisma.config.ts §4 shows, which the `prisma generate` test runs rather than an examples/ file. */
const prismaConfig = blocks.find((block) => block.language === "ts" && block.body.startsWith(PRISMA_CONFIG))?.body;
/** The commands of a shell block, without their comments. */
const commandsOf = (body: string) => body.split("\n").map((line) => line.split("#")[0]!.trim()).filter(Boolean);

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
    const typescript = blocks.filter((block) => block.language === "ts" && block.body !== prismaConfig);
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

  test("shows the shipped schema exactly as prisma/schema.prisma has it", () => {
    const shown = blocks.find((block) => block.language === "prisma")!.body;
    expect(shown).toBe(read("prisma/schema.prisma"));
    expect(shown).toContain('previewFeatures = ["partialIndexes"]');
  });

  test("has a schema and a prisma.config.ts that prisma generate accepts in a new app, writing the client it names", () => {
    const app = mkdtempSync(join(tmpdir(), "prisma-tasks-readme-"));
    try {
      mkdirSync(join(app, "prisma"));
      writeFileSync(join(app, "prisma", "schema.prisma"), blocks.find((block) => block.language === "prisma")!.body);
      expect(prismaConfig, "a ts block starting // prisma.config.ts").toBeDefined();
      writeFileSync(join(app, "prisma.config.ts"), prismaConfig!);
      symlinkSync(fileURLToPath(new URL("../node_modules", import.meta.url)), join(app, "node_modules"));
      // generate never runs the schema engine, but the CLI looks for its binary and would try to download it.
      const env = { ...process.env, DATABASE_URL: "postgresql://app@localhost:5432/app", PRISMA_SCHEMA_ENGINE_BINARY: fileURLToPath(import.meta.url) };
      const run = spawnSync(process.execPath, [join(app, "node_modules", "prisma", "build", "index.js"), "generate"], { cwd: app, env, encoding: "utf8" });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(readme).toContain('import { PrismaClient } from "./generated/prisma/client.js"');
      expect(existsSync(join(app, "generated", "prisma", "client.ts"))).toBe(true);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  test("starts with a quick start that begins with npm ci and that CI runs as it is", () => {
    const quickStart = commandsOf(blocks[0]!.body);
    expect(quickStart[0]).toBe("npm ci");
    const ci = commandsOf(read(".ci/run"));
    for (const command of quickStart) expect(ci, command).toContain(command);
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
