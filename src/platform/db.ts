import knexFactory, { type Knex } from 'knex';
import { migrationSource } from './migration-source.js';
import { parseDatabaseUrl } from './database-url.js';

export type Db = Knex;
export type Trx = Knex.Transaction;
/** Registers work to run after the surrounding transaction commits (such as enqueueing what it recorded). */
export type Defer = (task: () => Promise<void>) => void;

/**
 * The connection options of every MySQL connection payval opens (the pool, the migration lock's own
 * connection, which copies them, and the admin connection that creates the database), TLS included.
 */
export function connectionFromUrl(url: string, withDatabase: boolean): Knex.MySql2ConnectionConfig {
  const t = parseDatabaseUrl(url);
  return {
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    ...(withDatabase && t.database ? { database: t.database } : {}),
    ...(t.ssl ? { ssl: t.ssl as Knex.MariaSslConfiguration } : {}),
    charset: 'utf8mb4',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 5000,
  };
}

export function databaseName(url: string): string {
  const name = parseDatabaseUrl(url).database;
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error('DATABASE_URL must name a database of letters, digits and _');
  return name;
}

export function createDb(url: string, poolMax = 10): Db {
  return knexFactory({
    client: 'mysql2',
    connection: connectionFromUrl(url, true),
    pool: {
      min: 0,
      max: poolMax,
      // Every session works in UTC and gives up on a row lock quickly instead of InnoDB's 50 s default,
      // so a stuck lock surfaces as a retryable 1205 well inside a job's lock duration.
      afterCreate(conn: { query: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, c: unknown) => void) {
        conn.query("SET time_zone = '+00:00', innodb_lock_wait_timeout = 5", (err) => done(err, conn));
      },
    },
    acquireConnectionTimeout: 5000,
    // Error messages carry the statement with `?` placeholders, never the bound values (which can be
    // names, VPAs or ciphertexts); errors reach logs and BullMQ's job records.
    compileSqlOnError: false,
    // .ts from the sources, .js from the build, recorded under the same names: see migration-source.ts.
    migrations: { tableName: 'knex_migrations', migrationSource: migrationSource() },
  });
}

/** Creates the database named in the URL if it does not exist (first start on a fresh machine). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = knexFactory({ client: 'mysql2', connection: connectionFromUrl(url, false), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.destroy();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = knexFactory({ client: 'mysql2', connection: connectionFromUrl(url, false), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.destroy();
  }
}

/** Start-up migrations, safe when several processes start at once: see migrate.ts. */
export { migrateLatest } from './migrate.js';

const RETRYABLE_ERRNOS = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);

/**
 * Runs `work` in a transaction and re-runs the whole transaction on deadlock or lock-wait timeout:
 * InnoDB rolls back the victim, so retrying the complete unit is the only correct recovery.
 */
export async function withTransaction<T>(db: Db, work: (trx: Trx) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      const errno = (err as { errno?: number }).errno;
      if (attempt >= attempts || errno === undefined || !RETRYABLE_ERRNOS.has(errno)) throw err;
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 20));
    }
  }
}

/**
 * withTransaction whose work may `defer` tasks (enqueueing what it recorded) to run once it has
 * committed. Tasks of an attempt rolled back by a deadlock retry are dropped with it. A failing task
 * is reported to `onTaskError` and does not fail the call: the committed rows are the truth, and the
 * sweepers pick up whatever a lost task would have started.
 */
export async function withTransactionThen<T>(db: Db, work: (trx: Trx, defer: Defer) => Promise<T>, onTaskError: (err: unknown) => void): Promise<T> {
  let deferred: Array<() => Promise<void>> = [];
  const result = await withTransaction(db, (trx) => {
    deferred = [];
    return work(trx, (task) => deferred.push(task));
  });
  for (const task of deferred) await task().catch(onTaskError);
  return result;
}

/** A nullable DATETIME column as a Date or null. */
export const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : (v as Date));

/** JSON columns come back parsed from some servers/drivers and as text from others. */
export function parseJsonColumn<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
