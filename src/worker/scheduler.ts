// The scheduler: enqueues the slots of withTasks' schedules as they come due. Every worker runs one and none leads:
// the unique index on (schedule_key, scheduled_at) keeps the first insert of each slot, so several workers, skewed
// clocks and restarts never store a slot twice. A database outage is logged and retried; it never stops the worker.
import type { Dialect, NewScheduledTask, SqlClient } from "../dialects/types.js";
import type { Schedule } from "../schedules.js";
import { classifyDatabaseError, withTimeout } from "./database-errors.js";
import { messageOf, type Log, type LogEntry } from "./log.js";

/**
 * Without backfill, how late a slot may still be enqueued: a worker slowed by a busy event loop or a slow statement
 * catches up this much; a slot missed by more (a worker cut off from the database for longer) is skipped.
 */
export const ON_TIME_MS = 5_000;
/**
 * Slots of one schedule a tick takes at most, and slots per statement: a long backfill goes in several ticks, and
 * every other schedule's due slots come in each of them (a shared budget let one backfill starve the rest).
 */
const SLOTS_PER_STATEMENT = 500;
/** The longest the scheduler sleeps between two looks at the clock, however far off the next slot is. */
const MAX_SLEEP_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 10_000;

/**
 * TEST ONLY: milliseconds added to this process's clock as the scheduler reads it, so that a test can run one worker
 * ahead of the others (clock skew between machines) without changing the machine's clock. Not for production use.
 */
export const TEST_CLOCK_OFFSET_ENV = "PRISMA_TASKS_TEST_CLOCK_OFFSET_MS";

/** The scheduler's clock: Date.now(), shifted by the test-only offset when that is set. */
export function schedulerClock(env: NodeJS.ProcessEnv = process.env): () => number {
  const offset = Number(env[TEST_CLOCK_OFFSET_ENV] ?? 0);
  return Number.isFinite(offset) && offset !== 0 ? () => Date.now() + offset : Date.now;
}

export interface SchedulerSetup {
  schedules: readonly Schedule[];
  dialect: Pick<Dialect, "insertScheduledTasks" | "lastScheduledSlots">;
  sql: SqlClient;
  log: Log;
  /** The time now, in ms since the epoch; Date.now by default. */
  now?: () => number;
  /** Told when a statement could not reach the database. */
  onDatabaseError?(): void;
}

