// Where payval's files are at run time. The same modules run from the TypeScript sources (tsx:
// <repo>/src/…/*.ts) and from the compiled build (<repo>/dist/src/…/*.js, the repository's layout one
// folder down, or /app/dist in the image), so code that opens a file asks here instead of counting `../`
// from its own location. See docs/decisions/0021-compiled-build-in-production.md.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

/** `.ts` when the sources run (tsx), `.js` when the compiled build runs. */
export const CODE_EXTENSION: '.ts' | '.js' = path.extname(HERE) === '.ts' ? '.ts' : '.js';

/** The folder holding src/, workers/ and migrations/ as they run: the repository, or the build's output folder. */
export const CODE_ROOT = path.resolve(path.dirname(HERE), '../..');

/**
 * The nearest folder at or above CODE_ROOT that holds package.json: the repository (or /app in the
 * image). Files that are not compiled (openapi.yaml, package.json) are read from here.
 */
export const PROJECT_ROOT = findUp(CODE_ROOT, 'package.json');

/** A file of the project that is not compiled, such as `openapi.yaml`. */
export function projectFile(name: string): string {
  return path.join(PROJECT_ROOT, name);
}

function findUp(from: string, marker: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, marker))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no ${marker} in ${from} or any folder above it: payval's files are not where its code is`);
  }
}
