// Worker preparation on SQLite: WAL journal mode, so readers and the one writer stop blocking each other, which several
// worker processes on one file need. The mode is a lasting setting of the database file, so the worker says it changed it.
import type { DialectLog, SqlClient } from "../types.js";

type JournalMode = { journal_mode: string }[];

/** An error's last line: Prisma's messages open with lines about the call, and end with the database's answer. */
function lastLine(error: unknown): string {
  const text = String((error as Error)?.message ?? error).trim();
  return text.slice(text.lastIndexOf("\n") + 1);
}

export async function prepareWorker(client: SqlClient, log: DialectLog): Promise<void> {
  let file = "the SQLite database";
  let mode: string | undefined;
  const failed = (error?: string) =>
    log({
      level: "warn",
      event: "journal-mode-failed",
      message:
        `could not switch ${file} to WAL journal mode${mode ? ` (it stays in ${mode} mode)` : ""}: the app and the workers ` +
        `wait on each other's locks more. Fix: run PRAGMA journal_mode = WAL on it while nothing else has it open`,
      ...(error === undefined ? {} : { error }),
    });
  try {
    const [main] = await client.$queryRawUnsafe<{ file: string }[]>("SELECT file FROM pragma_database_list WHERE name = 'main'");
    if (main?.file) file = main.file;
    mode = (await client.$queryRawUnsafe<JournalMode>("PRAGMA journal_mode"))[0]?.journal_mode;
    if (mode === "wal") return;
    const [after] = await client.$queryRawUnsafe<JournalMode>("PRAGMA journal_mode = WAL");
    if (after?.journal_mode !== "wal") return failed();
    log({
      level: "info",
      event: "journal-mode",
      message: `switched ${file} to WAL journal mode, a lasting setting of the file: readers and the one writer no longer block each other`,
    });
  } catch (error) {
    failed(lastLine(error));
  }
}
