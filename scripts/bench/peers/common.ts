/**
 * Shared helpers for the peer benchmark modules: run worker child processes
 * that all drain the same queue, and time them against the database.
 *
 * Child protocol (over the fork IPC channel):
 *   child -> {type:"ready"}          after connecting / warming up, before touching jobs
 *   parent -> {type:"go"}            start processing (the timer starts here)
 *   child -> {type:"progress", executed}   jobs its task function has run so far (peers/progress.mjs)
 *   parent -> {type:"stop"}          graceful stop
 *   child -> {type:"stopped", maxRssKb}
 *   child -> {type:"error", message}
 *
 * The peers' workers are plain .mjs files here; prisma-tasks runs its real CLI with scripts/bench/tasks.config.ts,
 * which speaks the same protocol.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { engineMismatch } from "../node-runtime.js";
import type { DrainResult } from "./types.js";

export const HERE = path.dirname(fileURLToPath(import.meta.url));

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of live) {
      try {
        c.kill("SIGKILL");
      } catch {}
    }
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Msg =
  | { type: "ready" }
  | { type: "progress"; executed: number }
  | { type: "stopped"; maxRssKb: number }
  | { type: "error"; message: string };

function waitFor(child: ChildProcess, type: Msg["type"], timeoutMs: number, label: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${label}: timed out waiting for '${type}'`)), timeoutMs);
    const onMsg = (m: Msg) => {
      if (m?.type === type) finish(undefined, m);
      else if (m?.type === "error") finish(new Error(`${label}: ${m.message}`));
    };
    const onExit = (code: number | null, sig: string | null) =>
      finish(new Error(`${label}: worker exited (code ${code}, signal ${sig}) before '${type}'`));
    function finish(err?: Error, m?: Msg) {
      clearTimeout(timer);
      child.off("message", onMsg);
      child.off("exit", onExit);
      err ? reject(err) : resolve(m!);
    }
    child.on("message", onMsg);
    child.on("exit", onExit);
  });
}

/** How to start one worker process: a module forked with an IPC channel that speaks the protocol above. */
export interface WorkerCommand {
  modulePath: string;
  args: string[];
  /** Node flags; none by default (plain node: no tsx loader overhead in the peers' workers). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the child's stdout goes; its per-task log lines would otherwise flood the benchmark's output. */
  stdout?: "inherit" | "ignore";
}

export interface DrainRun {
  elapsedMs: number;
  /** Jobs finished when the clock stopped: n, or fewer when `maxMs` cut the run short. */
  completed: number;
  /** Peak RSS of each worker process. */
  maxRssKb: number[];
}

/**
 * Fork `processes` workers, wait until all are ready, send "go", then poll `remaining()` until it returns <= 0 or
 * `maxMs` has passed (slow configurations are measured over a window instead of to the end). Returns elapsed ms
 * (go -> DB shows all done), how many of the n jobs finished, and each child's peak RSS.
 */
