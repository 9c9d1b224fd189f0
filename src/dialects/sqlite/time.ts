// Timestamps on SQLite: ISO-8601 text with "+00:00", as @prisma/adapter-better-sqlite3 writes DateTime by default.
// One fixed width and zone, so text comparison in SQL orders them as time.
export function sqliteTime(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
