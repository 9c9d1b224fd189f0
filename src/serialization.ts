// Args and return values <-> stored JSON: plain, readable JSON plus superjson's meta for Date, BigInt, Map, Set, undefined.
import superjson, { type SuperJSONResult, type SuperJSONValue } from "superjson";
import { SerializationError, constructorName, pathSegment } from "./errors.js";

/** What goes into a JSON column: `json` reads as plain JSON; `meta` says which parts were Dates, BigInts... */
export interface Stored {
  json: unknown;
  /** superjson's meta; null when the value is plain JSON already. */
  meta: unknown | null;
}

/** superjson's meta for a bare `undefined` (what a task without args stores, and one that returns nothing). */
const UNDEFINED_META: unknown = Object.freeze(superjson.serialize(undefined).meta);

function isBareUndefined(stored: Stored): boolean {
  const values = (stored.meta as { values?: unknown } | null)?.values;
  return stored.json === null && Array.isArray(values) && values.length === 1 && values[0] === "undefined";
}

/**
 * Checks that `value` round-trips, then turns it into storable JSON. Throws SerializationError naming the task
 * and the path of an offending value, before anything is stored.
 */
export function serialize(value: unknown, taskName: string, root: string): Stored {
  // The most common value of all, args of a task without args and the return value of one that returns nothing.
  if (value === undefined) return { json: null, meta: UNDEFINED_META };
  // Plain JSON (no Date, BigInt, Map, Set, undefined or shared reference) is stored as it is: superjson would walk
  // it a second time to find no meta.
  if (assertStorable(value, taskName, root)) return { json: value, meta: null };
  const { json, meta } = superjson.serialize(value as SuperJSONValue);
  return { json, meta: meta ?? null };
}

/** A value as the JSON texts its columns hold. */
export interface StoredText {
  json: string;
  /** null when the value is plain JSON. */
  meta: string | null;
}

const UNDEFINED_META_TEXT = JSON.stringify(UNDEFINED_META);

/**
 * serialize(), down to the JSON texts at once: a return value is checked and turned into text as the task returns it,
 * so an object the task (or something it started) changes afterwards is stored as it was returned, not as it is when
 * the outcome is written.
 */
export function serializeText(value: unknown, taskName: string, root: string): StoredText {
  if (value === undefined) return { json: "null", meta: UNDEFINED_META_TEXT };
  const { json, meta } = serialize(value, taskName, root);
  return { json: JSON.stringify(json), meta: meta === null ? null : JSON.stringify(meta) };
}

export function deserializeText(stored: StoredText): unknown {
  return deserialize({ json: JSON.parse(stored.json), meta: stored.meta === null ? null : JSON.parse(stored.meta) });
}

export function deserialize(stored: Stored): unknown {
  if (stored.meta === null || stored.meta === undefined) return stored.json;
  if (isBareUndefined(stored)) return undefined;
  return superjson.deserialize({ json: stored.json, meta: stored.meta } as SuperJSONResult);
}

/** Values JSON cannot carry as they are, which superjson's meta describes. */
function needsMeta(value: unknown): boolean {
  return value === undefined || typeof value === "bigint" || value instanceof Date || Object.is(value, -0);
}

/** Deeper than this, superjson's recursive walk risks overflowing the stack; real args are never this deep. */
const MAX_DEPTH = 500;

const ONLY_DATA =
  "pass plain data instead: plain objects, arrays, strings, numbers, booleans, null, undefined, " +
  "Date, BigInt, Map and Set round-trip (e.g. pass an id and load the object inside the task)";

interface Problem {
  reason: string;
  fix: string;
}

/** A container on the walk. The path to it is rebuilt from the parent links only when an error needs it. */
interface Visit {
  readonly value: object;
  readonly parent: Visit | undefined;
  readonly segment: string;
  readonly depth: number;
  /** Its children are on the stack above it; popping it again means they have all been checked. */
  entered: boolean;
}

