// The worker engine: claims ready tasks, runs up to `concurrency` at once, records outcomes, keeps its leases.
import { performance } from "node:perf_hooks";
import { DatabaseBackend } from "../backends/database.js";
import { resultData, withOutcome } from "../backends/stored.js";
import { NOTIFY_CHANNEL } from "../dialects/index.js";
import type { Outcome, SqlClient, StoredTask } from "../dialects/types.js";
import { InvalidConfig, TaskAborted, WorkerLost } from "../errors.js";
import { TaskResult, type ResultSource, type TaskResultData } from "../result.js";
import { TasksClient, runtimeOf, type TasksRuntime } from "../tasks-client.js";
import { AttemptAbort, runAttempt } from "./attempt.js";
import { Completer } from "./completer.js";
import { Listener } from "./listener.js";
import type { Log } from "./log.js";
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from "./options.js";
import { connectionConfigOf } from "../dialects/postgresql/connection.js";

const MAX_CLAIM_BACKOFF_MS = 30_000;
/** Claims out at once (see #loop). */
const MAX_CLAIMS = 2;
/** How long a forced stop still tries to write outcomes before it leaves them to the leases. */
const FORCED_DRAIN_MS = 10_000;

export interface WorkerSetup extends WorkerOptions {
  /** The Prisma client extended with withTasks. */
  prisma: unknown;
  /** Where log lines go; silent by default. */
  log?: Log;
}

/** A task's fields for its log lines, built only for a line that is written. */
function fieldsOf(stored: StoredTask) {
  return { taskId: stored.id, taskName: stored.taskName, queue: stored.queueName, attempt: stored.attempts };
}

interface Running {
  stored: StoredTask;
  abort: AttemptAbort;
}

/** Runs tasks from the database until stopped (or, with `batch` or `maxTasks`, until done). */
export class Worker {
  readonly options: ResolvedWorkerOptions;
  readonly queues: readonly string[] | "*";
  readonly #runtime: TasksRuntime;
  readonly #log: Log;
  /** Whether info entries are kept: when not, the two per task are never built. */
  readonly #logsInfo: boolean;
  readonly #completer: Completer;
  readonly #source: ResultSource;
  readonly #buffer: StoredTask[] = [];
  readonly #running = new Map<string, Running>();
  /** Attempts started and not yet settled (run, outcome written, hooks called). */
  #executing = 0;
  #onSettled: (() => void) | undefined;
  #listener: Listener | undefined;
  #timers: NodeJS.Timeout[] = [];
  #wake: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #maybeMore = true;
  /** Claims out now, and how many tasks they asked for together. */
  readonly #claims = new Set<Promise<void>>();
  #requested = 0;
  #claimSequence = 0;
  /** The latest claim started that has answered: its place in order, its count, the outcome batches written before it. */
  #lastClaim: { sequence: number; claimed: number; writesBefore: number } | undefined;
  #claimed = 0;
  #stopping = false;
  readonly #sharedTable: boolean;
  #claimFailures = 0;
  /** When a claim, heartbeat or rescue last failed to reach the database (performance.now()). */
  #lastDatabaseError = -Infinity;
  #done: Promise<void> | undefined;
  /** Where the worker's statements go: prisma-tasks' own pool on PostgreSQL, the Prisma client otherwise. */
  readonly #sql: SqlClient;

