#!/usr/bin/env node
// `npm run build`: compiles src/, workers/ and migrations/ to JavaScript in dist/ (tsconfig.build.json),
// the form `npm start` and the Docker image run. Plain JavaScript so it runs before anything is built.
//
//   node scripts/build.mjs [--if-stale] [--out-dir DIR]
//
// --if-stale   do nothing when DIR already holds the build of the current sources (`npm start` uses it)
// --out-dir    build into DIR instead of dist/ (the build test builds into a folder of its own)
//
// tsc writes into a fresh folder that replaces DIR only once it succeeded: a failed or interrupted build
// leaves the previous build as it was, and files whose sources were deleted (a removed migration above
// all) never survive in DIR. The build records a fingerprint of its inputs (bin/build-state.mjs).

import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILD_INFO, buildState, sourceFingerprint } from '../bin/build-state.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean' }, 'out-dir': { type: 'string' } } });
const outDir = path.resolve(root, values['out-dir'] ?? 'dist');
const shown = path.relative(root, outDir) || '.';

if (values['if-stale'] && buildState(root, outDir) === 'current') process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('payval: cannot build: TypeScript is not installed (installed with --omit=dev?); run `npm ci`, then `npm run build`\n');
  process.exit(1);
}

// Taken before compiling: a source edited during the build leaves the build stale, not current.
const fingerprint = sourceFingerprint(root);
const fresh = `${outDir}.building-${process.pid}`;
rmSync(fresh, { recursive: true, force: true });
process.stderr.write(`payval: compiling to ${shown}/ …\n`);
const started = Date.now();
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', fresh], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(fresh, { recursive: true, force: true });
  process.stderr.write(`payval: build failed${existsSync(outDir) ? `; ${shown}/ left as it was` : ''}\n`);
  process.exit(r.status ?? 1);
}
writeFileSync(path.join(fresh, BUILD_INFO), `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`);
const old = `${outDir}.old-${process.pid}`;
if (existsSync(outDir)) renameSync(outDir, old);
renameSync(fresh, outDir);
rmSync(old, { recursive: true, force: true });
process.stderr.write(`payval: built ${shown}/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
