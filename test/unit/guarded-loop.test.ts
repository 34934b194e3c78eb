import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardedLoop } from '../../src/platform/guarded-loop.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a kicked loop never runs twice at once, and a kick while it runs is dropped', async () => {
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  let release: () => void = () => undefined;
  const loop = guardedLoop(null, async () => {
    runs++;
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((r) => (release = r));
    running--;
  }, (err) => assert.fail(String(err)));
  loop.start();
  loop.kick();
  loop.kick();
  loop.kick();
  release();
  for (const deadline = Date.now() + 10_000; running > 0 && Date.now() < deadline; ) await sleep(5);
  assert.equal(runs, 1);
  assert.equal(maxRunning, 1);
  loop.kick();
  release();
  await loop.stop();
  assert.equal(runs, 2);
});

test('stop waits for the run in progress; nothing runs after it, kicked or timed', async () => {
  let runs = 0;
  let finished = false;
  const loop = guardedLoop(5, async () => {
    runs++;
    await sleep(30);
    finished = true;
  }, (err) => assert.fail(String(err)));
  loop.start();
  await sleep(15);
  await loop.stop();
  assert.equal(finished, true, 'stop returned before the run ended');
  const after = runs;
  loop.kick();
  await sleep(30);
  assert.equal(runs, after);
});

test('errors go to onError and the loop keeps its schedule', async () => {
  const errors: unknown[] = [];
  let runs = 0;
  const loop = guardedLoop(1, async () => {
    runs++;
    throw new Error('boom');
  }, (err) => errors.push(err));
  loop.start();
  for (const deadline = Date.now() + 10_000; runs < 2 && Date.now() < deadline; ) await sleep(5);
  await loop.stop();
  assert.ok(runs >= 2, `ran ${runs} times`);
  assert.equal(errors.length, runs);
});
