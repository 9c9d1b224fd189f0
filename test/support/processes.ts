// Real tasks-worker processes for tests: started from the compiled source with the test config, their output collected.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { compiled } from "./compiled.js";
import type { TestDatabase } from "./connect.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves when a line matching `pattern` has been printed; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every worker process a test started and left running (after a failed assertion, say). */
export async function killLeftoverWorkers(): Promise<void> {
  const exits = [...live].map((child) => new Promise((resolve) => child.once("exit", resolve)));
  for (const child of live) child.kill("SIGKILL");
  await Promise.all(exits);
}

/**
 * A config given in `args` as a fixture's source path (test/fixtures/*.ts) becomes its compiled copy, which shares the
 * worker's compiled modules; any other path (a config a test wrote, one that does not exist) is passed as it is.
 */
function compiledConfigs(args: readonly string[]): string[] {
  return args.map((arg, index) => (args[index - 1] === "--config" && arg.startsWith("test/fixtures/") ? compiled(arg) : arg));
}

/**
 * Starts tasks-worker with the test config; `command` comes first (as `dashboard` must); `env` adds to this process's.
 * It runs compiled (compile-setup.ts): through tsx, each start compiled the worker again, a second of CPU each.
 */
export function startWorker(
  database: TestDatabase,
  args: readonly string[] = [],
  command: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    ["--enable-source-maps", compiled("src/worker/bin.ts"), ...command, "--config", compiled("test/fixtures/tasks.config.ts"), ...compiledConfigs(args)],
    {
      cwd: root,
      env: { ...process.env, ...env, TASKS_TEST_PROVIDER: database.provider, TASKS_TEST_URL: database.url, TASKS_TEST_SCHEMA: database.schema ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const streams = { stdout: "", stderr: "" };
  const listeners = new Set<() => void>();
  const collect = (stream: keyof typeof streams) => (chunk: Buffer) => {
    output += chunk.toString();
    streams[stream] += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", collect("stdout"));
  child.stderr!.on("data", collect("stderr"));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // "close", not "exit": the process may end before this side has read all it wrote to the pipes.
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => output,
    stdout: () => streams.stdout,
    stderr: () => streams.stderr,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs a worker command to its end and returns its exit code and output. */
export async function runWorker(database: TestDatabase, args: readonly string[]) {
  const worker = startWorker(database, args);
  const { code, signal } = await worker.exited;
  return { code, signal, output: worker.output(), stdout: worker.stdout(), stderr: worker.stderr() };
}
