// Is the compiled build (dist/) the build of the sources beside it? `npm run build` (scripts/build.mjs)
// records a fingerprint of its inputs in the build; `payval` (bin/payval.mjs) and `npm start` compare it
// with the sources as they are now. Contents, not modification times: a checkout, a `touch` or a copy
// that keeps old times cannot make a stale build look current. Plain JavaScript, no dependencies: it
// runs before anything is compiled and in the image, where there are no sources.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What the build compiles (tsconfig.build.json) and the settings it compiles them with. */
const INPUT_DIRS = ['src', 'workers', 'migrations'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** Written into the output folder by scripts/build.mjs once tsc succeeded. */
export const BUILD_INFO = 'build-info.json';

/** A hash of every input's path and contents, or null where there are no sources (the image). */
export function sourceFingerprint(root) {
  if (!existsSync(path.join(root, 'src'))) return null;
  const files = [...INPUT_FILES.filter((f) => existsSync(path.join(root, f)))];
  for (const dir of INPUT_DIRS) if (existsSync(path.join(root, dir))) files.push(...listFiles(root, dir));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function listFiles(root, dir) {
  const out = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/**
 * `current`: outDir holds a build of the sources as they are now, or a build with no sources beside it
 * to compare (the image copies dist/ only); `stale`: the sources changed since it was built; `missing`:
 * there is no complete build.
 */
export function buildState(root, outDir = path.join(root, 'dist')) {
  let info;
  try {
    info = JSON.parse(readFileSync(path.join(outDir, BUILD_INFO), 'utf8'));
  } catch {
    return 'missing';
  }
  const now = sourceFingerprint(root);
  return now === null || now === info.fingerprint ? 'current' : 'stale';
}
