// What a failed statement says: the database refused this statement's data, the database is out of reach for now, or
// something that neither retrying nor another row will fix.

/**
 * - `refusal`: the database answered and refused the statement's data (a constraint, a trigger, a value it cannot
 *   store); the same row would be refused again.
 * - `outage`: the connection or the server is unavailable for now (refused or dropped connections, a server shutting
 *   down or starting up, timeouts, lock conflicts); the same statement may succeed later.
 * - `fault`: anything else, such as a wrong password, a missing database or table, or a bug.
 */
export type DatabaseErrorKind = "refusal" | "outage" | "fault";

/** PostgreSQL SQLSTATE classes about the data of a statement: data exceptions, integrity constraints, triggers. */
const REFUSAL_CLASSES = new Set([
  "22", // data exception (a value out of range, invalid JSON, ...)
  "23", // integrity constraint violation
  "27", // triggered data change violation
  "2F", // SQL routine exception
  "38", // external routine exception (a trigger in another language)
  "39", // external routine invocation exception
  "44", // WITH CHECK OPTION violation
  "54", // program limit exceeded (a value too large to store)
  "P0", // PL/pgSQL: RAISE EXCEPTION, ASSERT
]);

/** PostgreSQL SQLSTATE classes and codes of a server or connection that is unavailable for now. */
const OUTAGE_CLASSES = new Set([
  "08", // connection exception
  "40", // transaction rollback: serialization failure, deadlock
  "53", // insufficient resources: too many connections, disk full, out of memory
  "57", // operator intervention: admin/crash shutdown, cannot connect now, statement timeout (57014)
]);
const OUTAGE_CODES = new Set(["55P03" /* lock not available */, "58000" /* system error */, "58030" /* I/O error */]);

/**
 * MySQL and MariaDB error numbers, for errors whose SQLSTATE (HY000, "general error") does not tell: a server or
 * connection unavailable for now (lock wait timeout, deadlock, too many connections, shutdown, a killed or lost
 * connection, a statement past its time limit, the client's pool timing out) ...
 */
const MYSQL_OUTAGES = new Set(["1040", "1053", "1203", "1205", "1213", "1317", "1927", "1969", "2002", "2003", "2006", "2013", "3024", "4031", "45028"]);
/** ... and the statement's data refused (a CHECK constraint such as MariaDB's JSON check, a trigger's SIGNAL). */
const MYSQL_REFUSALS = new Set(["1048", "1062", "1264", "1292", "1366", "1406", "1644", "3140", "3819", "4025"]);

/** SQLite result codes (with their extended forms) that refuse the statement's data. */
const SQLITE_REFUSALS = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)/;
/** SQLite result codes of a database that is busy or unavailable for now. */
const SQLITE_OUTAGES = /^SQLITE_(BUSY|LOCKED|IOERR|PROTOCOL|FULL)/;

/** Network errors of Node.js sockets and DNS. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** What drivers say when a connection ends or times out without an error code of its own. */
const OUTAGE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|the database system is (shutting down|starting up|in recovery mode)|terminating connection|Client has encountered a connection error|Can't reach database server|server closed the connection unexpectedly|timed out/i;

/** Prisma reports a driver adapter's error under `meta.driverAdapterError.cause`. */
interface AdapterCause {
  originalCode?: unknown;
  code?: unknown;
  kind?: unknown;
  /** The SQLSTATE that @prisma/adapter-mariadb passes along with a MySQL error number. */
  state?: unknown;
}

/** Driver adapter error kinds of an unavailable database. */
const OUTAGE_KINDS = new Set(["DatabaseNotReachable", "SocketTimeout", "ConnectionClosed", "TooManyConnections", "TransactionWriteConflict"]);

function adapterCause(error: unknown): AdapterCause | undefined {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: unknown } } } | null)?.meta?.driverAdapterError?.cause;
  return typeof cause === "object" && cause !== null ? (cause as AdapterCause) : undefined;
}

/**
 * The error's code: a SQLSTATE or SQLite code from pg or from Prisma's adapter, or a Node.js network code. Prisma's own
 * code (P2010, "raw query failed") says nothing about why.
 */
function codeOf(error: unknown): string | undefined {
  const cause = adapterCause(error);
  const code = cause ? (cause.originalCode ?? cause.code) : (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A MySQL or MariaDB error number: four digits, or the mariadb driver's own 45xxx (PostgreSQL has no SQLSTATE class 45).
 * Its SQLSTATE, when it is not the general HY000, says as much as PostgreSQL's.
 */
function classifyMysqlError(errno: string, state: unknown): DatabaseErrorKind {
  if (typeof state === "string" && /^[0-9A-Z]{5}$/.test(state) && state !== "HY000") {
    const sqlClass = state.slice(0, 2);
    // 45000: a SIGNAL raised by a trigger or routine, as PL/pgSQL's RAISE.
    if (REFUSAL_CLASSES.has(sqlClass) || sqlClass === "45") return "refusal";
    if (OUTAGE_CLASSES.has(sqlClass)) return "outage";
  }
  if (MYSQL_OUTAGES.has(errno)) return "outage";
  if (MYSQL_REFUSALS.has(errno)) return "refusal";
  return "fault";
}

export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  if (error instanceof StatementTimeout) return "outage";
  const code = codeOf(error);
  if (code !== undefined) {
    // Before SQLSTATEs: EPIPE, say, has the shape of one.
    if (NETWORK_CODES.has(code)) return "outage";
    if (/^(\d{4}|45\d{3})$/.test(code)) {
      const kind = classifyMysqlError(code, adapterCause(error)?.state);
      if (kind !== "fault") return kind;
    } else if (code.startsWith("SQLITE_")) {
      if (SQLITE_REFUSALS.test(code)) return "refusal";
      if (SQLITE_OUTAGES.test(code)) return "outage";
    } else if (/^[0-9A-Z]{5}$/.test(code)) {
      const sqlClass = code.slice(0, 2);
      if (REFUSAL_CLASSES.has(sqlClass)) return "refusal";
      if (OUTAGE_CLASSES.has(sqlClass) || OUTAGE_CODES.has(code)) return "outage";
      return "fault";
    }
  }
  const kind = adapterCause(error)?.kind;
  if (typeof kind === "string" && OUTAGE_KINDS.has(kind)) return "outage";
  return OUTAGE_MESSAGES.test(String((error as Error | null)?.message ?? "")) ? "outage" : "fault";
}

/** A statement the worker gave up waiting for: the database (or the way to it) is too slow to answer in time. */
export class StatementTimeout extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} got no answer from the database within ${timeoutMs} ms`);
    this.name = "StatementTimeout";
  }
}

/** Settles as `statement` does, or rejects with StatementTimeout after `timeoutMs`; the statement itself runs on. */
export function withTimeout<T>(statement: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StatementTimeout(what, timeoutMs)), timeoutMs);
    timer.unref();
  });
  return Promise.race([statement, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether the database refused a write for a unique index: a key or slot that another transaction took between a
 * statement's check and its write (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE, MySQL 1062).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "2067" || code === "1062";
}
