// The worker engine: claims ready tasks, runs up to `concurrency` at once, records outcomes, keeps its leases.
import { performance } from "node:perf_hooks";
import { DatabaseBackend } from "../backends/database.js";
import { resultData, withOutcome } from "../backends/stored.js";
import type { Dialect, Outcome, OwnPool, SqlClient, StoredTask, WakeUps } from "../dialects/types.js";
import { POOL_SIZE } from "../extension.js";
import { DatabaseUnreachable, InvalidConfig, TaskAborted, TaskCancelled, TaskTableUnavailable, WorkerLost } from "../errors.js";
import { TaskResult, type ResultSource, type TaskResultData } from "../result.js";
import { TasksClient, runtimeOf, type TasksRuntime } from "../tasks-client.js";
import { AttemptAbort, runAttempt } from "../attempt.js";
import { loadTelemetry, observeReadyTasks } from "../telemetry.js";
import { Completer } from "./completer.js";
import { classifyDatabaseError, withTimeout } from "./database-errors.js";
import { Heartbeat, type Holding } from "./heartbeat.js";
import { describeDatabase, messageOf, reasonOf, type Log } from "./log.js";
import { nextClaim } from "./next-claim.js";
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from "./options.js";
import { Rescuer } from "./rescuer.js";
import { Scheduler, schedulerClock } from "./scheduler.js";
import { checkTaskTable } from "./task-table.js";
import { UnknownTaskReport } from "./unknown-tasks.js";

const MAX_CLAIM_BACKOFF_MS = 30_000;
/** The OpenTelemetry ready gauge counts among this many next ready tasks: a collection stays cheap however long the backlog. */
const READY_GAUGE_WINDOW = 10_000;
/** The longest wait between tries to reach the database at start-up. */
const MAX_CONNECT_BACKOFF_MS = 2_000;
/** The longest wait between two looks at a task_results table that lacks a column (migrations not yet applied). */
const MAX_TABLE_BACKOFF_MS = 5_000;
/** The least time one try to reach the database at start-up may take. */
const MIN_CONNECT_TRY_MS = 1_000;
/**
 * The longest a forced stop takes: running tasks are aborted at once; outcome writes, hooks, claims and the database get
 * this long, then stop() resolves whatever they do, leaving unwritten outcomes to the leases.
 */
export const FORCED_STOP_MS = 10_000;

export interface WorkerSetup extends WorkerOptions {
  /** The Prisma client extended with withTasks. */
  prisma: unknown;
  /** Where log lines go; silent by default. */
  log?: Log;
  /**
   * PostgreSQL: a URL to the app's database that bypasses its pooler, for the worker's own pool and its LISTEN (wake-ups
   * and cancels as they commit). By default TASKS_DIRECT_URL; else DIRECT_URL when the client's own URL cannot serve
   * (a transaction-mode pooler, unreadable settings); without one, the worker uses the client's connection, and behind
   * a transaction-mode pooler it polls.
   */
  directUrl?: string;
}

/**
 * The worker's direct URL: the one given, else TASKS_DIRECT_URL, else DIRECT_URL (Prisma's name for it) when the
 * client's connection needs one; empty is unset. DIRECT_URL is often set for migrations or left over from a .env while
 * a test points DATABASE_URL elsewhere: followed without need, it would send a worker's claims to another database.
 */
