// Compiles, once per test run, the TypeScript that tests run in processes of their own (the worker, the fixtures, the
// generated clients) to JavaScript, so that each process starts on plain Node instead of compiling it all again.
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    compiledRoot: string;
  }
}

const root = fileURLToPath(new URL("../..", import.meta.url));

// What a worker, a fixture or a test's helper process imports, directly or not.
const SOURCES = ["src", "generated", "test/fixtures", "test/support"];

// Type stripping, file by file, as tsx does: the type check is `npm run typecheck`'s job. verbatimModuleSyntax keeps
// every import as written, side effects included. The source map lets a process started with --enable-source-maps
// print stacks that name the sources, as tests of stored tracebacks expect.
const OPTIONS: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: true };

// Inside the repository, under the same relative paths, so that bare imports find its node_modules and relative ones
// (by their .js names, as in the sources) find the compiled files. One folder per run: two runs at once (CI runs the
// suite on two Nodes side by side) never read each other's half-written files.
const out = join(root, ".test-build", String(process.pid));

async function compileFile(source: string): Promise<void> {
  const from = join(root, source);
  if (source.endsWith(".d.ts") || !/\.(ts|mjs|js)$/.test(source)) return;
  const to = join(out, source.replace(/\.ts$/, ".js"));
  await mkdir(dirname(to), { recursive: true });
  if (!source.endsWith(".ts")) return copyFile(from, to);
  const { outputText, sourceMapText } = ts.transpileModule(await readFile(from, "utf8"), { compilerOptions: OPTIONS, fileName: from });
  // Inline, and naming the source file itself (not a neighbour of the copy), so that a stack leads to the code to edit.
  const map = { ...JSON.parse(sourceMapText!), sources: [pathToFileURL(from).href] };
  const code = outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  await writeFile(to, `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`);
}

export async function setup(project: TestProject) {
  await rm(out, { recursive: true, force: true });
  for (const folder of SOURCES) {
    const files = await readdir(join(root, folder), { recursive: true });
    await Promise.all(files.map((file) => compileFile(join(folder, file))));
  }
  project.provide("compiledRoot", out);
}

export async function teardown() {
  await rm(out, { recursive: true, force: true });
}
