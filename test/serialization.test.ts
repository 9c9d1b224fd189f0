// Specification of serialize()/deserialize(): what round-trips, what is refused, and how the refusal reads.
import superjson from "superjson";
import { describe, expect, test } from "vitest";
import { SerializationError, TasksError } from "../src/index.js";
import { deserialize, serialize } from "../src/serialization.js";

const TASK = "accounts.sendWelcomeEmail";

function roundTrip(value: unknown): unknown {
  return deserialize(serialize(value, TASK, "args"));
}

function refusal(value: unknown, root: "args" | "returnValue" = "args"): SerializationError {
  try {
    serialize(value, TASK, root);
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return error as SerializationError;
  }
  throw new Error("expected serialize to refuse the value");
}

describe("values that round-trip", () => {
  test("plain JSON comes back equal, with no meta", () => {
    const value = { userId: 1, name: "Ada", tags: ["a", "b"], nested: { ok: true, none: null } };
    const stored = serialize(value, TASK, "args");
    expect(stored).toEqual({ json: value, meta: null });
    expect(deserialize(stored)).toEqual(value);
  });

  test("a Date comes back as an equal Date", () => {
    const createdAt = new Date("2030-01-02T03:04:05.678Z");
    const back = roundTrip({ createdAt }) as { createdAt: Date };
    expect(back.createdAt).toBeInstanceOf(Date);
    expect(back.createdAt.getTime()).toBe(createdAt.getTime());
  });

  test("a Date is stored as its readable ISO string", () => {
    const stored = serialize({ createdAt: new Date("2030-01-02T03:04:05.678Z") }, TASK, "args");
    expect(JSON.stringify(stored.json)).toBe('{"createdAt":"2030-01-02T03:04:05.678Z"}');
  });

  test("a BigInt comes back as the same BigInt, stored as a decimal string", () => {
    const stored = serialize({ id: 9007199254740993n }, TASK, "args");
    expect(JSON.stringify(stored.json)).toBe('{"id":"9007199254740993"}');
    expect(deserialize(stored)).toEqual({ id: 9007199254740993n });
  });

  test("a Map comes back as a Map with the same entries", () => {
    const byId = new Map<unknown, unknown>([["a", 1], [2, { b: new Date(0) }]]);
    expect(roundTrip({ byId })).toEqual({ byId });
  });

  test("a Set comes back as a Set with the same members", () => {
    expect(roundTrip({ tags: new Set(["x", "y"]) })).toEqual({ tags: new Set(["x", "y"]) });
  });

  test("undefined in object properties, arrays and at the top level comes back as undefined", () => {
    const back = roundTrip({ a: undefined, list: [1, undefined, 3] }) as { a: unknown; list: unknown[] };
    expect(Object.keys(back)).toContain("a");
    expect(back.a).toBeUndefined();
    expect(back.list).toEqual([1, undefined, 3]);
    expect(roundTrip(undefined)).toBeUndefined();
  });

  test("null, strings, booleans and numbers at the top level come back equal", () => {
    for (const value of [null, "hello", true, 0, -12.5]) expect(roundTrip(value)).toEqual(value);
  });

  test("special values nested deep inside plain data come back in place", () => {
    const value = {
      user: { id: 1n, createdAt: new Date("2030-01-01T00:00:00.000Z"), roles: new Set(["admin"]) },
      orders: [{ at: new Date(5), lines: new Map([["sku-1", { qty: 2n }]]) }],
    };
    expect(roundTrip(value)).toEqual(value);
  });

  test("an object with a null prototype is accepted", () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(roundTrip({ bare })).toEqual({ bare: { a: 1 } });
  });

  test("a shared object that is not a cycle is accepted and comes back shared", () => {
    const address = { city: "Paris" };
    const back = roundTrip({ billing: address, shipping: address }) as Record<string, unknown>;
    expect(back).toEqual({ billing: address, shipping: address });
    expect(back.billing).toBe(back.shipping);
  });

  test("a return value is serialized the same way", () => {
    expect(deserialize(serialize(new Map([["k", 1n]]), TASK, "returnValue"))).toEqual(new Map([["k", 1n]]));
  });

  test("stored values with meta undefined, as some JSON columns give back, deserialize", () => {
    expect(deserialize({ json: { a: 1 }, meta: undefined })).toEqual({ a: 1 });
  });

  test("a bare undefined is stored as superjson stores it, and rows written either way read back as undefined", () => {
    const stored = serialize(undefined, TASK, "returnValue");
    expect(JSON.parse(JSON.stringify(stored))).toEqual({ json: null, meta: superjson.serialize(undefined).meta });
    expect(deserialize({ json: null, meta: { v: 1, values: ["undefined"] } })).toBeUndefined();
    expect(deserialize({ json: null, meta: { values: ["undefined"] } })).toBeUndefined();
    // Not a bare undefined: superjson's own reading applies.
    expect(deserialize({ json: [null], meta: { values: { 0: ["undefined"] } } })).toEqual([undefined]);
    expect(deserialize({ json: { a: null }, meta: { values: { a: ["undefined"] } } })).toEqual({ a: undefined });
  });

  test("a large plain object round-trips (the check walks it without recursion)", () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ["a", "b"] }));
    expect(deserialize(serialize({ rows }, TASK, "args"))).toEqual({ rows });
  });
});