/**
 * Walks the value without recursion, since it runs on every enqueue and values can be large. Leaves are checked
 * where they sit; only containers go on the stack. A container met again after it was fully checked is a shared
 * reference (fine); one met while it is still being checked is its own ancestor: a cycle.
 */
function assertStorable(value: unknown, taskName: string, root: string): boolean {
  const fail = (parent: Visit | undefined, segment: string, problem: Problem): never => {
    throw new SerializationError(taskName, pathOf(parent, segment), problem.reason, problem.fix);
  };
  const top = leafProblem(value);
  if (top !== undefined) fail(undefined, root, top);
  if (!isContainer(value)) return !needsMeta(value);
  let plain = true;

  const inProgress = new Set<object>();
  const checked = new Set<object>();
  const stack: Visit[] = [{ value, parent: undefined, segment: root, depth: 0, entered: false }];
  // Pairs of (container, segment) found in the current container, pushed afterwards in reverse so that nested
  // containers are walked in the value's own order.
  const found: Array<object | string> = [];

  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    const container = visit.value;
    if (visit.entered) {
      inProgress.delete(container);
      checked.add(container);
      continue;
    }
    if (checked.has(container)) {
      plain = false; // a shared reference: superjson's meta keeps it one object
      continue;
    }
    if (inProgress.has(container)) fail(visit.parent, visit.segment, cycleProblem(visit));
    if (visit.depth > MAX_DEPTH) {
      fail(visit.parent, visit.segment, { reason: `it is nested more than ${MAX_DEPTH} levels deep`, fix: "pass a flatter value" });
    }
    visit.entered = true;
    inProgress.add(container);
    stack.push(visit);

    found.length = 0;
    if (Array.isArray(container)) {
      if (Object.getPrototypeOf(container) !== Array.prototype) fail(visit.parent, visit.segment, classProblem(container));
      for (let i = 0; i < container.length; i++) {
        if (!(i in container)) {
          fail(visit, `[${i}]`, { reason: "it is a hole in a sparse array, which is stored as null", fix: "fill it with undefined or null" });
        }
        const child: unknown = container[i];
        const problem = leafProblem(child);
        if (problem !== undefined) fail(visit, `[${i}]`, problem);
        if (isContainer(child)) found.push(child, `[${i}]`);
        else if (needsMeta(child)) plain = false;
      }
    } else if (container instanceof Map) {
      plain = false;
      let i = 0;
      for (const [key, entry] of container as Map<unknown, unknown>) {
        const keyProblem = leafProblem(key);
        if (keyProblem !== undefined) fail(visit, `.keys()[${i}]`, keyProblem);
        if (isContainer(key)) found.push(key, `.keys()[${i}]`);
        const entryProblem = leafProblem(entry);
        if (entryProblem !== undefined) fail(visit, mapEntrySegment(key, i), entryProblem);
        if (isContainer(entry)) found.push(entry, mapEntrySegment(key, i));
        i++;
      }
    } else if (container instanceof Set) {
      plain = false;
      let i = 0;
      for (const member of container as Set<unknown>) {
        const problem = leafProblem(member);
        if (problem !== undefined) fail(visit, `[${i}]`, problem);
        if (isContainer(member)) found.push(member, `[${i}]`);
        i++;
      }
    } else {
      const proto: unknown = Object.getPrototypeOf(container);
      if (proto !== Object.prototype && proto !== null) fail(visit.parent, visit.segment, classProblem(container));
      for (const symbol of Object.getOwnPropertySymbols(container)) {
        if (Object.prototype.propertyIsEnumerable.call(container, symbol)) {
          fail(visit.parent, visit.segment, {
            reason: `it has the symbol key ${symbol.toString()}, and symbol keys are dropped when stored`,
            fix: "use string keys",
          });
        }
      }
      const record = container as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        // superjson refuses these anywhere in a value, as a guard against prototype pollution.
        if (key === "__proto__" || key === "constructor" || key === "prototype") {
          fail(visit, pathSegment(key), {
            reason: `the key "${key}" is refused by superjson as a prototype-pollution risk`,
            fix: "rename the key",
          });
        }
        if (key.includes("\u0000")) fail(visit, pathSegment(key), NUL_PROBLEM);
        if (!isWellFormed(key)) fail(visit, pathSegment(key), HALF_CHARACTER_PROBLEM);
        const child = record[key];
        const problem = leafProblem(child);
        if (problem !== undefined) fail(visit, pathSegment(key), problem);
        if (isContainer(child)) found.push(child, pathSegment(key));
        else if (needsMeta(child)) plain = false;
      }
    }
    for (let i = found.length - 2; i >= 0; i -= 2) {
      const child = found[i] as object;
      stack.push({ value: child, parent: visit, segment: found[i + 1] as string, depth: visit.depth + 1, entered: false });
    }
  }
  return plain;
}

