#!/usr/bin/env node
// The tasks-worker executable.
import { main } from "./cli.js";

process.exit(await main(process.argv.slice(2)));
