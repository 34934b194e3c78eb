// MySQL errors as something safe to act on and to log. knex puts the statement, with its bound values
// filled in, into `message`, and mysql2 adds `sql`; server texts such as "Duplicate entry '…'" or
// "Incorrect string value: '…'" quote the value too. Any of those may be a name or an account
// number, so callers log dbErrorSummary (codes and the column name only), never the error itself.

/**
 * Errors about the values in a statement: running it again with the same values fails the same way,
 * so retrying is pointless. 1406 data too long, 1366 incorrect string value, 1265 data truncated,
 * 1264 out of range, 1048 null in a NOT NULL column, 1452 foreign key, 3819 (MySQL) and 4025
 * (MariaDB) check constraint.
 */
const DATA_ERRNOS: ReadonlySet<number> = new Set([1406, 1366, 1265, 1264, 1048, 1452, 3819, 4025]);

interface MysqlErrorShape {
  errno?: unknown;
  code?: unknown;
  sqlMessage?: unknown;
}

export interface DbErrorSummary {
  errno: number | null;
  code: string | null;
  /** The column the server named, when it named one. */
  column: string | null;
}

export function isDataError(err: unknown): boolean {
  const errno = (err as MysqlErrorShape | null)?.errno;
  return typeof errno === 'number' && DATA_ERRNOS.has(errno);
}

export function isDbError(err: unknown): boolean {
  const e = err as MysqlErrorShape | null;
  return typeof e?.errno === 'number' && typeof e.sqlMessage === 'string';
}

export function dbErrorSummary(err: unknown): DbErrorSummary {
  const e = (err ?? {}) as MysqlErrorShape;
  const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : '';
  const column = /for column '([A-Za-z0-9_]{1,64})'/.exec(message)?.[1] ?? null;
  return { errno: typeof e.errno === 'number' ? e.errno : null, code: typeof e.code === 'string' ? e.code : null, column };
}

/** A stand-in for a MySQL error that carries its codes but none of its statement or values. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  readonly errno: number | null;
  readonly code: string | null;

  constructor(summary: DbErrorSummary) {
    super(`database error ${summary.code ?? 'unknown'}${summary.column ? ` (column ${summary.column})` : ''}`);
    this.errno = summary.errno;
    this.code = summary.code;
  }
}

/** `err` with any MySQL statement and values stripped, for errors that leave through logs or job records. */
export function withoutSql(err: unknown): unknown {
  return isDbError(err) ? new DatabaseError(dbErrorSummary(err)) : err;
}

/** A unique index refused the row (MySQL and MariaDB: ER_DUP_ENTRY, errno 1062). */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | null;
  return !!e && (e.code === 'ER_DUP_ENTRY' || e.errno === 1062);
}
