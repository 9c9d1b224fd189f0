/** Common interface implemented by each queue library's benchmark module (the peers and prisma-tasks itself). */
export interface DrainOptions {
  processes: number;
  /** Jobs in flight per process with otherwise default settings, or the library's tuned settings. */
  concurrency: number | "best";
  /** Stop the clock after this long even if jobs remain, and report the rate so far. */
  maxMs?: number;
  /** Node flags for the worker processes (none by default: each library as its users start it). */
  nodeFlags?: string[];
}

export interface DrainResult {
  /** Jobs completed per second, from "go" until the database shows them done. */
  perSecond: number;
  /** How many jobs completed (fewer than n when maxMs cut the run short). */
  completed: number;
  /** Peak RSS (MB) of each worker process. */
  peakRssMb: number[];
}

/** One setting of a library's workers that `npm run bench -- --tune` tries. */
export interface TuneCandidate {
  label: string;
  /** n jobs are already queued: drain them with `processes` worker processes at this setting. */
  drain(url: string, n: number, processes: number): Promise<DrainResult>;
}

export interface QueuePeer {
  name: string;
  version: string;
  /** Set when this Node is older than the library's package.json engines allow: the reason, reported before any run. */
  unsupportedNode?: string;
  /** Human-readable description of the tuned settings used (for the report). */
  settings: string;
  /** Create the library's schema (and queue, if needed) in that database. */
  install(url: string): Promise<void>;
  /** Fastest bulk add of n no-op jobs; returns jobs/s, timed after connecting. */
  enqueueBulk(url: string, n: number): Promise<number>;
  /** n sequential single adds; returns jobs/s. */
  enqueueSingle(url: string, n: number): Promise<number>;
  /** Jobs are already queued. Start `processes` worker child processes and time them until all n are completed. */
  drain(url: string, n: number, opts: DrainOptions): Promise<DrainResult>;
  /** Idle worker running; enqueue n jobs gapMs apart; per-job ms from enqueue to handler start. */
  latency(url: string, n: number, gapMs: number): Promise<number[]>;
  /** The settings `--tune` sweeps, 1 and 4 processes, to choose "best". */
  tuneCandidates?: TuneCandidate[];
  /** Adds n finished jobs (the kind the library keeps after running them) with one INSERT ... SELECT generate_series. */
  seedFinished(url: string, n: number): Promise<void>;
}
