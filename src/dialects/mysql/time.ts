// Timestamps on MySQL: DATETIME(3) holds no zone, so prisma-tasks writes and compares them in UTC, as Prisma's MySQL
// adapter does (it reads DATETIME back as UTC).
export function mysqlTime(date: Date): string {
  return date.toISOString().slice(0, 23).replace("T", " ");
}

/** A DATETIME as a driver returns it (a Date, or its UTC text) into a Date. */
export function fromMysqlTime(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(" ", "T")}Z`);
}
