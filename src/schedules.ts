// Schedules: the `schedules` withTasks takes, checked once at the edge, and the slots their cron expressions give.
import { Cron } from "croner";
import type { NewScheduledTask } from "./dialects/types.js";
import { InvalidSchedule, TasksError } from "./errors.js";
import { newTaskId } from "./ids.js";
import { serialize } from "./serialization.js";
import { parseArgs, type AnyTask, type ArgsOf, type TaskRegistry } from "./task.js";

/** One entry of withTasks' `schedules`. */
export interface ScheduleConfig<T extends AnyTask = AnyTask> {
  /** The task each slot enqueues; one of withTasks' tasks. */
  task: T;
  /** A cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first. */
  cron: string;
  /** The IANA time zone the expression is read in; UTC by default. */
  tz?: string;
  /** The args of each slot's task: a value, or a function of the slot's time. */
  args?: ArgsOf<T> | ((slot: Date) => ArgsOf<T>);
  /** Tells apart several schedules of one task; the task's name by default. */
  key?: string;
  /**
   * Milliseconds: a worker that starts (or reaches the database again) enqueues the slots missed since the key's last
   * stored slot, up to this far back, each once, oldest first. Without it, missed slots are skipped.
   */
  backfill?: number;
}

/**
 * One schedule, its args checked against its own task's: `schedules: [schedule({ task, cron, args })]`. In a plain
 * array of ScheduleConfig, an entry's args are checked only as some task's args, so a misspelt field there compiles.
 */
export function schedule<T extends AnyTask>(config: ScheduleConfig<T>): ScheduleConfig {
  return config as unknown as ScheduleConfig;
}

const FIELDS = new Set(["task", "cron", "tz", "args", "key", "backfill"]);
const MAX_KEY_LENGTH = 200;
/** The longest backfill: a year. */
const MAX_BACKFILL_MS = 366 * 24 * 3600_000;

/** A checked schedule: its key, task and cron, and the slots and args it gives. */
export class Schedule {
  readonly #cron: Cron;
  readonly #args: unknown;

  constructor(
    readonly key: string,
    readonly task: AnyTask,
    readonly cron: string,
    readonly tz: string,
    args: unknown,
    readonly backfill: number | undefined,
  ) {
    this.#cron = parseCron(key, cron, tz);
    this.#args = args;
  }

  /** The first slot strictly after `after`, or undefined when the expression has no more. */
  nextSlot(after: Date): Date | undefined {
    return this.#cron.nextRun(after) ?? undefined;
  }

  /** The next `count` slots strictly after `after`. */
  nextSlots(count: number, after: Date): Date[] {
    return this.#cron.nextRuns(count, after);
  }

  /** The slots in (after, until], oldest first, at most `limit` of them. */
  slotsBetween(after: Date, until: Date, limit: number): Date[] {
    const slots: Date[] = [];
    for (let slot = this.nextSlot(after); slot !== undefined && slot <= until && slots.length < limit; slot = this.nextSlot(slot)) {
      slots.push(slot);
    }
    return slots;
  }

  /** The args for a slot: the schedule's value, or its function's answer for that slot. */
  argsFor(slot: Date): unknown {
    return typeof this.#args === "function" ? (this.#args as (slot: Date) => unknown)(new Date(slot)) : this.#args;
  }

  /** The row a slot enqueues: the task's queue, priority and attempts, ready at the slot. Throws for bad args. */
  taskFor(slot: Date, enqueuedAt: Date): NewScheduledTask {
    const args = this.argsFor(slot);
    parseArgs(this.task, args);
    return {
      id: newTaskId(enqueuedAt.getTime()),
      taskName: this.task.name,
      queueName: this.task.queueName,
      backend: this.task.backend,
      priority: this.task.priority,
      args: serialize(args, this.task.name, "args"),
      runAfter: slot,
      enqueuedAt,
      maxAttempts: this.task.maxAttempts,
      uniqueKey: null,
      uniqueWhile: null,
      // A slot has no caller whose trace it would continue: its attempts start traces of their own.
      traceContext: null,
      scheduleKey: this.key,
      scheduledAt: slot,
    };
  }
}

function parseCron(key: string, cron: string, tz: string): Cron {
  try {
    return new Cron(cron, { paused: true, mode: "5-or-6-parts", timezone: tz });
  } catch (error) {
    throw new InvalidSchedule(
      JSON.stringify(key),
      "cron",
      cron,
      `must be a cron expression of 5 fields (minute hour day month weekday), or 6 with seconds first (${(error as Error).message})`,
      { cause: error },
    );
  }
}

