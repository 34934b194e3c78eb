// Migrations at start-up, safe when several processes start at once (`docker compose up` starts the api
// and the worker together on a fresh database). knex's own guard is not enough: two processes both
// create knex_migrations (one fails, "table already exists"), may both insert a row into
// knex_migrations_lock (after which every later run reads "already locked" for ever), and the loser of
// its lock fails instead of waiting. So each run first takes a MySQL named lock for this database,
// waiting for whoever holds it; the run that gets it second finds nothing left to do.

import knexFactory from 'knex';
import type { Db } from './db.js';
import { migrationSource } from './migration-source.js';

export interface MigrateOptions {
  /** How long to wait for other processes' migrations (and to retry knex's races) before failing. */
  maxWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_MAX_WAIT_MS = 120_000;
// Named locks are server-wide: the name is derived from the database, so test databases never contend.
const LOCK_NAME = "CONCAT('payval_migrate_', LEFT(SHA1(DATABASE()), 40))";

/** Errors another process's concurrent migration run can cause: worth waiting and trying again. */
export function isMigrationRace(err: unknown): boolean {
  const e = err as { errno?: number; name?: string; message?: string } | null;
  if (!e) return false;
  // 1050: a table knex (or a migration) creates was created meanwhile; 1062: the same row inserted twice.
  if (e.errno === 1050 || e.errno === 1062) return true;
  return e.name === 'MigrationLocked' || /Migration table is already locked/.test(e.message ?? '') || e.name === 'MigrationLockWait';
}

/** Applies every pending migration, once across all processes; returns the names this call applied. */
export async function migrateLatest(db: Db, opts: MigrateOptions = {}): Promise<string[]> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      return await underNamedLock(db, Math.max(1, Math.ceil((deadline - now()) / 1000)), async () => {
        const [, applied] = (await db.migrate.latest()) as [number, string[]];
        return applied;
      });
    } catch (err) {
      const left = deadline - now();
      if (!isMigrationRace(err) || left <= 0) throw err;
      await sleep(Math.min(left, 100 * 2 ** Math.min(attempt, 6) * (0.5 + Math.random())));
    }
  }
}

/**
 * Runs `work` while holding this database's migration lock, taken on a connection of its own: a named
 * lock belongs to a session, and the pool (maybe a single connection) must stay free for the migrations.
 */
async function underNamedLock<T>(db: Db, waitSeconds: number, work: () => Promise<T>): Promise<T> {
  const lockDb = knexFactory({ client: 'mysql2', connection: db.client.config.connection, pool: { min: 0, max: 1 } });
  try {
    // A transaction pins the one connection from GET_LOCK to RELEASE_LOCK; it touches no rows.
    return await lockDb.transaction(async (trx) => {
      const [rows] = (await trx.raw(`SELECT GET_LOCK(${LOCK_NAME}, ?) AS got`, [waitSeconds])) as [Array<{ got: number | null }>];
      if (Number(rows[0]?.got) !== 1) {
        const e = new Error(`another process held the migration lock for ${waitSeconds} s`);
        e.name = 'MigrationLockWait';
        throw e;
      }
      try {
        return await work();
      } finally {
        await trx.raw(`SELECT RELEASE_LOCK(${LOCK_NAME})`);
      }
    });
  } finally {
    await lockDb.destroy();
  }
}

/**
 * The migrations of this code not yet applied to the database, read without writing anything: knex's
 * own `migrate.list()` creates its tables when they are missing, which a user without DDL grants may not.
 * A missing database or migrations table means every migration is pending.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const source = migrationSource();
  const all = (await source.getMigrations([])).map((m) => source.getMigrationName(m));
  let applied: string[] = [];
  try {
    applied = (await db('knex_migrations').select('name')).map((r: { name: string }) => r.name);
  } catch (err) {
    const errno = (err as { errno?: number }).errno;
    // 1049: unknown database; 1146: no such table.
    if (errno !== 1049 && errno !== 1146) throw err;
  }
  const done = new Set(applied);
  return all.filter((name) => !done.has(name));
}
