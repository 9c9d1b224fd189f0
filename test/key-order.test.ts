// Specification of object key order in stored return values: PostgreSQL's jsonb keeps its own order, SQLite and
// MariaDB the task's.
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { task } from "../src/index.js";
import { runUntilIdle } from "../src/testing.js";
import { createApp } from "./support/app.js";
import type { Provider } from "./support/databases.js";

const greet = task({ name: "test.greet", args: z.object({ userId: z.number().int() }) }, async ({ userId }) => ({
  greeting: `hello ${userId}`,
  userId,
  profile: { name: "Ada", id: userId },
}));

const opened: (() => Promise<void>)[] = [];

afterAll(async () => {
  await Promise.all(opened.map((close) => close()));
});

/** jsonb stores an object's keys shortest first, then byte by byte, at every depth; JSON text keeps them as written. */
const STORED_KEYS: Record<Provider, { top: string[]; profile: string[] }> = {
  postgresql: { top: ["userId", "profile", "greeting"], profile: ["id", "name"] },
  sqlite: { top: ["greeting", "userId", "profile"], profile: ["name", "id"] },
  // MariaDB, the server of the tests, keeps JSON as text. (MySQL 8's JSON type orders keys as jsonb does.)
  mysql: { top: ["greeting", "userId", "profile"], profile: ["name", "id"] },
};

describe.each<Provider>(["postgresql", "sqlite", "mysql"])("a return value read back on %s", (provider) => {
  test("equals what the task returned, with its object keys in the order the database keeps", async () => {
    const app = await createApp(provider, { tasks: [greet] });
    opened.push(app.close);
    const result = await app.prisma.$tasks.enqueue(greet, { userId: 7 });

    await runUntilIdle(app.prisma);
    const stored = await app.prisma.$tasks.getResult<unknown, Awaited<ReturnType<typeof greet.fn>>>(result.id);

    expect(stored.returnValue).toEqual({ greeting: "hello 7", userId: 7, profile: { name: "Ada", id: 7 } });
    expect(Object.keys(stored.returnValue)).toEqual(STORED_KEYS[provider].top);
    expect(Object.keys(stored.returnValue.profile)).toEqual(STORED_KEYS[provider].profile);
  });
});
