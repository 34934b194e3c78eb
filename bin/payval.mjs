#!/usr/bin/env node
// The `payval` command. It runs the compiled build in dist/ (`npm run build`) when that is the build of
// the sources beside it, or when there are no sources beside it (the Docker image copies dist/ only).
// Otherwise (a development checkout with no build yet, or sources edited since the last build) it runs
// the TypeScript sources through tsx, a development dependency, so it never runs stale code.
// See docs/decisions/0021-compiled-build-in-production.md.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildState } from './build-state.mjs';
import { oldSpaceMb } from './node-flags.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const state = buildState(root);

// A worker's heap must hold its jobs in flight (bin/node-flags.mjs); started with a smaller cap it would
// spend its CPU collecting garbage. Said once, at start, with the setting that fixes it.
if (process.argv[2] === 'serve') {
  const needMb = oldSpaceMb(process.env);
  // The command line's flag wins over NODE_OPTIONS'; without either, V8's default limit is far larger.
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  const given = flags.map((f) => /^--max-old-space-size=(\d+)$/.exec(f)?.[1]).filter(Boolean).map(Number).at(-1);
  if (given !== undefined && given < needMb) {
    process.stderr.write(`payval: warning: --max-old-space-size is ${given} MB; ROLE=${process.env.ROLE || 'all'} with WORKER_CONCURRENCY=${process.env.WORKER_CONCURRENCY || 'default'} wants ${needMb} MB (64 KB per job in flight): set --max-old-space-size=${needMb} (NODE_OPTIONS in the image)\n`);
  }
}

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
