// Worker preparation on SQLite: WAL journal mode, so readers and the one writer stop blocking each other, which several
// worker processes on one file need. The mode is a lasting setting of the database file, so the worker says it changed it.
import type { DialectLog, SqlClient } from "../types.js";

type JournalMode = { journal_mode: string }[];

const WHY = "readers and the one writer no longer block each other";

export async function prepareWorker(client: SqlClient, log: DialectLog): Promise<void> {
  let file = "the SQLite database";
  try {
    const [main] = await client.$queryRawUnsafe<{ file: string }[]>("SELECT file FROM pragma_database_list WHERE name = 'main'");
    if (main?.file) file = main.file;
    const [before] = await client.$queryRawUnsafe<JournalMode>("PRAGMA journal_mode");
    if (before?.journal_mode === "wal") return;
    const [after] = await client.$queryRawUnsafe<JournalMode>("PRAGMA journal_mode = WAL");
    if (after?.journal_mode === "wal") {
      log({ level: "info", event: "journal-mode", message: `switched ${file} to WAL journal mode, a lasting setting of the file: ${WHY}` });
    } else {
      log({
        level: "warn",
        event: "journal-mode-failed",
        message: `could not switch ${file} to WAL journal mode; it stays in ${after?.journal_mode ?? before?.journal_mode} mode, where workers and the app wait on each other's locks more`,
      });
    }
  } catch (error) {
    log({
      level: "warn",
      event: "journal-mode-failed",
      message: `could not switch ${file} to WAL journal mode; workers and the app wait on each other's locks more until it is (PRAGMA journal_mode = WAL)`,
      error: String((error as Error)?.message ?? error),
    });
  }
}
