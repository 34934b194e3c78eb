import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelayMs, type RetryPolicy } from '../../src/validations/retry-policy.js';

const noJitter: RetryPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0 };

test('exponential growth from baseMs', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, noJitter)), [1000, 2000, 4000, 8000, 16000]);
});

test('capped at maxMs', () => {
  assert.equal(retryDelayMs(7, noJitter), 60_000);
  assert.equal(retryDelayMs(100, noJitter), 60_000);
  assert.equal(retryDelayMs(5000, noJitter), 60_000);
});

test('jitter only shortens, by up to the jitter fraction', () => {
  const policy: RetryPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0.5 };
  assert.equal(retryDelayMs(3, policy, () => 0), 4000);
  assert.equal(retryDelayMs(3, policy, () => 0.5), 3000);
  assert.equal(retryDelayMs(3, policy, () => 0.999), 2002);
  assert.equal(retryDelayMs(10, policy, () => 0.25), 52_500);
});

test('rounded and never negative', () => {
  assert.equal(retryDelayMs(1, { baseMs: 3, maxMs: 100, jitter: 0.5 }, () => 0.5), 2);
  assert.equal(retryDelayMs(1, { baseMs: 100, maxMs: 100, jitter: 1 }, () => 1), 0);
  assert.equal(retryDelayMs(1, { baseMs: 100, maxMs: 100, jitter: 2 }, () => 1), 0);
});

test('attemptsMade below 1 is treated as the first attempt', () => {
  assert.equal(retryDelayMs(0, noJitter), 1000);
  assert.equal(retryDelayMs(Number.NaN, noJitter), 1000);
});

test('defaults to Math.random and stays within bounds', () => {
  const policy: RetryPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 };
  for (let i = 0; i < 200; i++) {
    const d = retryDelayMs(4, policy);
    assert.ok(d > 6400 - 1 && d <= 8000, String(d));
  }
});