function checkTimeZone(label: string, tz: unknown): string {
  if (tz === undefined) return "UTC";
  try {
    if (typeof tz !== "string" || tz === "") throw new RangeError("not a name");
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch (error) {
    throw new InvalidSchedule(label, "tz", tz, 'must be an IANA time zone name such as "Europe/Paris" (or left out, for UTC)', { cause: error });
  }
}

/** Checks withTasks' `schedules` against its tasks; throws InvalidSchedule naming the schedule, the field and the fix. */
export function resolveSchedules(schedules: unknown, registry: TaskRegistry): Schedule[] {
  if (schedules === undefined) return [];
  if (!Array.isArray(schedules)) {
    throw new InvalidSchedule("list", "schedules", schedules, 'must be an array such as [{ task: report, cron: "0 3 * * *" }]');
  }
  const keys = new Set<string>();
  return schedules.map((entry: unknown, index) => {
    const place = `schedules[${index}]`;
    if (typeof entry !== "object" || entry === null) {
      throw new InvalidSchedule(place, "entry", entry, 'must be an object such as { task: report, cron: "0 3 * * *" }');
    }
    const config = entry as Record<string, unknown>;
    const unknown = Object.keys(config).find((field) => !FIELDS.has(field));
    if (unknown !== undefined) {
      throw new InvalidSchedule(place, unknown, config[unknown], `is not a schedule field; the fields are ${[...FIELDS].join(", ")}`);
    }
    const task = config.task as AnyTask | undefined;
    const known = registry.has((task as { name?: unknown } | undefined)?.name as string) ? registry.get(task!.name) : undefined;
    if (!known || known.fn !== task!.fn) {
      throw new InvalidSchedule(place, "task", task, "must be one of the tasks given to withTasks({ tasks })");
    }
    const key = config.key ?? task!.name;
    if (typeof key !== "string" || key.trim() === "" || key.length > MAX_KEY_LENGTH) {
      throw new InvalidSchedule(place, "key", key, `must be a non-blank string of at most ${MAX_KEY_LENGTH} characters`);
    }
    const label = JSON.stringify(key);
    if (keys.has(key)) {
      throw new InvalidSchedule(label, "key", key, "is used by an earlier schedule; give each schedule of one task its own key");
    }
    keys.add(key);
    if (typeof config.cron !== "string") {
      throw new InvalidSchedule(label, "cron", config.cron, 'must be a cron expression string such as "0 3 * * *"');
    }
    const tz = checkTimeZone(label, config.tz);
    const backfill = config.backfill;
    if (backfill !== undefined && (typeof backfill !== "number" || !Number.isInteger(backfill) || backfill <= 0 || backfill > MAX_BACKFILL_MS)) {
      throw new InvalidSchedule(label, "backfill", backfill, `must be a whole number of milliseconds from 1 to ${MAX_BACKFILL_MS} (a year), or left out to skip missed slots`);
    }
    const schedule = new Schedule(key, task!, config.cron, tz, config.args, backfill);
    if (schedule.nextSlot(new Date()) === undefined) {
      throw new InvalidSchedule(label, "cron", config.cron, "never matches a date from now on (a day that does not exist in that month?)");
    }
    if (typeof config.args !== "function") checkArgs(schedule, label);
    return schedule;
  });
}

/** A value given as args is checked now, as enqueue would check it, rather than at every slot. */
function checkArgs(schedule: Schedule, label: string): void {
  try {
    schedule.taskFor(new Date(), new Date());
  } catch (error) {
    const reason = error instanceof TasksError ? error.message : String(error);
    throw new InvalidSchedule(label, "args", schedule.argsFor(new Date()), `must be args the task accepts: ${reason}`, { cause: error });
  }
}

/** A schedule as `tasks-worker schedules` and the dashboard show it. */
export interface ScheduleStatus {
  key: string;
  taskName: string;
  cron: string;
  tz: string;
  backfill: number | undefined;
  /** The newest slot stored for the key (by any worker), or undefined when none is. */
  lastSlot: Date | undefined;
  /** The next slots after now. */
  nextSlots: Date[];
}

/** Each schedule with its last stored slot (one statement) and its next `count` slots after `now`. */
export async function scheduleStatuses(
  schedules: readonly Schedule[],
  lastSlots: (keys: readonly string[]) => Promise<Map<string, Date>>,
  count = 3,
  now = new Date(),
): Promise<ScheduleStatus[]> {
  const last = schedules.length === 0 ? new Map<string, Date>() : await lastSlots(schedules.map((schedule) => schedule.key));
  return schedules.map((schedule) => ({
    key: schedule.key,
    taskName: schedule.task.name,
    cron: schedule.cron,
    tz: schedule.tz,
    backfill: schedule.backfill,
    lastSlot: last.get(schedule.key),
    nextSlots: schedule.nextSlots(count, now),
  }));
}
