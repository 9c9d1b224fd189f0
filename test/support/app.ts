// Test apps: the test schema's Prisma client with withTasks applied, on a fresh database.
import { withTasks, type TasksConfig } from "../../src/index.js";
import { connect, createDatabase, type Provider, type TestDatabase } from "./databases.js";

export function tasksClient(database: TestDatabase, config: TasksConfig) {
  return connect(database).$extends(withTasks(config));
}

export type TasksPrisma = ReturnType<typeof tasksClient>;

/** A fresh database and an extended client on it; `close()` disconnects. */
export async function createApp(provider: Provider, config: TasksConfig) {
  const database = await createDatabase(provider);
  const prisma = tasksClient(database, config);
  return { database, prisma, close: () => prisma.$disconnect() };
}
