// Polling for a state another process brings about: the database rows a worker writes. A minute by default: CI runs
// two suites at once on two cores, where starting a worker process alone can take tens of seconds.

/** Calls `check` until it returns true; rejects with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