export function directUrlOf(given: string | undefined, needed: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return given || env.TASKS_DIRECT_URL || (needed ? env.DIRECT_URL : undefined) || undefined;
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
  /** The log the worker was given, if any. */
  readonly #ownLog: Log | undefined;
  /** Whether info entries are kept: when not, the two per task are never built. */
  readonly #logsInfo: boolean;
  readonly #completer: Completer;
  readonly #source: ResultSource;
  readonly #buffer: StoredTask[] = [];
  readonly #running = new Map<string, Running>();
  /** Attempts started and not yet settled (run, outcome written, hooks called). */
  #executing = 0;
  #onSettled: (() => void) | undefined;
  #listener: WakeUps | undefined;
  readonly #heartbeat: Heartbeat;
  readonly #rescuer: Rescuer;
  readonly #scheduler: Scheduler;
  readonly #unknownTasks: UnknownTaskReport;
  #wake: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  /**
   * Wake-ups so far (notifications, polls, full claims, requeued tasks), and how many of them the latest short claim
   * has answered: more may be ready while some are unanswered. A count, not a flag, so that a claim that comes back
   * short does not silence a wake-up that came while it was out.
   */
  #wakes = 1;
  #wakesAnswered = 0;
  /** Claims out now, and how many tasks they asked for together. */
  readonly #claims = new Set<Promise<void>>();
  #requested = 0;
  #claimSequence = 0;
  /** The latest claim started that has answered: its place in order, its count, the outcome batches written before it. */
  #lastClaim: { sequence: number; claimed: number; writesBefore: number } | undefined;
  #claimed = 0;
  #stopping = false;
  #drained = false;
  /** Set by a forced stop: its time limit, and the promise that resolves when that time is up. */
  #forcedTimer: NodeJS.Timeout | undefined;
  #forcedTimeUp: () => void = () => {};
  readonly #forcedStopTimeUp = new Promise<void>((resolve) => (this.#forcedTimeUp = resolve));
  /** The claims' backend filter: only when several database backends share task_results must they tell rows apart. */
  readonly #backendFilter: string | undefined;
  /** The names of the tasks this worker can run: the only ones it claims. */
  readonly #taskNames: readonly string[];
  #claimFailures = 0;
  /** When a claim, heartbeat or rescue last failed to reach the database (performance.now()). */
  #lastDatabaseError = -Infinity;
  #done: Promise<void> | undefined;
  /** Where the worker's statements go: prisma-tasks' own pool on PostgreSQL (on the direct URL, given one), else the Prisma client. */
  readonly #sql: SqlClient;
  /** The app's dialect, or the same on the direct URL: where the worker's own connections go. */
  readonly #dialect: Dialect;
  /** The pool on the direct URL, the worker's to close; undefined when it shares the app's. */
  readonly #directPool: OwnPool | undefined;
  /** DIRECT_URL is set and not followed: the client reaches the database itself (said once at start-up). */
  readonly #directUrlIgnored: boolean;

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
    const sharedTable = [...this.#runtime.backends.values()].filter((each) => each instanceof DatabaseBackend).length > 1;
    this.#backendFilter = sharedTable ? this.options.backend : undefined;
    this.#taskNames = [...this.#runtime.registry].map((each) => each.name);
    this.#log = setup.log ?? (() => {});
    this.#ownLog = setup.log;
    this.#logsInfo = setup.log !== undefined && (setup.log.enabled?.("info") ?? true);
    const directUrl = directUrlOf(setup.directUrl, this.#runtime.dialect.needsDirectUrl);
    this.#directUrlIgnored = directUrl === undefined && Boolean(process.env.DIRECT_URL);
    this.#dialect = directUrl === undefined ? this.#runtime.dialect : this.#runtime.dialect.connectedTo(directUrl);
    this.#directPool = directUrl === undefined ? undefined : this.#dialect.openPool(POOL_SIZE);
    this.#sql = this.#directPool ?? this.#runtime.sql;
    const dialect = this.#dialect;
    const { workerId, leaseMs } = this.options;
    this.#completer = new Completer(dialect, this.#sql, workerId, this.#log);
    const onDatabaseError = () => (this.#lastDatabaseError = performance.now());
    this.#heartbeat = new Heartbeat({ dialect, sql: this.#sql, workerId, leaseMs, held: () => this.#holding(), log: this.#log, onDatabaseError });
    this.#rescuer = new Rescuer({
      dialect,
      sql: this.#sql,
      leaseMs,
      log: this.#log,
      databaseFailedAt: () => this.#lastDatabaseError,
      onDatabaseError,
      onRequeued: () => this.#onNotified(undefined),
    });
    this.#scheduler = new Scheduler({
      schedules: this.options.schedules ? this.#runtime.schedules : [],
      dialect,
      sql: this.#sql,
      log: this.#log,
      now: schedulerClock(),
      onDatabaseError,
    });
    this.#unknownTasks = new UnknownTaskReport({
      dialect,
      sql: this.#sql,
      request: { queues: this.queues, backend: this.#backendFilter, taskNames: this.#taskNames },
      log: this.#log,
    });
    this.#source = {
      fetch: async (id) => {
        const stored = await this.#dialect.fetchTask(this.#sql, id);
        if (!stored) throw new Error(`task ${id} no longer exists`);
        return resultData(stored);
      },
    };
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Where the worker connects (host, port, database; never the password), for its start-up line. */
  get database(): string {
    return this.#dialect.describeConnection();
  }

  /**
   * Whether run() ended because the work ran out (with `batch`: no ready task of this worker's was left; with
   * `maxTasks`: that many tasks ran), rather than because of stop().
   */
  get drained(): boolean {
    return this.#drained;
  }

  /**
   * Runs until stopped; resolves once every claimed task has finished and its outcome is written. Rejects with
   * DatabaseUnreachable when the database cannot be reached at start-up within `connectTimeoutMs`; a `batch` run, with
   * TaskTableUnavailable when it has no task_results table with every column this release uses (others wait for it).
   */
  run(): Promise<void> {
    this.#done ??= this.#run()
      .finally(() => this.#unlessTimeIsUp(this.#directPool?.end() ?? Promise.resolve()))
      .finally(() => clearTimeout(this.#forcedTimer));
    return this.#done;
  }

  /**
   * Stops claiming and lets running tasks finish (tasks claimed but not started go back to NEW). With `abort`, running
   * tasks are aborted through their signal and recorded as failed (or NEW again when attempts remain), and stop()
   * resolves within FORCED_STOP_MS whatever hooks, claims or the database do: a task whose function ignores its signal
   * is left RUNNING, to be recovered once its lease runs out.
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    this.#stopping = true;
    if (options.abort && this.#done !== undefined && this.#forcedTimer === undefined) {
      this.#forcedTimer = setTimeout(() => {
        this.#completer.abandon();
        this.#forcedTimeUp();
      }, FORCED_STOP_MS);
      for (const running of this.#running.values()) {
        running.abort.abort(new TaskAborted(running.stored.taskName, this.options.workerId));
      }
    }
    this.#wake?.();
    // run() reports its own failure (a database unreachable at start-up); stopping has succeeded either way.
    await this.#done?.catch(() => {});
  }

  async #run(): Promise<void> {
    const { client } = this.#runtime;
    const dialect = this.#dialect;
    if (this.#directUrlIgnored) {
      this.#log({
        level: "info",
        event: "direct-url-ignored",
        message: "DIRECT_URL is set but not used: the client reaches the database without a transaction pooler. To send the worker's connections there anyway, set TASKS_DIRECT_URL (or defineConfig({ directUrl })).",
      });
    }
    if (this.options.startupDelay) await this.#sleep(Math.random() * this.options.intervalMs);
    await this.#reachDatabase();
    if (this.#stopping) return;
    await this.#awaitTaskTable();
    if (this.#stopping) return;
    await dialect.prepareWorker(client, this.#log);
    this.#startListener();
    this.#heartbeat.start();
    this.#rescuer.start();
    this.#scheduler.start();
    this.#unknownTasks.start();
    await loadTelemetry();
    const request = { queues: this.queues, backend: this.#backendFilter, window: READY_GAUGE_WINDOW };
    const stopObserving = observeReadyTasks(() => this.#dialect.countReadyTasks(this.#sql, request));
    // Hook failures go to this worker's log while it runs (to the app's log when the worker was given none).
    const stopReporting = this.#ownLog && this.#runtime.reporter.redirect(this.#ownLog);
    try {
      await this.#loop();
    } finally {
      stopObserving();
      await this.#shutDown();
      stopReporting?.();
    }
  }

  /**
   * Waits until the database answers, for up to connectTimeoutMs; rejects with DatabaseUnreachable after that, or at
   * once for an error that waiting will not fix (a wrong password, a missing database). stop() ends the wait.
   */
  async #reachDatabase(): Promise<void> {
    const { connectTimeoutMs } = this.options;
    const deadline = performance.now() + connectTimeoutMs;
    for (let failures = 0; !this.#stopping; failures++) {
      try {
        const tryMs = Math.max(deadline - performance.now(), MIN_CONNECT_TRY_MS);
        await withTimeout(this.#sql.$queryRawUnsafe("SELECT 1"), tryMs, "reaching the database");
        return;
      } catch (error) {
        const where = describeDatabase(this.database);
        const reason = reasonOf(error);
        if (classifyDatabaseError(error) !== "outage") throw new DatabaseUnreachable(where, reason, undefined, { cause: error });
        const left = deadline - performance.now();
        if (left <= 0) throw new DatabaseUnreachable(where, reason, connectTimeoutMs, { cause: error });
        await this.#backOff(Math.min(250 * 2 ** failures, MAX_CONNECT_BACKOFF_MS, left));
      }
    }
  }

  /**
   * Waits until task_results has every column this release uses. A --batch run rejects with TaskTableUnavailable at
   * once: it could only wait, and its caller (a cron job, a CI step) for ever. A long-running worker says why once, at
   * error level, and looks again with a back-off of up to 5 s: one started before its migration starts once it is in.
   */
  async #awaitTaskTable(): Promise<void> {
    for (let failures = 0; !this.#stopping; failures++) {
      try {
        await checkTaskTable(this.#dialect, this.#sql, this.database, Math.max(this.options.connectTimeoutMs, MIN_CONNECT_TRY_MS));
        if (failures > 0) this.#log({ level: "info", event: "task-table-available", message: "task_results has every column this release uses: starting" });
        return;
      } catch (error) {
        if (!(error instanceof TaskTableUnavailable) || this.options.batch) throw error;
        if (failures === 0) {
          this.#log({ level: "error", event: "task-table-unavailable", message: `${error.message} Waiting for it, looking again every few seconds.` });
        }
      }
      await this.#backOff(Math.min(250 * 2 ** failures, MAX_TABLE_BACKOFF_MS));
    }
  }

  /**
   * After the loop: gives back claimed tasks that never started, lets running tasks finish and writes their outcomes.
   * After a forced stop's time limit it waits for nothing more.
   */
  async #shutDown(): Promise<void> {
    clearTimeout(this.#pollTimer);
    const reports = Promise.all([this.#rescuer.stop(), this.#scheduler.stop(), this.#unknownTasks.stop()]);
    // Claims still out fill the buffer when they answer: wait for them, so their tasks are given back too.
    await this.#unlessTimeIsUp(this.#claimsAnswered());
    await this.#unlessTimeIsUp(this.#releaseBuffered());
    await this.#unlessTimeIsUp(this.#allSettled());
    const unwritten = await this.#completer.drain();
    if (unwritten > 0) {
      this.#log({ level: "warn", event: "outcomes-abandoned", message: `stopped with ${unwritten} outcome(s) unwritten; their leases will run out and another worker will retry them` });
    }
    // Leases are renewed until the last outcome is written: a task still running after SIGTERM must not be rescued.
    await this.#unlessTimeIsUp(Promise.all([this.#heartbeat.stop(), reports, this.#listener?.stop()]));
  }

  /** Waits for `work`, or until a forced stop's time is up. */
  #unlessTimeIsUp(work: Promise<unknown>): Promise<unknown> {
    return Promise.race([work, this.#forcedStopTimeUp]);
  }

  async #claimsAnswered(): Promise<void> {
    while (this.#claims.size > 0) await Promise.all(this.#claims);
  }

  async #allSettled(): Promise<void> {
    while (this.#executing > 0) await new Promise<void>((resolve) => (this.#onSettled = resolve));
  }

  async #loop(): Promise<void> {
    const { concurrency, prefetch, batch, maxTasks } = this.options;
    while (!this.#stopping) {
      this.#startBuffered();
      const decision = nextClaim({
        concurrency,
        prefetch,
        batch,
        maxTasks,
        running: this.#running.size,
        buffered: this.#buffer.length,
        requested: this.#requested,
        claimsOut: this.#claims.size,
        claimed: this.#claimed,
        failing: this.#claimFailures > 0,
        maybeMore: this.#wakes > this.#wakesAnswered,
        lastClaimEmpty: this.#lastClaim?.claimed === 0,
        outcomesSettled: batch && this.#completer.size === 0 && this.#completer.batchesWritten === this.#lastClaim?.writesBefore,
      });
      switch (decision.kind) {
        case "claim":
          this.#startClaim(decision.limit);
          break;
        case "finish":
          this.#drained = true;
          return;
        case "settle-outcomes":
          // An outcome being written (or written while the claim ran) may have sent a task back to NEW, ready at
          // once: look again once it has landed.
          await this.#completer.drain();
          this.#wakes++;
          break;
        case "look-again":
          await new Promise((resolve) => setImmediate(resolve));
          this.#wakes++;
          break;
        case "wait":
          // Woken by a claim's answer, a finished task, a notification or stop(); by time, look again (poll).
          await this.#untilWoken();
      }
    }
  }

  /** Starts a claim of up to `limit` tasks; its answer fills the buffer and wakes the loop. */
  #startClaim(limit: number): void {
    const sequence = ++this.#claimSequence;
    const wakesBefore = this.#wakes;
    const writesBefore = this.#completer.batchesWritten;
    this.#requested += limit;
    const claim = this.#claim(limit).then((claimed) => {
      this.#requested -= limit;
      this.#claims.delete(claim);
      // Answers can arrive out of order: the latest claim started says whether more may be ready. A full answer: more
      // may be. A short one answers the wake-ups that came before the claim started, not those that came while it was
      // out (a task enqueued meanwhile), which still stand.
      if (claimed !== undefined && sequence > (this.#lastClaim?.sequence ?? 0)) {
        if (claimed === limit) this.#wakes++;
        else this.#wakesAnswered = Math.max(this.#wakesAnswered, wakesBefore);
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
      const tasks = await this.#dialect.claimTasks(this.#sql, {
        queues: this.queues,
        backend: this.#backendFilter,
        taskNames: this.#taskNames,
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
        error: messageOf(error),
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
      if (onStarted) await this.#unlessAborted(abort, this.#hook(onStarted, () => resultData(stored)));
      try {
        // A function that ignores its aborted signal keeps its slot and its row (heartbeated) until it returns.
        outcome = await runAttempt(task, stored, {
          workerId: this.options.workerId,
          abort,
          source: this.#source,
          onIgnoredAbort: (reason, waitedMs) => this.#logIgnoredAbort(stored, reason, waitedMs),
        });
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

  /**
   * Waits for `work`, or less once the attempt is aborted: a forced stop does not wait on a slow onStarted hook (the
   * attempt then ends with the abort's reason without running the task).
   */
  #unlessAborted(abort: AttemptAbort, work: Promise<void>): Promise<void> {
    if (abort.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      abort.onAbort = () => resolve();
      work.then(resolve, reject);
    }).finally(() => (abort.onAbort = undefined));
  }

  #logIgnoredAbort(stored: StoredTask, reason: unknown, waitedMs: number): void {
    const why = reason instanceof Error ? reason.name : String(reason);
    this.#log({
      level: "warn",
      event: "ignores-signal",
      message:
        `task "${stored.taskName}" ignores its signal: still running ${Math.round(waitedMs / 1000)} s after its attempt was ` +
        `aborted (${why}); its row stays held, and no retry starts, until the function returns`,
      ...fieldsOf(stored),
    });
  }

  #logOutcome(outcome: Outcome, fields: () => Record<string, unknown>): void {
    if (outcome.status === "COMPLETE") {
      if (this.#logsInfo) this.#log({ level: "info", event: "complete", message: "task complete", ...fields() });
    } else if (outcome.status === "CANCELLED") {
      if (this.#logsInfo) this.#log({ level: "info", event: "cancelled", message: "task cancelled", ...fields() });
    } else if (outcome.status === "FAILED") {
      const error = `${outcome.error.exceptionClass}: ${outcome.error.message}`;
      this.#log({ level: "error", event: "failed", message: "task failed", ...fields(), error });
    } else {
      const error = `${outcome.error.exceptionClass}: ${outcome.error.message}`;
      this.#log({ level: "warn", event: "retry", message: `task failed; retry at ${outcome.runAfter.toISOString()}`, ...fields(), error });
    }
  }

  #releaseBuffered(): Promise<void> {
    return this.#release(this.#buffer.splice(0).map((stored) => stored.id));
  }

  /** Gives back claimed tasks that never started (to NEW, or CANCELLED when a cancel was recorded). Never rejects. */
  async #release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.#dialect.releaseTasks(this.#sql, this.options.workerId, ids);
    } catch (error) {
      this.#log({
        level: "warn",
        event: "release-failed",
        message: `could not return ${ids.length} unstarted task(s) to NEW; their lease will expire and recover them`,
        error: messageOf(error),
      });
    }
  }

  #startListener(): void {
    this.#listener = this.#dialect.listen(
      { onWake: (queue) => this.#onNotified(queue), onCancel: (id) => this.#onCancelRequested([id]) },
      this.#log,
    );
  }

  /**
   * Cancels recorded for tasks this worker holds: a running attempt is aborted (TaskCancelled), and its outcome ends the
   * task CANCELLED unless the function has returned first; a task claimed but not started is given back, which ends it
   * CANCELLED without running. Others (not held, or with the outcome being written) are left to the outcome write.
   */
  #onCancelRequested(ids: readonly string[]): void {
    const unstarted = new Set<string>();
    for (const id of ids) {
      const running = this.#running.get(id);
      if (running) running.abort.abort(new TaskCancelled(running.stored.taskName, id));
      else unstarted.add(id);
    }
    const given = this.#buffer.filter((stored) => unstarted.has(stored.id));
    if (given.length === 0) return;
    this.#buffer.splice(0, this.#buffer.length, ...this.#buffer.filter((stored) => !unstarted.has(stored.id)));
    for (const stored of given) {
      if (this.#logsInfo) this.#log({ level: "info", event: "cancelled", message: "task cancelled before it started", ...fieldsOf(stored) });
    }
    void this.#release(given.map((stored) => stored.id));
  }

  #onNotified(queue: string | undefined): void {
    if (queue !== undefined && this.queues !== "*" && !this.queues.includes(queue)) return;
    this.#wakes++;
    this.#wake?.();
  }

  /**
   * The tasks held now: running, claimed and waiting for a slot, or finished with the outcome unwritten. Only those: a
   * claim whose answer was lost (the connection died after its commit) leaves rows locked by this worker that it never
   * runs, and renewing those would keep them RUNNING forever. What a lost lease stops is told by identity: by the time
   * the heartbeat answers, an id may belong to a new attempt of the same task (it went back to NEW and this worker
   * claimed it again), which that answer says nothing about.
   */
  #holding(): Holding {
    const ids = [...this.#running.keys(), ...this.#buffer.map((stored) => stored.id), ...this.#completer.ids];
    const running = new Set<Running>(this.#running.values());
    const buffered = new Set<StoredTask>(this.#buffer);
    return {
      ids,
      cancelRequested: (cancelled) => this.#onCancelRequested(cancelled),
      lost: (renewed) => {
        for (const entry of this.#running.values()) {
          if (running.has(entry) && !renewed.has(entry.stored.id)) entry.abort.abort(new WorkerLost(this.options.workerId));
        }
        const kept = this.#buffer.splice(0).filter((stored) => !buffered.has(stored) || renewed.has(stored.id));
        this.#buffer.push(...kept);
      },
    };
  }

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
      this.#wakes++;
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
