// A Node `--import` module for the benchmark's worker processes: @opentelemetry/api cannot be found in the process, as
// in an app that does not have it installed (the benchmark's own node_modules has it, for the other drains).
import { register } from "node:module";

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier === "@opentelemetry/api" || specifier.startsWith("@opentelemetry/api/")) {
    const error = new Error("Cannot find package '@opentelemetry/api' (hidden by the benchmark)");
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
