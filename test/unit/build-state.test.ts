// When bin/payval.mjs may run the compiled build: only when it is the build of the sources beside it, or
// when there are no sources (the image). A stale build must never run in place of edited sources.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILD_INFO, buildState, sourceFingerprint } from '../../bin/build-state.mjs';

const root = mkdtempSync(path.join(tmpdir(), 'payval-build-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};
const recordBuild = () => write(`dist/${BUILD_INFO}`, JSON.stringify({ fingerprint: sourceFingerprint(root) }));

describe('build state', () => {
  it('is missing without a recorded build, current once built, stale after any change to what the build compiles', () => {
    write('src/a.ts', 'export const a = 1;');
    write('migrations/1_x.ts', 'export {};');
    write('tsconfig.json', '{}');
    assert.equal(buildState(root), 'missing');
    recordBuild();
    assert.equal(buildState(root), 'current');

    write('src/a.ts', 'export const a = 2;');
    assert.equal(buildState(root), 'stale', 'an edited source');
    recordBuild();
    write('src/deep/b.ts', 'export {};');
    assert.equal(buildState(root), 'stale', 'an added source');
    rmSync(path.join(root, 'src/deep'), { recursive: true });
    assert.equal(buildState(root), 'current', 'back to what was built');
    rmSync(path.join(root, 'migrations/1_x.ts'));
    assert.equal(buildState(root), 'stale', 'a deleted migration');
    write('migrations/1_x.ts', 'export {};');
    write('tsconfig.json', '{"compilerOptions":{}}');
    assert.equal(buildState(root), 'stale', 'changed compiler settings');
  });

  it('goes by contents, not modification times', () => {
    recordBuild();
    const past = new Date(Date.now() - 86_400_000);
    write('src/a.ts', 'export const a = 3;');
    utimesSync(path.join(root, 'src/a.ts'), past, past);
    assert.equal(buildState(root), 'stale', 'an edit with an old time');
    recordBuild();
    utimesSync(path.join(root, 'src/a.ts'), new Date(), new Date());
    assert.equal(buildState(root), 'current', 'a touch');
  });

  it('is current with no sources beside the build (the image), missing without a build', () => {
    const image = mkdtempSync(path.join(tmpdir(), 'payval-image-'));
    try {
      assert.equal(buildState(image), 'missing');
      mkdirSync(path.join(image, 'dist'));
      writeFileSync(path.join(image, 'dist', BUILD_INFO), JSON.stringify({ fingerprint: 'abc' }));
      assert.equal(buildState(image), 'current');
      assert.equal(sourceFingerprint(image), null);
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});
