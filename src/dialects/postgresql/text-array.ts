// A list of names as one PostgreSQL text[] literal: a single string parameter, which pg and Prisma both pass as is.

const literals = new WeakMap<readonly string[], string>();

/** `{"a","b"}` for ["a", "b"]; each element quoted, its quotes and backslashes escaped. Built once per list. */
export function textArray(names: readonly string[]): string {
  let literal = literals.get(names);
  if (literal === undefined) {
    literal = `{${names.map(arrayElement).join(",")}}`;
    literals.set(names, literal);
  }
  return literal;
}

/** One element of an array literal: quoted, its quotes and backslashes escaped; SQL NULL for null. */
export function arrayElement(text: string | null): string {
  return text === null ? "NULL" : `"${text.replace(/["\\]/g, "\\$&")}"`;
}
