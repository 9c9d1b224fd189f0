// Where a test finds the JavaScript copy of a source file that compile-setup.ts made, for a process it starts.
import { join } from "node:path";
import { inject } from "vitest";

/** The compiled copy of `source`, a path from the repository's root (src/worker/bin.ts), as an absolute path. */
export function compiled(source: string): string {
  return join(inject("compiledRoot"), source.replace(/\.ts$/, ".js"));
}
