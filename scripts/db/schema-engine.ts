// Prisma's schema engine as WebAssembly, bound to a driver adapter: what `prisma migrate` runs, without its binary.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

export type Provider = "postgresql" | "sqlite" | "mysql";

let instantiated: Promise<void> | undefined;

/** The slice of the WebAssembly global used here (TypeScript's ES lib does not declare it). */
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
}

// Node 20 cannot import a .wasm module, so the engine's glue is given an instance made by hand.
function instantiate(): Promise<void> {
  instantiated ??= (async () => {
    // The engine reports a Rust panic's message here before it throws.
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
      set_message(message: string) {
        process.stderr.write(`schema engine panicked: ${message}\n`);
      },
    };
    const glue = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmPath = join(dirname(glue), "schema_engine_bg.wasm");
    const module = await wasm.compile(await readFile(wasmPath));
    const instance = new wasm.Instance(module, { "./schema_engine_bg.js": bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  })();
  return instantiated;
}

/** A database the engine can reach: a PostgreSQL or MySQL URL, or a SQLite file path. */
export interface Target {
  provider: Provider;
  url: string;
}

const PG_CHAR = 18;
const PG_TEXT = 25;
const CHARACTER_COLUMN = 6; // ColumnTypeEnum.Character
const CHAR_MARK = "\u0000char";

type Fields = { fields?: { name: string; dataTypeID: number }[] };
type RawResult = { columnNames: string[]; columnTypes: number[] };
type Queryable = { queryRaw(query: unknown): Promise<RawResult>; startTransaction?(...args: unknown[]): Promise<Queryable> };

function markCharColumns<T>(result: T): T {
  for (const field of (result as Fields)?.fields ?? []) {
    if (field.dataTypeID !== PG_CHAR) continue;
    field.dataTypeID = PG_TEXT;
    field.name += CHAR_MARK;
  }
  return result;
}

/**
 * The engine describes a database with catalog queries whose columns have PostgreSQL's one-byte "char" type, which
 * @prisma/adapter-pg 7.10 rejects as unsupported. This client lets such columns through as text with a marked name,
 * and `typeCharColumns` turns the mark back into the engine's Character column type.
 */
class CatalogClient extends pg.Client {
  override query(...args: unknown[]): never {
    const callback = args.at(-1);
    if (typeof callback === "function") {
      args[args.length - 1] = (error: unknown, result: unknown) => callback(error, markCharColumns(result));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const pending = (super.query as (...a: unknown[]) => unknown)(...args);
    return (pending instanceof Promise ? pending.then(markCharColumns) : pending) as never;
  }
}

function typeCharColumns<T extends Queryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    result.columnNames = result.columnNames.map((name, i) => {
      if (!name.endsWith(CHAR_MARK)) return name;
      result.columnTypes[i] = CHARACTER_COLUMN;
      return name.slice(0, -CHAR_MARK.length);
    });
    return result;
  };
  const startTransaction = queryable.startTransaction?.bind(queryable);
  if (startTransaction) queryable.startTransaction = async (...args) => typeCharColumns(await startTransaction(...args));
  return queryable;
}

const PARTIAL_INDEX_QUERY = /^(SELECT sql FROM sqlite_master WHERE type = 'index' AND name = )"((?:[^"]|"")*)"/;

/**
 * The engine reads a SQLite partial index's definition with a double-quoted string literal, which better-sqlite3
 * (built with SQLITE_DQS=0) reads as a column name; the binary engine's SQLite accepts it. Quote it as a string.
 */
function quoteIndexNames<T extends Queryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = (query) => {
    const { sql } = query as { sql: string };
    const match = PARTIAL_INDEX_QUERY.exec(sql);
    if (!match) return queryRaw(query);
    const literal = `'${match[2]!.replace(/""/g, '"').replace(/'/g, "''")}'`;
    return queryRaw({ ...(query as object), sql: sql.replace(PARTIAL_INDEX_QUERY, `$1${literal}`) });
  };
  return queryable;
}

type Factory = { connect(): Promise<unknown>; connectToShadowDb(): Promise<unknown> };
type Connection = Queryable & { dispose(): Promise<void> };

/**
 * The factory the engine connects through, with a per-database fix applied to each connection. Freeing the engine
 * does not close what it opened, so the connections are kept for `withSchemaEngine` to close.
 */
function engineFactory<F extends Factory>(factory: F, fix: (queryable: Queryable) => Queryable, opened: Connection[]) {
  const track = (connection: unknown) => {
    opened.push(connection as Connection);
    return fix(connection as Queryable);
  };
  return Object.assign(Object.create(factory) as F, {
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
  });
}

function adapterFactory(target: Target, opened: Connection[]) {
  if (target.provider === "sqlite") {
    return engineFactory(new PrismaBetterSqlite3({ url: target.url.replace(/^file:/, "") }), quoteIndexNames, opened);
  }
  // The engine as WebAssembly has no MySQL connector (it panics: "Unsupported adapter provider: Mysql").
  if (target.provider === "mysql") throw new Error("the schema engine as WebAssembly cannot reach MySQL: see mysql-migrations.ts");
  return engineFactory(new PrismaPg({ connectionString: target.url, Client: CatalogClient }), typeCharColumns, opened);
}

/**
 * Runs a SQL script of several statements on the target through its driver adapter, as `prisma db execute` does.
 * (The engine's own dbExecute hands SQLite the whole script as one statement, which better-sqlite3 refuses.)
 */
export async function executeScript(target: Target, script: string): Promise<void> {
  const opened: Connection[] = [];
  const connection = (await adapterFactory(target, opened).connect()) as { executeScript(script: string): Promise<void> };
  try {
    await connection.executeScript(script);
  } finally {
    await Promise.all(opened.map((each) => each.dispose()));
  }
}

/** Runs `use` with an engine connected to the target, and frees the engine afterwards. */
export async function withSchemaEngine<T>(target: Target, use: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  await instantiate();
  const opened: Connection[] = [];
  const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory(target, opened));
  const engine = (await bg.SchemaEngine.new({ datamodels: undefined }, () => {}, factory)) as SchemaEngine;
  try {
    return await use(engine);
  } finally {
    engine.free();
    await Promise.all(opened.map((connection) => connection.dispose()));
  }
}
