#!/usr/bin/env node
// The tasks-worker executable.
import v8 from "node:v8";

// A worker allocates fast and keeps little: under that load V8 lets the heap grow to up to 4 times the live data
// between full collections, and a busy worker's memory with it. Twice the live data keeps it lower at about the same
// speed (npm run bench). Set before the rest of the worker loads, and only when the command line or NODE_OPTIONS
// does not choose a value.
const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((flag) => flag.includes("heap-growing-percent"));
if (!chosen) v8.setFlagsFromString("--heap-growing-percent=100");

const { main } = await import("./cli.js");
process.exit(await main(process.argv.slice(2)));
