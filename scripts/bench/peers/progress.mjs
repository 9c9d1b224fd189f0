// Progress reports from a benchmark worker process (the peers' protocol, common.ts): the no-op jobs its task function
// has run, sent to the benchmark every 20 ms while the count moves. The benchmark reads the database only once the
// reported count reaches the drain's size, so its polling does not load the server the libraries are measured on.
export function reportProgress(send) {
  let executed = 0;
  let sent = 0;
  const timer = setInterval(() => {
    if (executed !== sent) send({ type: "progress", executed: (sent = executed) });
  }, 20);
  timer.unref();
  return {
    /** Counts one job run (call it from the task function). */
    ran() {
      executed++;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
