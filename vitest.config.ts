// Vitest settings: one PostgreSQL per run (global setup), generous timeouts for tests that start real processes.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Examples import the package by name, as users do; here the names mean this repository's source.
  resolve: {
    alias: [
      { find: /^prisma-tasks$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^prisma-tasks\/testing$/, replacement: fileURLToPath(new URL("./src/testing.ts", import.meta.url)) },
      { find: /^prisma-tasks\/dashboard$/, replacement: fileURLToPath(new URL("./src/dashboard/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts", "test/support/compile-setup.ts"],
    setupFiles: ["test/support/examples-setup.ts"],
    // Two minutes: CI runs the suite on two Nodes at once on two cores, where a drain that takes 30 s alone can take twice that.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
