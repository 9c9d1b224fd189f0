// The benchmark's arithmetic and its table: medians with min–max, percentiles, ratios.

/** One measured figure over the runs: each run's value. */
export type Runs = number[];

export function median(values: Runs): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (nearest rank) of the samples of one run. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function number(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** "median (min–max)", or the single value of a one-run measurement. */
export function cell(runs: Runs | undefined, note = ""): string {
  if (!runs || runs.length === 0) return "—";
  const text = runs.length === 1 ? number(runs[0]!) : `${number(median(runs))} (${number(Math.min(...runs))}–${number(Math.max(...runs))})`;
  return text + note;
}

export function ratio(ours: Runs | undefined, theirs: Runs | undefined): string {
  if (!ours?.length || !theirs?.length) return "—";
  const value = median(ours) / median(theirs);
  return `${value.toFixed(2)}×`;
}

/** A plain-text table; the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    row.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
