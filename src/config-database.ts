import { DatabaseUrlError, parseDatabaseUrl } from './platform/database-url.js';

export interface DatabaseConfig {
  url: string;
  poolMax: number;
  /** Apply pending migrations at start (as the migrations user when one is set); else refuse to start while any is pending. */
  migrateOnStart: boolean;
  /** The user `payval migrate` and start-up migrations connect as; null: DATABASE_URL's. */
  migrationsUrl: string | null;
}

/** The database's name in a URL that parses; null when it does not (its problem is reported). */
function checkUrl(key: string, url: string, problems: string[]): string | null {
  try {
    const { database } = parseDatabaseUrl(url);
    if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) problems.push(`${key}: must name a database of letters, digits and _`);
    return database;
  } catch (err) {
    if (!(err instanceof DatabaseUrlError)) throw err;
    problems.push(`${key}: ${err.message}`);
    return null;
  }
}

/**
 * Checks DATABASE_URL and MIGRATIONS_DATABASE_URL as connections would use them (their TLS options and
 * certificate files included), so a bad one stops the process before it listens.
 */
export function checkDatabaseConfig(c: DatabaseConfig, problems: string[]): DatabaseConfig {
  const database = checkUrl('DATABASE_URL', c.url, problems);
  if (c.migrationsUrl !== null) {
    const migrations = checkUrl('MIGRATIONS_DATABASE_URL', c.migrationsUrl, problems);
    if (database !== null && migrations !== null && migrations !== database) {
      problems.push('MIGRATIONS_DATABASE_URL: must name the same database as DATABASE_URL');
    }
  }
  return c;
}
