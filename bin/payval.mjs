#!/usr/bin/env node
// The `payval` command. It runs the compiled build in dist/ (`npm run build`) when that is the build of
// the sources beside it, or when there are no sources beside it (the Docker image copies dist/ only).
// Otherwise (a development checkout with no build yet, or sources edited since the last build) it runs
// the TypeScript sources through tsx, a development dependency, so it never runs stale code.
// See docs/decisions/0021-compiled-build-in-production.md.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildState } from './build-state.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const state = buildState(root);

if (state === 'current') {
  await import(pathToFileURL(path.join(root, 'dist/src/cli/payval.js')).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`payval: the build in dist/ is ${state} and tsx (a development dependency) is not installed: run \`npm run build\`\n`);
    process.exit(1);
  }
  register();
  await import('../src/cli/payval.ts');
}
