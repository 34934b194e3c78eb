// What a process does to the schema before it uses the database. By default (today's behaviour) it creates
// the database if missing and applies pending migrations, as the migrations user when
// MIGRATIONS_DATABASE_URL is set. With DATABASE_MIGRATE_ON_START=false it may run as a user that can only
// read and write rows: it touches no schema, and refuses to start while a migration is pending, since code
// running on a schema it does not expect fails later, row by row. See docs/decisions/0035.

import { createDb, ensureDatabase, type Db } from './db.js';
import { migrateLatest, pendingMigrations } from './migrate.js';

/** What config's `database` says about the schema (DATABASE_URL, DATABASE_MIGRATE_ON_START, MIGRATIONS_DATABASE_URL). */
export interface SchemaPolicy {
  url: string;
  migrateOnStart: boolean;
  migrationsUrl: string | null;
}

export class PendingMigrationsError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `the database is missing ${pending.length} migration${pending.length === 1 ? '' : 's'}: ${pending.join(', ')}. ` +
        'DATABASE_MIGRATE_ON_START is false, so this process does not migrate: run `payval migrate` ' +
        '(it connects as MIGRATIONS_DATABASE_URL when set), then start again',
    );
    this.name = 'PendingMigrationsError';
  }
}

/** Creates the database if missing and applies every pending migration, connected as `url`'s user; returns the names applied. */
export async function migrateAs(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const migrator = createDb(url, 2);
  try {
    return await migrateLatest(migrator);
  } finally {
    await migrator.destroy();
  }
}

/** Readies the schema that `db` (connected as DATABASE_URL) will use; returns the migrations applied. */
export async function prepareSchema(db: Db, database: SchemaPolicy): Promise<string[]> {
  if (!database.migrateOnStart) {
    const pending = await pendingMigrations(db);
    if (pending.length) throw new PendingMigrationsError(pending);
    return [];
  }
  if (database.migrationsUrl !== null) return migrateAs(database.migrationsUrl);
  await ensureDatabase(database.url);
  return migrateLatest(db);
}