  constructor(setup: WorkerSetup) {
    const tasks = (setup.prisma as { $tasks?: unknown } | undefined)?.$tasks;
    if (!(tasks instanceof TasksClient)) {
      throw new InvalidConfig("Worker needs the Prisma client extended with withTasks(...). Fix: new Worker({ prisma: new PrismaClient({ adapter }).$extends(withTasks({ tasks })) }).");
    }
    this.#runtime = runtimeOf(tasks);
    this.options = resolveWorkerOptions(setup);
    const backend = this.#runtime.backends.get(this.options.backend);
    if (!(backend instanceof DatabaseBackend)) {
      throw new InvalidConfig(
        `Worker backend "${this.options.backend}" ${backend ? `is a ${backend.kind} backend` : "is not configured"}; ` +
          `workers run tasks of database backends. Fix: pass the alias of a { backend: "database" } entry.`,
      );
    }
    this.queues = this.options.queues ?? backend.queues;
    // Only when several database backends share task_results must claims tell their rows apart.
    this.#sharedTable = [...this.#runtime.backends.values()].filter((each) => each instanceof DatabaseBackend).length > 1;
    this.#log = setup.log ?? (() => {});
    this.#logsInfo = setup.log !== undefined && (setup.log.enabled?.("info") ?? true);
    this.#sql = this.#runtime.sql;
    this.#completer = new Completer(this.#runtime.dialect, this.#sql, this.options.workerId, this.#log);
    this.#source = {
      fetch: async (id) => {
        const stored = await this.#runtime.dialect.fetchTask(this.#sql, id);
        if (!stored) throw new Error(`task ${id} no longer exists`);
        return resultData(stored);
      },
    };
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Where the worker connects (password masked), for its start-up line. */
  get database(): string {
    const config = connectionConfigOf(this.#runtime.client);
    const url = typeof config?.connectionString === "string" ? config.connectionString : undefined;
    if (url) return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1****@");
    return this.#runtime.dialect.provider;
  }

  /** Runs until stopped; resolves once every claimed task has finished and its outcome is written. */
  run(): Promise<void> {
    this.#done ??= this.#run();
    return this.#done;
  }

  /**
   * Stops claiming and lets running tasks finish (tasks claimed but not started go back to NEW). With `abort`, running
   * tasks are aborted through their signal and recorded as failed (or NEW again when attempts remain).
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    this.#stopping = true;
    if (options.abort) {
      // A forced stop does not wait forever on a database that does not answer: after a while, unwritten outcomes
      // are left to the leases.
      setTimeout(() => this.#completer.abandon(), FORCED_DRAIN_MS).unref();
      for (const running of this.#running.values()) {
        running.abort.abort(new TaskAborted(running.stored.taskName, this.options.workerId));
      }
    }
    this.#wake?.();
    await this.#done;
  }

  async #run(): Promise<void> {
    const { dialect, client } = this.#runtime;
    if (this.options.startupDelay) await this.#sleep(Math.random() * this.options.intervalMs);
    if (dialect.provider === "sqlite") {
      // Readers and the one writer stop blocking each other, which several worker processes on one file need.
      await client.$queryRawUnsafe("PRAGMA journal_mode = WAL").catch(() => {});
    }
    // The first claim does not wait for the LISTEN connection: once it listens, the listener wakes the loop for a
    // look, which finds whatever was enqueued before it heard anything.
    this.#startListener().catch((error: unknown) => {
      this.#log({ level: "warn", event: "listen-lost", message: "could not start listening for new tasks; polling only", error: String((error as Error)?.message ?? error) });
    });
    this.#startMaintenance();
    try {
      await this.#loop();
    } finally {
      for (const timer of this.#timers) clearInterval(timer);
      clearTimeout(this.#pollTimer);
      // Claims still out fill the buffer when they answer: wait for them, so their tasks are given back too.
      while (this.#claims.size > 0) await Promise.all(this.#claims);
      await this.#releaseBuffered();
      while (this.#executing > 0) await new Promise<void>((resolve) => (this.#onSettled = resolve));
      const unwritten = await this.#completer.drain();
      if (unwritten > 0) {
        this.#log({ level: "warn", event: "outcomes-abandoned", message: `stopped with ${unwritten} outcome(s) unwritten; their leases will run out and another worker will retry them` });
      }
      await this.#listener?.stop();
    }
  }

  async #loop(): Promise<void> {
    const { concurrency, prefetch, batch, maxTasks } = this.options;
    // Claims of at least `step` tasks may overlap: one claim at a time caps a busy worker at what one statement claims
    // per unit of time, however large the claims.
    const step = Math.max(1, Math.ceil(prefetch / 2));
    // Claims that overlap may take rows out of order (each skips the other's locked rows): a worker that runs one task
    // at a time keeps one claim out, so it runs tasks strictly in claim order.
    const maxClaims = concurrency > 1 ? MAX_CLAIMS : 1;
    while (!this.#stopping) {
      this.#startBuffered();
      const idle = this.#running.size === 0 && this.#buffer.length === 0 && this.#claims.size === 0;
      const claimable = maxTasks === undefined ? Infinity : maxTasks - this.#claimed - this.#requested;
      if (maxTasks !== undefined && maxTasks - this.#claimed <= 0 && idle) return;
      const room = Math.min(concurrency + prefetch - this.#running.size - this.#buffer.length - this.#requested, claimable);
      // Claim again before the buffer runs dry, so running tasks never wait on the database between batches; while a
      // claim is out, a second one only for a full step, and not while the database is failing.
      const claimNow =
        this.#maybeMore &&
        room > 0 &&
        (this.#claims.size === 0
          ? this.#buffer.length < Math.max(concurrency, prefetch / 2) || room >= step
          : this.#claims.size < maxClaims && this.#claimFailures === 0 && room >= step);
      if (claimNow) {
        // At most a step (or a slot per free task) at a time: the first tasks start sooner, and claims overlap.
        this.#startClaim(Math.min(room, Math.max(step, concurrency - this.#running.size)));
        continue;
      }
      if (batch && idle && this.#lastClaim?.claimed === 0) {
        // An outcome being written (or written while the claim ran) may have sent a task back to NEW, ready at
        // once: look again once it has landed.
        if (this.#completer.size === 0 && this.#completer.batchesWritten === this.#lastClaim.writesBefore) return;
        await this.#completer.drain();
        this.#maybeMore = true;
        continue;
      }
      // Woken by a claim's answer, a finished task, a notification or stop(); by time, look again (poll).
      if (batch && idle) {
        await new Promise((resolve) => setImmediate(resolve));
        this.#maybeMore = true;
      } else {
        await this.#untilWoken();
      }
    }
  }

  /** Starts a claim of up to `limit` tasks; its answer fills the buffer and wakes the loop. */
  #startClaim(limit: number): void {
    const sequence = ++this.#claimSequence;
    const writesBefore = this.#completer.batchesWritten;
    this.#requested += limit;
    const claim = this.#claim(limit).then((claimed) => {
      this.#requested -= limit;
      this.#claims.delete(claim);
      // Answers can arrive out of order: the latest claim started says whether more may be ready.
      if (claimed !== undefined && sequence > (this.#lastClaim?.sequence ?? 0)) {
        this.#maybeMore = claimed === limit;
        this.#lastClaim = { sequence, claimed, writesBefore };
      }
      this.#startBuffered();
      this.#wake?.();
    });
    this.#claims.add(claim);
  }

  /** Claims up to `limit` tasks into the buffer; undefined when the database could not be reached. */
  async #claim(limit: number): Promise<number | undefined> {
    try {
      const tasks = await this.#runtime.dialect.claimTasks(this.#sql, {
        queues: this.queues,
        backend: this.#sharedTable ? this.options.backend : undefined,
        leaseMs: this.options.leaseMs,
        limit,
        workerId: this.options.workerId,
      });
      if (this.#claimFailures > 0) this.#log({ level: "info", event: "database-restored", message: "claiming tasks again" });
      this.#claimFailures = 0;
      this.#claimed += tasks.length;
      this.#buffer.push(...tasks);
      return tasks.length;
    } catch (error) {
      this.#lastDatabaseError = performance.now();
      this.#claimFailures++;
      const delay = Math.min(250 * 2 ** (this.#claimFailures - 1), MAX_CLAIM_BACKOFF_MS);
      this.#log({
        level: "warn",
        event: "claim-failed",
        message: `could not claim tasks; retrying in ${delay} ms`,
        error: String((error as Error)?.message ?? error),
      });
      await this.#backOff(delay);
      return undefined;
    }
  }

  #startBuffered(): void {
    while (!this.#stopping && this.#running.size < this.options.concurrency && this.#buffer.length > 0) {
      const stored = this.#buffer.shift()!;
      this.#executing++;
      void this.#execute(stored);
    }
  }

  /**
   * Runs one claimed task and hands its outcome to the Completer; `#written` carries on once it is written. Never
   * rejects. No frame waits for the write: a busy worker has hundreds of finished tasks whose outcomes are being
   * written, and a suspended frame per task would outlive young-generation collections and be copied and promoted.
   */
  async #execute(stored: StoredTask): Promise<void> {
    let outcome: Outcome;
    let durationMs: number;
    try {
      const abort = new AttemptAbort();
      this.#running.set(stored.id, { stored, abort });
      const task = this.#runtime.registry.get(stored.taskName);
      if (this.#logsInfo) this.#log({ level: "info", event: "started", message: "task started", ...fieldsOf(stored) });
      const started = performance.now();
      const { onStarted } = this.#runtime.hooks;
      if (onStarted) await this.#hook(onStarted, () => resultData(stored));
      try {
        outcome = await runAttempt(task, stored, { workerId: this.options.workerId, abort, source: this.#source });
      } finally {
        this.#running.delete(stored.id);
        this.#startBuffered();
        this.#wake?.();
      }
      durationMs = Math.round((performance.now() - started) * 10) / 10;
    } catch (error) {
      this.#unexpected(stored, error);
      this.#settle();
      return;
    }
    this.#completer.record(outcome, (written) => this.#written(stored, outcome, durationMs, written));
  }

  /** After a task's outcome is written (or found taken over): its log line and onFinished hook. Never throws. */
  #written(stored: StoredTask, outcome: Outcome, durationMs: number, written: boolean): void {
    let hook: Promise<void> | undefined;
    try {
      if (!written) {
        this.#log({ level: "warn", event: "lost", message: "task was recovered by another worker (or the worker was forced to stop first); its outcome here was dropped", ...fieldsOf(stored), durationMs });
      } else {
        this.#logOutcome(outcome, () => ({ ...fieldsOf(stored), durationMs }));
        const { onFinished } = this.#runtime.hooks;
        if (onFinished) hook = this.#hook(onFinished, () => withOutcome(resultData(stored), outcome));
      }
    } catch (error) {
      this.#unexpected(stored, error);
    }
    if (hook) void hook.catch((error: unknown) => this.#unexpected(stored, error)).finally(() => this.#settle());
    else this.#settle();
  }

  /** A task is done with: its outcome written (or dropped) and its hooks called. */
  #settle(): void {
    if (--this.#executing === 0) this.#onSettled?.();
  }

  /** Not expected (attempts, outcome writes and hooks report their own errors), but never an unhandled rejection. */
  #unexpected(stored: StoredTask, error: unknown): void {
    this.#log({ level: "error", event: "worker-error", message: "unexpected error while running a task", taskId: stored.id, error: String((error as Error)?.stack ?? error) });
  }

  /**
   * Calls a hook (withTasks has made it report, not throw) with the task's result; a row whose args cannot be read
   * back (its attempt fails for that) skips the hook.
   */
  async #hook(hook: (result: TaskResult) => unknown, data: () => TaskResultData): Promise<void> {
    let result: TaskResult;
    try {
      result = new TaskResult(data(), this.#source);
    } catch {
      return;
    }
    await hook(result);
  }

  #logOutcome(outcome: Outcome, fields: () => Record<string, unknown>): void {
    if (outcome.status === "COMPLETE") {
      if (this.#logsInfo) this.#log({ level: "info", event: "complete", message: "task complete", ...fields() });
    } else if (outcome.status === "FAILED") {
      const error = `${outcome.error.exceptionClass}: ${outcome.error.message}`;
      this.#log({ level: "error", event: "failed", message: "task failed", ...fields(), error });
    } else {
      const error = `${outcome.error.exceptionClass}: ${outcome.error.message}`;
      this.#log({ level: "warn", event: "retry", message: `task failed; retry at ${outcome.runAfter.toISOString()}`, ...fields(), error });
    }
  }

  async #releaseBuffered(): Promise<void> {
    const ids = this.#buffer.splice(0).map((stored) => stored.id);
    if (ids.length === 0) return;
    try {
      await this.#runtime.dialect.releaseTasks(this.#sql, this.options.workerId, ids);
    } catch (error) {
      this.#log({
        level: "warn",
        event: "release-failed",
        message: `could not return ${ids.length} unstarted task(s) to NEW; their lease will expire and recover them`,
        error: String((error as Error)?.message ?? error),
      });
    }
  }

  async #startListener(): Promise<void> {
    const { dialect, client } = this.#runtime;
    if (!dialect.notifies) return;
    const connection = connectionConfigOf(client);
    if (!connection) {
      this.#log({ level: "warn", event: "no-listen", message: "cannot tell the database connection for LISTEN; polling only" });
      return;
    }
    this.#listener = new Listener(connection, NOTIFY_CHANNEL, (queue) => this.#onNotified(queue), this.#log);
    await this.#listener.start();
  }

  #onNotified(queue: string | undefined): void {
    if (queue !== undefined && this.queues !== "*" && !this.queues.includes(queue)) return;
    this.#maybeMore = true;
    this.#wake?.();
  }

  #startMaintenance(): void {
    const { dialect } = this.#runtime;
    const client = this.#sql;
    const { leaseMs, workerId } = this.options;
    const heartbeat = async () => {
      // Only the tasks known to be held: a claim whose answer was lost (the connection died after its commit) leaves
      // rows locked by this worker that it never runs, and renewing those would keep them RUNNING forever.
      const ids = this.#heldIds();
      if (ids.length === 0) return;
      // The attempts asked about, by identity: by the time the answer comes, an id may belong to a new attempt of the
      // same task (it went back to NEW and this worker claimed it again), which this answer says nothing about.
      const running = new Set<Running>(this.#running.values());
      const buffered = new Set<StoredTask>(this.#buffer);
      try {
        const held = new Set(await dialect.heartbeat(client, workerId, ids, leaseMs));
        if (held.size === ids.length) return;
        // Rescued by another worker (this one was cut off for longer than its lease): stop running them here.
        for (const entry of this.#running.values()) {
          if (running.has(entry) && !held.has(entry.stored.id)) entry.abort.abort(new WorkerLost(workerId));
        }
        const kept = this.#buffer.splice(0).filter((stored) => !buffered.has(stored) || held.has(stored.id));
        this.#buffer.push(...kept);
      } catch (error) {
        this.#lastDatabaseError = performance.now();
        this.#log({ level: "warn", event: "heartbeat-failed", message: "could not renew leases", error: String((error as Error)?.message ?? error) });
      }
    };
    const rescue = async () => {
      // Right after an outage every worker's heartbeats are overdue, the live ones' too: give them a lease to renew
      // before taking anyone's tasks, or tasks whose outcomes are about to be written would run again.
      if (performance.now() - this.#lastDatabaseError < leaseMs) return;
      try {
        const { requeued, failed } = await dialect.rescueExpired(client);
        if (requeued + failed > 0) {
          this.#log({ level: "warn", event: "rescued", message: `recovered tasks of silent workers: ${requeued} back to NEW, ${failed} FAILED (WorkerLost)` });
          if (requeued > 0) this.#onNotified(undefined);
        }
      } catch (error) {
        this.#lastDatabaseError = performance.now();
        this.#log({ level: "warn", event: "rescue-failed", message: "could not check for expired leases", error: String((error as Error)?.message ?? error) });
      }
    };
    this.#timers.push(setInterval(heartbeat, Math.max(Math.floor(leaseMs / 3), 50)));
    this.#timers.push(setInterval(rescue, Math.max(Math.floor(leaseMs / 2), 50)));
    for (const timer of this.#timers) timer.unref();
    void rescue();
  }

  /** Every task this worker holds: running, claimed and waiting for a slot, or finished with its outcome unwritten. */
  #heldIds(): string[] {
    return [...this.#running.keys(), ...this.#buffer.map((stored) => stored.id), ...this.#completer.ids];
  }

  /** Waits `ms`, or less when woken (a notification, a free slot, stop); with `poll`, waking by time means "look again". */
  /** Waits out a database error's back-off: finished tasks and notifications do not cut it short, stop() does. */
  async #backOff(ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (!this.#stopping && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - performance.now())));
    }
  }

  /** Waits `ms`, or less if woken (stop()). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /**
   * Waits until woken (a claim's answer, a finished task, a notification, stop()) or until the poll timer fires, which
   * says more may be ready. The poll timer outlives early wake-ups: a busy worker is woken once per finished task, and
   * a timer made and cleared per wake-up would cost more than the wake-up itself.
   */
  #untilWoken(): Promise<void> {
    this.#pollTimer ??= setTimeout(() => {
      this.#pollTimer = undefined;
      this.#maybeMore = true;
      this.#wake?.();
    }, this.options.intervalMs);
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
