// The core package stays as light as it was: only prisma-tasks/dashboard loads the dashboard's dependencies.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { compiled } from "./support/compiled.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const folder = mkdtempSync(join(tmpdir(), "prisma-tasks-isolation-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// A module resolution hook that fails any import of the dashboard's dependencies.
writeFileSync(
  join(folder, "hooks.mjs"),
  `export async function resolve(specifier, context, next) {
  if (/^(hono|@hono\\/node-server|uplot)(\\/|$)/.test(specifier)) throw new Error("dashboard dependency loaded: " + specifier);
  return next(specifier, context);
}
`,
);
writeFileSync(join(folder, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(folder, "hooks.mjs")).href)});\n`);

/** Imports the module in a fresh Node process where the dashboard's dependencies cannot load. */
function importWithoutDashboardDependencies(module: string) {
  const script = `await import(${JSON.stringify(pathToFileURL(compiled(module)).href)});`;
  const child = spawnSync(process.execPath, ["--import", pathToFileURL(join(folder, "register.mjs")).href, "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  return { code: child.status, stderr: child.stderr };
}

describe("the dashboard's dependencies", () => {
  test("are not loaded by the core package or the worker's command line", () => {
    for (const module of ["src/index.ts", "src/worker/cli.ts"]) {
      const { code, stderr } = importWithoutDashboardDependencies(module);
      expect({ module, code, stderr }).toEqual({ module, code: 0, stderr: "" });
    }
  });

  test("are loaded by prisma-tasks/dashboard (which shows the check can fail)", () => {
    const { code, stderr } = importWithoutDashboardDependencies("src/dashboard/index.ts");
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/dashboard dependency loaded: (hono|@hono\/node-server)/);
  });
});
