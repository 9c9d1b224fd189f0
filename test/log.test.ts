// Specification of how a worker words a database error in its one-line messages (DatabaseUnreachable,
// TaskTableUnavailable): the driver's reason, without Prisma's header, and every line of any other error.
import { describe, expect, test } from "vitest";
import { reasonOf } from "../src/worker/log.js";
import { connect } from "./support/connect.js";

describe("reasonOf", () => {
  test("keeps the driver's reason of a Prisma error, without where Prisma was called from", async () => {
    const prisma = connect({ provider: "sqlite", url: ":memory:" });
    try {
      const error = await prisma.$queryRawUnsafe("SELECT id FROM task_results").catch((caught: unknown) => caught);
      expect((error as Error).message).toMatch(/invocation/);
      expect(reasonOf(error)).toBe("Raw query failed. Code: `SQLITE_ERROR`. Message: `no such table: task_results`");
    } finally {
      await prisma.$disconnect();
    }
  });

  test("joins the lines of any other error: a native addon built for another Node says why on its middle lines", () => {
    // Node's message, as `require` of better-sqlite3 built for Node 20 throws it on Node 24.
    const error = new Error(
      "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
        "was compiled against a different Node.js version using\n" +
        "NODE_MODULE_VERSION 115. This version of Node.js requires\n" +
        "NODE_MODULE_VERSION 137. Please try re-compiling or re-installing\n" +
        "the module (for instance, using `npm rebuild` or `npm install`).",
    );
    expect(reasonOf(error)).toBe(
      "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node' was compiled against a different " +
        "Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 137. Please " +
        "try re-compiling or re-installing the module (for instance, using `npm rebuild` or `npm install`).",
    );
  });

  test("words a thrown non-error as its text", () => {
    expect(reasonOf("socket closed\n")).toBe("socket closed");
  });
});
