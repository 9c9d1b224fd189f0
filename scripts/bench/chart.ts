// The growth chart: drain rate against finished rows in the table, one line per library, drawn by uPlot in headless
// Chromium and saved as PNG beside the figures' JSON. `npx tsx scripts/bench/chart.ts docs/bench-growth.json` draws it
// again from the JSON.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export interface GrowthChart {
  /** x: finished rows in the table at each drain. */
  finishedRows: number[];
  /** y: each library's drain rate (tasks/s, median of the runs) at each x; null where not measured. */
  series: { name: string; perSecond: (number | null)[] }[];
  /** Tasks per drain. */
  drain: number;
  runs: number;
  node: string;
  postgres: string;
  /** YYYY-MM-DD */
  date: string;
}

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea"];
const WIDTH = 900;
const HEIGHT = 480;

// Runs in the page, after uPlot's script and the constants data, colors, width and height: uPlot draws the lines, and
// a draw hook writes each point's rate beside it. Plain JavaScript: a compiled function's text may call the compiler's
// helpers, which the page does not have.
const DRAW = `
const xs = data.finishedRows;
const short = (v) => (v >= 1e6 ? v / 1e6 + "M" : v >= 1e3 ? v / 1e3 + "k" : String(v));
const max = Math.max(...data.series.flatMap((s) => s.perSecond.filter((v) => v !== null)));
function labelPoints(u) {
  const ratio = window.devicePixelRatio;
  u.ctx.save();
  u.ctx.font = 12 * ratio + "px sans-serif";
  u.ctx.textAlign = "center";
  data.series.forEach((s, i) => {
    u.ctx.fillStyle = colors[i % colors.length];
    s.perSecond.forEach((v, j) => {
      if (v === null) return;
      const x = u.valToPos(xs[j], "x", true);
      const y = u.valToPos(v, "y", true);
      // Alternately above and below the point, so the labels of lines close together do not overlap.
      u.ctx.fillText(Math.round(v).toLocaleString("en-US"), x, y + (i % 2 === 0 ? -10 : 20) * ratio);
    });
  });
  u.ctx.restore();
}
new uPlot(
  {
    width,
    height,
    scales: {
      x: { time: false, range: () => [-0.04 * xs.at(-1), 1.06 * xs.at(-1)] },
      y: { range: () => [0, max * 1.2] },
    },
    axes: [
      { label: "finished rows in the table", splits: () => xs, values: (u, splits) => splits.map(short) },
      { label: "drain rate (tasks/s)", size: 70, values: (u, splits) => splits.map((v) => v.toLocaleString("en-US")) },
    ],
    series: [
      { label: "finished rows" },
      ...data.series.map((s, i) => ({ label: s.name, stroke: colors[i % colors.length], width: 2, points: { size: 8, fill: colors[i % colors.length] } })),
    ],
    legend: { live: false },
    hooks: { draw: [labelPoints] },
  },
  [xs, ...data.series.map((s) => s.perSecond)],
  document.getElementById("plot"),
);`;

function page(chart: GrowthChart): string {
  const require = createRequire(import.meta.url);
  const uplotDir = path.dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));
  const script = readFileSync(path.join(uplotDir, "uPlot.iife.min.js"), "utf8");
  const css = readFileSync(path.join(uplotDir, "uPlot.min.css"), "utf8");
  const runs = chart.runs === 1 ? "1 run" : `median of ${chart.runs} runs`;
  const subtitle =
    `${chart.drain.toLocaleString("en-US")} no-op tasks drained by 1 worker process at each library's best settings ` +
    `(at 0: the mean of a drain before the seeding and one after), ${runs}; ` +
    `Node.js ${chart.node}, PostgreSQL ${chart.postgres}, ${chart.date}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; font-family: sans-serif; color: #111; }
#chart { display: inline-block; padding: 16px 20px 8px; }
h1 { font-size: 18px; margin: 0 0 4px; }
p { font-size: 13px; margin: 0 0 12px; color: #444; }
</style></head><body>
<div id="chart"><h1>Drain rate against finished rows in the table</h1><p>${subtitle}</p><div id="plot"></div></div>
<script>${script}</script>
<script>const data = ${JSON.stringify(chart)}, colors = ${JSON.stringify(COLORS)}, width = ${WIDTH}, height = ${HEIGHT};
${DRAW}</script>
</body></html>`;
}

/** Renders the chart to `png` with uPlot in headless Chromium. */
export async function renderChart(chart: GrowthChart, png: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const tab = await browser.newPage({ viewport: { width: WIDTH + 80, height: HEIGHT + 200 }, deviceScaleFactor: 2 });
    const errors: string[] = [];
    tab.on("pageerror", (error) => errors.push(error.message));
    await tab.setContent(page(chart));
    if (errors.length > 0) throw new Error(`the chart's page failed: ${errors.join("; ")}`);
    await tab.locator("#chart").screenshot({ path: png });
  } finally {
    await browser.close();
  }
}

/**
 * Writes `base`.json, and `base`.png when Chromium is installed (otherwise says how to install it and skips the
 * picture). Returns the PNG's path, or undefined when it was skipped.
 */
export async function writeGrowthChart(chart: GrowthChart, base: string): Promise<string | undefined> {
  writeFileSync(`${base}.json`, `${JSON.stringify(chart, null, 2)}\n`);
  if (!existsSync(CHROMIUM)) {
    console.log(`\nchart skipped: no Chromium at ${CHROMIUM} (apt-get install chromium); its figures are in ${base}.json`);
    return undefined;
  }
  await renderChart(chart, `${base}.png`);
  return `${base}.png`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const json = process.argv[2];
  if (!json) {
    console.error("usage: npx tsx scripts/bench/chart.ts docs/bench-growth.json   (writes docs/bench-growth.png)");
    process.exit(2);
  }
  const png = json.replace(/\.json$/, ".png");
  await renderChart(JSON.parse(readFileSync(json, "utf8")) as GrowthChart, png);
  console.log(`wrote ${png}`);
}
