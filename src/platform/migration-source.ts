// knex's migrations, from the sources (.ts under tsx) or the compiled build (.js), under one set of names.
// knex records each applied migration by name and compares names exactly, extension included: its
// directory loader would record `x.js` from the build where every database so far has `x.ts`, and then
// stop with "the migration directory is corrupt". This source always records the source file's name
// (`<stem>.ts`), whichever file it loads, so a database migrated by either form is up to date for the
// other and no existing database needs its knex_migrations rows rewritten. See docs/decisions/0021.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { CODE_EXTENSION, CODE_ROOT } from './project-root.js';

/** The extension every migration is recorded under in knex_migrations. */
export const RECORDED_EXTENSION = '.ts';

/** The migrations that run with this code: <repo>/migrations/*.ts, or <build>/migrations/*.js. */
export const MIGRATIONS_DIR = path.join(CODE_ROOT, 'migrations');

export interface MigrationFile {
  /** As recorded in knex_migrations: `<stem>.ts`. */
  name: string;
  /** The file that is loaded. */
  path: string;
}

export function migrationSource(dir = MIGRATIONS_DIR, extension: string = CODE_EXTENSION): Knex.MigrationSource<MigrationFile> {
  return {
    async getMigrations() {
      // Sorted by file name, as knex's own loader does; the stems carry the order.
      const files = (await readdir(dir)).filter((f) => f.endsWith(extension) && !f.endsWith(`.d${extension}`)).sort();
      return files.map((f) => ({ name: f.slice(0, -extension.length) + RECORDED_EXTENSION, path: path.join(dir, f) }));
    },
    getMigrationName: (m) => m.name,
    getMigration: (m) => import(pathToFileURL(m.path).href) as Promise<Knex.Migration>,
  };
}

/** Where the migrations of this code come from, for logs: e.g. `/app/dist/migrations/*.js`. */
export const MIGRATIONS_FROM = path.join(MIGRATIONS_DIR, `*${CODE_EXTENSION}`);