export async function runWorkers(opts: {
  label: string;
  command: (index: number) => WorkerCommand;
  processes: number;
  n: number;
  /**
   * Queries the DB: how many of the n jobs are not completed yet. Without `exact` it may answer with any positive
   * number while jobs remain (a cheap indexed count of queued jobs), so polling stays light with a large backlog.
   */
  remaining: (exact: boolean) => Promise<number>;
  maxMs?: number;
  timeoutMs?: number;
  pollMs?: number;
}): Promise<DrainRun> {
  installExitHook();
  const label = opts.label;
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const pollMs = opts.pollMs ?? 10;
  const children: ChildProcess[] = [];
  let stoppedCleanly = false;
  const exited = new Map<ChildProcess, Promise<void>>();
  try {
    for (let i = 0; i < opts.processes; i++) {
      const command = opts.command(i);
      const child = fork(command.modulePath, command.args, {
        execArgv: command.execArgv ?? [],
        env: command.env ?? process.env,
        stdio: ["ignore", command.stdout ?? "inherit", "inherit", "ipc"],
      });
      live.add(child);
      children.push(child);
      exited.set(
        child,
        new Promise((r) =>
          child.once("exit", () => {
            live.delete(child);
            r();
          }),
        ),
      );
    }
    await Promise.all(children.map((c, i) => waitFor(c, "ready", 60_000, `${label}#${i}`)));

    // Fail fast if a child dies mid-run. Each child reports the jobs it has run: the database is read only once they add
    // up to n (then its count says when the last outcomes are written), so the benchmark's own counting does not load
    // the server it measures while the drain runs.
    let died: Error | undefined;
    const executed = children.map(() => 0);
    for (const [i, c] of children.entries()) {
      c.once("exit", (code, sig) => (died ??= new Error(`${label}#${i} exited early (code ${code}, signal ${sig})`)));
      c.on("message", (m: Msg) => {
        if (m?.type === "error") died ??= new Error(`${label}#${i}: ${m.message}`);
        else if (m?.type === "progress") executed[i] = m.executed;
      });
    }

    const t0 = performance.now();
    for (const c of children) c.send({ type: "go" });
    let left: number;
    for (;;) {
      if (died) throw died;
      const ran = executed.reduce((sum, count) => sum + count, 0);
      left = ran >= opts.n ? await opts.remaining(false) : opts.n - ran;
      if (left <= 0) break;
      const elapsed = performance.now() - t0;
      if (opts.maxMs !== undefined && elapsed >= opts.maxMs) {
        left = await opts.remaining(true);
        break;
      }
      if (elapsed > timeoutMs) throw new Error(`${label}: drain timed out after ${timeoutMs}ms`);
      // Until the children report n jobs run, a short sleep (no database read); after that, adaptive: fine resolution
      // for short runs, little database load for long ones.
      await sleep(ran >= opts.n ? Math.max(pollMs, Math.min(250, elapsed * 0.05)) : 5);
    }
    const elapsedMs = performance.now() - t0;

    const stopped = children.map((c, i) => waitFor(c, "stopped", 30_000, `${label}#${i}`));
    for (const c of children) c.send({ type: "stop" });
    const msgs = await Promise.all(stopped);
    stoppedCleanly = true;
    return { elapsedMs, completed: opts.n - Math.max(left, 0), maxRssKb: msgs.map((m) => (m as { maxRssKb: number }).maxRssKb) };
  } finally {
    // Children still running: after a failure all are asked to stop at once (SIGTERM); after "stopped" they are
    // finishing their own graceful stop, which a signal would force. Either way they are killed together after 5 s.
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    if (!stoppedCleanly) for (const c of running) c.kill("SIGTERM");
    await Promise.all(
      running.map(async (c) => {
        if ((await Promise.race([exited.get(c)!, sleep(5_000).then(() => "timeout")])) === "timeout") c.kill("SIGKILL");
      }),
    );
    await Promise.all(children.map((c) => exited.get(c)));
  }
}

/** Stop every worker process still running (SIGTERM, then SIGKILL after `graceMs`); for Ctrl-C and fatal errors. */
export async function killWorkers(graceMs = 3_000): Promise<void> {
  const waiting = [...live].map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once("exit", () => resolve());
        try {
          c.kill("SIGTERM");
        } catch {}
        setTimeout(() => {
          try {
            c.kill("SIGKILL");
          } catch {}
        }, graceMs).unref();
      }),
  );
  await Promise.all(waiting);
}

/** jobs/s of a drain run, and its workers' peak RSS in MB. */
export function drainResult(run: DrainRun): DrainResult {
  return { perSecond: run.completed / (run.elapsedMs / 1000), completed: run.completed, peakRssMb: run.maxRssKb.map((kb) => kb / 1024) };
}

/** Run fn with a connected pg.Client, always closing it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  // A dropped connection (the server stopping on Ctrl-C) also fails the pending query, which reports it.
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The installed package.json of a package (found next to its resolved entry), or undefined. */
function packageJson(pkg: string): { version?: string; engines?: { node?: string } } | undefined {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve(pkg));
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8"));
      if (json.name === pkg) return json;
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Installed version of a package. */
export function packageVersion(pkg: string): string {
  return packageJson(pkg)?.version ?? "unknown";
}

/** Why this Node cannot run the installed package, by its package.json engines.node; undefined when it can. */
export function nodeMismatch(pkg: string): string | undefined {
  return engineMismatch(`${pkg} ${packageVersion(pkg)}`, packageJson(pkg)?.engines?.node);
}

/** Reject with message() if p has not settled within ms. */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
