// The dashboard's static files, served from the package itself (no CDN): its stylesheet and script, and uPlot's
// build from the uplot package.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { CLIENT_SCRIPT } from "./assets/client.js";
import { STYLE } from "./assets/style.js";

interface Asset {
  type: string;
  load: () => Promise<string>;
}

const resolveFromPackage = createRequire(import.meta.url).resolve;

function fromUplot(file: string): () => Promise<string> {
  let text: Promise<string> | undefined;
  return () => (text ??= readFile(resolveFromPackage(`uplot/dist/${file}`), "utf8"));
}

const ASSETS: Record<string, Asset> = {
  "dashboard.css": { type: "text/css; charset=utf-8", load: async () => STYLE },
  "dashboard.js": { type: "text/javascript; charset=utf-8", load: async () => CLIENT_SCRIPT },
  "uPlot.min.css": { type: "text/css; charset=utf-8", load: fromUplot("uPlot.min.css") },
  "uPlot.iife.min.js": { type: "text/javascript; charset=utf-8", load: fromUplot("uPlot.iife.min.js") },
};

export function assetPath(basePath: string, name: keyof typeof ASSETS & string): string {
  return `${basePath}/assets/${name}`;
}

/** The asset's content type and text, or undefined for a name the dashboard does not serve. */
export async function loadAsset(name: string): Promise<{ type: string; text: string } | undefined> {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  return asset && { type: asset.type, text: await asset.load() };
}