describe("values that are refused, with the path of the offending value", () => {
  test("an invalid Date is refused at its path", () => {
    const error = refusal({ user: { createdAt: new Date("not a date") } });
    expect(error).toMatchObject({ taskName: TASK, path: "args.user.createdAt" });
    expect(error.message).toContain(`Task "${TASK}": cannot store args.user.createdAt`);
    expect(error.message).toContain("invalid Date");
    expect(error.message).toContain("Fix: pass a valid Date, or null");
  });

  test("a function is refused at its array index", () => {
    const error = refusal({ items: [1, 2, function callback() {}] });
    expect(error).toMatchObject({ path: "args.items[2]" });
    expect(error.message).toContain("function (callback)");
    expect(error.message).toContain("such as an id");
  });

  test("a bad Map value is refused at its entry", () => {
    const error = refusal({ byId: new Map([["k", Number.NaN]]) });
    expect(error).toMatchObject({ path: 'args.byId.get("k")' });
  });

  test("a bad Map key is refused at its position among the keys", () => {
    const error = refusal({ byId: new Map([[Symbol("k"), 1]]) });
    expect(error).toMatchObject({ path: "args.byId.keys()[0]" });
  });

  test("a bad Set member is refused at its position", () => {
    const error = refusal({ tags: new Set(["ok", () => 1]) });
    expect(error).toMatchObject({ path: "args.tags[1]" });
  });

  test("a key that is not an identifier is quoted in the path", () => {
    const error = refusal({ "first name": Symbol("x") });
    expect(error).toMatchObject({ path: 'args["first name"]' });
  });

  test("a return value is refused under the path returnValue", () => {
    const error = refusal({ at: new Date(Number.NaN) }, "returnValue");
    expect(error).toMatchObject({ path: "returnValue.at" });
  });

  test("a bad top-level value is refused at the path args", () => {
    expect(refusal(() => 1)).toMatchObject({ path: "args" });
  });

  test("a symbol is refused", () => {
    const error = refusal({ kind: Symbol("vip") });
    expect(error).toMatchObject({ path: "args.kind" });
    expect(error.message).toContain("Symbol(vip)");
    expect(error.message).toContain("use a string");
  });

  test.each([
    { value: Number.NaN, shown: "NaN" },
    { value: Number.POSITIVE_INFINITY, shown: "Infinity" },
    { value: Number.NEGATIVE_INFINITY, shown: "-Infinity" },
  ])("$shown is refused, since JSON would store it as null", ({ value, shown }) => {
    const error = refusal({ ratio: value });
    expect(error).toMatchObject({ path: "args.ratio" });
    expect(error.message).toContain(`it is ${shown}, which JSON would store as null`);
    expect(error.message).toContain("use null, or a string");
  });

  test.each([
    { kind: "a class instance", value: new (class Money {})(), name: "Money" },
    { kind: "an Error", value: new Error("boom"), name: "Error" },
    { kind: "a RegExp", value: /x/, name: "RegExp" },
    { kind: "a typed array", value: new Uint8Array(2), name: "Uint8Array" },
    { kind: "a boxed string", value: new String("x"), name: "String" },
  ])("$kind is refused, naming its class", ({ value, name }) => {
    const error = refusal({ user: { profile: value } });
    expect(error).toMatchObject({ path: "args.user.profile" });
    expect(error.message).toContain(`instance of ${name}`);
    expect(error.message).toContain("pass plain data instead");
  });

  test("a subclass of Array is refused", () => {
    class Batch extends Array<number> {}
    expect(refusal({ batch: Batch.from([1]) })).toMatchObject({ path: "args.batch" });
  });

  test("a cycle is refused, naming where it points back to", () => {
    const user: Record<string, unknown> = { name: "Ada" };
    user.self = { owner: user };
    const error = refusal({ user });
    expect(error).toMatchObject({ path: "args.user.self.owner" });
    expect(error.message).toContain("refers back to args.user");
    expect(error.message).toContain("cycle");
  });

  test("a cycle through an array is refused", () => {
    const list: unknown[] = [];
    list.push(list);
    expect(refusal(list)).toMatchObject({ path: "args[0]" });
  });

  test("an enumerable symbol key is refused", () => {
    const error = refusal({ meta: { [Symbol("hidden")]: 1 } });
    expect(error).toMatchObject({ path: "args.meta" });
    expect(error.message).toContain("symbol key Symbol(hidden)");
  });

  test("a hole in a sparse array is refused", () => {
    expect(refusal({ list: [1, , 3] })).toMatchObject({ path: "args.list[1]" });
  });

  test.each(["__proto__", "constructor", "prototype"])("the key %s, which superjson refuses, is refused", (key) => {
    const error = refusal(JSON.parse(`{"data": {"${key}": 1}}`));
    expect(error).toMatchObject({ path: `args.data.${key}` });
    expect(error.message).toContain("rename the key");
  });

  test("a value nested deeper than superjson can walk is refused", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 600; i++) deep = (deep.next = {}) as Record<string, unknown>;
    expect(refusal(root).message).toContain("levels deep");
  });

  test("a refusal is catchable as a TasksError named SerializationError", () => {
    const error = refusal({ f: () => 1 });
    expect(error).toBeInstanceOf(TasksError);
    expect(error.name).toBe("SerializationError");
  });
});