/** Objects the walk goes into; Dates are leaves. */
function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null && !(value instanceof Date);
}

/** What is wrong with a value on its own, whatever it contains; undefined when nothing is. */
function leafProblem(value: unknown): Problem | undefined {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value)
        ? undefined
        : { reason: `it is ${value}, which JSON would store as null`, fix: `use null, or a string such as "${value}"` };
    case "object":
      return value instanceof Date && Number.isNaN(value.getTime())
        ? { reason: "it is an invalid Date (its time is NaN)", fix: "pass a valid Date, or null" }
        : undefined;
    case "function":
      return {
        reason: `it is a function${value.name ? ` (${value.name})` : ""}, and functions cannot be stored`,
        fix: "pass data the task can use to find or rebuild it, such as an id or a name",
      };
    case "symbol":
      return { reason: `it is ${value.toString()}, and symbols cannot be stored`, fix: "use a string" };
    case "string":
      return value.includes("\u0000") ? NUL_PROBLEM : isWellFormed(value) ? undefined : HALF_CHARACTER_PROBLEM;
    default:
      return undefined;
  }
}

/** PostgreSQL's jsonb refuses the NUL character; refused everywhere so SQLite in development behaves like production. */
const NUL_PROBLEM: Problem = {
  reason: "it contains the NUL character (\\u0000), which PostgreSQL cannot store in JSON",
  fix: "remove it, or encode the data (e.g. base64)",
};

/** A lone UTF-16 surrogate (half of an emoji, say) is not valid text in JSON, and PostgreSQL refuses it. */
const HALF_CHARACTER_PROBLEM: Problem = {
  reason: "it contains half of a character (a lone UTF-16 surrogate, e.g. an emoji cut in two), which is not valid text",
  fix: "cut strings by characters, not UTF-16 units (e.g. Array.from(text).slice(...))",
};

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

function classProblem(container: object): Problem {
  const name = constructorName(container) ?? "an unnamed class";
  return { reason: `it is an instance of ${name}, which would come back as a plain object or not at all`, fix: ONLY_DATA };
}

function cycleProblem(visit: Visit): Problem {
  let ancestor = visit.parent;
  while (ancestor !== undefined && ancestor.value !== visit.value) ancestor = ancestor.parent;
  return {
    reason: `it refers back to ${pathOf(ancestor?.parent, ancestor?.segment ?? "")}, making a cycle, and cyclic values cannot be stored`,
    fix: "break the cycle, e.g. pass ids instead of object references",
  };
}

function pathOf(parent: Visit | undefined, segment: string): string {
  const segments = [segment];
  for (let v = parent; v !== undefined; v = v.parent) segments.push(v.segment);
  return segments.reverse().join("");
}

/** `.get("id")` for keys a reader can type; the entry's position otherwise. */
function mapEntrySegment(key: unknown, index: number): string {
  switch (typeof key) {
    case "string":
      return `.get(${JSON.stringify(key)})`;
    case "number":
    case "boolean":
    case "undefined":
      return `.get(${String(key)})`;
    case "bigint":
      return `.get(${key}n)`;
    default:
      return key === null ? ".get(null)" : `.values()[${index}]`;
  }
}
