// `npm test` (and so CI) fails when a test fails: nothing in the suite's set-up turns vitest's exit code into 0.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

test("a run with a failing test exits 1, with the suite's PostgreSQL global setup", () => {
  const config = fileURLToPath(new URL("fixtures/failing-run/vitest.config.ts", import.meta.url));
  const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
  const run = spawnSync(process.execPath, [vitest, "run", "--config", config], { encoding: "utf8", timeout: 120_000 });
  expect(run.stdout + run.stderr).toMatch(/1 failed/);
  expect(run.status).toBe(1);
});