describe("the NUL character", () => {
  test("is refused in a string value, naming its path", () => {
    expect(() => serialize({ note: "a\u0000b" }, "notes.save", "args")).toThrowError(SerializationError);
    expect(() => serialize({ note: "a\u0000b" }, "notes.save", "args")).toThrowError(/args\.note.*NUL/);
  });

  test("is refused in an object key", () => {
    expect(() => serialize({ ["k\u0000"]: 1 }, "notes.save", "args")).toThrowError(/NUL/);
  });
});

describe("plain JSON", () => {
  test("is stored as it is, with no meta", () => {
    const args = { userId: 7, tags: ["a", "b"], nested: { ok: true, note: null } };
    expect(serialize(args, TASK, "args")).toEqual({ json: args, meta: null });
  });

  test("that shares an object keeps the sharing through superjson's meta", () => {
    const shared = { id: 1 };
    const restored = deserialize(serialize({ a: shared, b: shared }, TASK, "args")) as { a: object; b: object };
    expect(restored.a).toBe(restored.b);
  });

  test("keeps -0", () => {
    expect(Object.is((deserialize(serialize({ x: -0 }, TASK, "args")) as { x: number }).x, -0)).toBe(true);
  });
});

describe("half a character", () => {
  test("(a lone surrogate) is refused, naming its path", () => {
    expect(() => serialize({ note: "😀".slice(0, 1) }, TASK, "args")).toThrowError(/args\.note.*half of a character/);
  });
});