export class Scheduler {
  readonly #setup: SchedulerSetup;
  readonly #now: () => number;
  /** Per schedule key, the latest time up to which its slots have been dealt with (enqueued or skipped). */
  #cursors: Map<string, number> | undefined;
  #stopped = false;
  #failures = 0;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(setup: SchedulerSetup) {
    this.#setup = setup;
    this.#now = setup.now ?? Date.now;
  }

  /** Runs until stop(): enqueues due slots, then sleeps until the next one. Does nothing without schedules. */
  start(): void {
    if (this.#setup.schedules.length === 0 || this.#running) return;
    this.#running = this.#run();
  }

  /** Stops; resolves once a statement under way has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
  }

  /**
   * Where each schedule starts: with backfill, at its last stored slot (the window limits how far back); without, now.
   * A schedule with no stored slot starts now: it has missed nothing.
   */
  async #start(): Promise<Map<string, number>> {
    const { schedules, dialect, sql } = this.#setup;
    const backfilled = schedules.filter((schedule) => schedule.backfill !== undefined).map((schedule) => schedule.key);
    const last = backfilled.length === 0
      ? new Map<string, Date>()
      : await withTimeout(dialect.lastScheduledSlots(sql, backfilled), STATEMENT_TIMEOUT_MS, "reading the schedules' last slots");
    const now = this.#now();
    return new Map(schedules.map((schedule) => [schedule.key, last.get(schedule.key)?.getTime() ?? now]));
  }

  /**
   * Enqueues every slot due now that has not been dealt with, oldest first, and moves the cursors past them. Throws
   * when the database cannot be reached, leaving the cursors where they were, so the next tick tries again.
   */
  async tick(): Promise<void> {
    this.#cursors ??= await this.#start();
    const now = this.#now();
    const enqueuedAt = new Date(now);
    const due: { schedule: Schedule; slots: Date[] }[] = [];
    // Said once the tick has succeeded: a tick the database refuses is tried again, and would say them again.
    const notes: LogEntry[] = [];
    for (const schedule of this.#setup.schedules) {
      const from = this.#windowStart(schedule, this.#cursors.get(schedule.key)!, now, notes);
      due.push({ schedule, slots: schedule.slotsBetween(new Date(from), new Date(now), SLOTS_PER_STATEMENT) });
    }
    const tasks = due.flatMap(({ schedule, slots }) => slots.flatMap((slot) => this.#taskFor(schedule, slot, enqueuedAt, notes)));
    const inserted = new Set<string>();
    for (let start = 0; start < tasks.length; start += SLOTS_PER_STATEMENT) {
      const chunk = tasks.slice(start, start + SLOTS_PER_STATEMENT);
      const ids = await withTimeout(this.#setup.dialect.insertScheduledTasks(this.#setup.sql, chunk), STATEMENT_TIMEOUT_MS, "enqueueing schedule slots");
      for (const id of ids) inserted.add(id);
    }
    for (const note of notes) this.#setup.log(note);
    this.#logEnqueued(tasks, inserted);
    for (const { schedule, slots } of due) {
      // A schedule that filled its share may have more due slots: its cursor stops at the last slot taken, and the
      // next tick, at once, goes on from there; the others are done up to now.
      const cursor = slots.length === SLOTS_PER_STATEMENT ? slots.at(-1)!.getTime() : now;
      this.#cursors.set(schedule.key, Math.max(cursor, this.#cursors.get(schedule.key)!));
    }
  }

  /** A slot's task; none when its args cannot be made (the schedule's function threw, or the task refuses them). */
  #taskFor(schedule: Schedule, slot: Date, enqueuedAt: Date, notes: LogEntry[]): NewScheduledTask[] {
    try {
      return [schedule.taskFor(slot, enqueuedAt)];
    } catch (error) {
      notes.push({
        level: "error",
        event: "schedule-args-failed",
        message: `schedule "${schedule.key}" could not make its task for slot ${slot.toISOString()}; the slot is skipped`,
        taskName: schedule.task.name,
        error: messageOf(error),
      });
      return [];
    }
  }

  #logEnqueued(tasks: readonly NewScheduledTask[], inserted: ReadonlySet<string>): void {
    if (this.#setup.log.enabled?.("info") === false) return;
    for (const task of tasks) {
      if (!inserted.has(task.id)) continue;
      const message = `schedule "${task.scheduleKey}" enqueued slot ${task.scheduledAt.toISOString()}`;
      this.#setup.log({ level: "info", event: "scheduled", message, taskId: task.id, taskName: task.taskName, queue: task.queueName });
    }
  }

  /** Where a schedule's due slots start: its cursor, unless that is further back than its backfill (or ON_TIME_MS). */
  #windowStart(schedule: Schedule, cursor: number, now: number, notes: LogEntry[]): number {
    const earliest = now - Math.max(schedule.backfill ?? 0, ON_TIME_MS);
    if (cursor >= earliest) return cursor;
    const missed = schedule.nextSlot(new Date(cursor));
    if (missed !== undefined && missed.getTime() < earliest) {
      notes.push({
        level: "warn",
        event: "schedule-skipped",
        message: `schedule "${schedule.key}" skipped the slots from ${missed.toISOString()} to ${new Date(earliest).toISOString()}: missed by more than its ${schedule.backfill === undefined ? `${ON_TIME_MS} ms without backfill` : `backfill of ${schedule.backfill} ms`}`,
        taskName: schedule.task.name,
      });
    }
    // Slots are strictly after the start: one exactly `earliest` old is still in.
    return earliest - 1;
  }

  /** How long until the next slot of any schedule, from the cursors. */
  #untilNextSlot(): number {
    const now = this.#now();
    let next = now + MAX_SLEEP_MS;
    for (const schedule of this.#setup.schedules) {
      const slot = schedule.nextSlot(new Date(this.#cursors?.get(schedule.key) ?? now));
      if (slot !== undefined) next = Math.min(next, slot.getTime());
    }
    return Math.max(next - now, 0);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let wait: number;
      try {
        const starting = this.#cursors === undefined;
        await this.tick();
        if (starting) {
          const keys = this.#setup.schedules.map((schedule) => schedule.key).join(", ");
          this.#setup.log({ level: "info", event: "schedules-started", message: `scheduler started: ${this.#setup.schedules.length} schedule(s): ${keys}` });
        }
        if (this.#failures > 0) this.#setup.log({ level: "info", event: "schedules-restored", message: "enqueueing schedule slots again" });
        this.#failures = 0;
        wait = this.#untilNextSlot();
      } catch (error) {
        this.#failures++;
        wait = Math.min(250 * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
        // Only an outage tells the rescuer to hold back (live workers' heartbeats are overdue too). A refusal that
        // repeats (a trigger, a missing column, a privilege) would otherwise keep every worker from ever rescuing.
        const outage = classifyDatabaseError(error) === "outage";
        if (outage) this.#setup.onDatabaseError?.();
        this.#setup.log({
          level: outage ? "warn" : "error",
          event: "schedules-failed",
          message: `could not enqueue schedule slots; retrying in ${wait} ms`,
          error: messageOf(error),
        });
      }
      await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
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
}
