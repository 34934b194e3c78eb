import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetryAfterHeader } from '../../src/platform/retry-after.js';
import {
  nextRetryDelayMs,
  parseDuration,
  parseRetrySchedule,
  type RetrySchedule,
} from '../../src/webhooks/retry-schedule.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const DEFAULT_TEXT = '0,5s,5m,30m,2h,5h,10h,10h';
const DEFAULT_MS = [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H];
const noJitter: RetrySchedule = { delaysMs: DEFAULT_MS, jitter: 0 };

test('parseDuration: every unit, and a bare integer is milliseconds', () => {
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration(' 5s '), 5000);
});

test('parseDuration: anything else throws a message naming the input', () => {
  for (const bad of ['', ' ', '-5s', '1.5s', '5 s', '5sec', '5S', 's', '5x', '1e3', '0x10', '+5', 'NaN', '5s5', '99999999999999999999d']) {
    assert.throws(() => parseDuration(bad), (e: Error) => e.message.includes(`"${bad}"`), JSON.stringify(bad));
  }
});

test('parseRetrySchedule: the default schedule', () => {
  assert.deepEqual(parseRetrySchedule(DEFAULT_TEXT), DEFAULT_MS);
  assert.deepEqual(parseRetrySchedule(' 0 , 5s,1m '), [0, 5000, 60_000]);
  assert.deepEqual(parseRetrySchedule('10s'), [10_000]);
});

test('parseRetrySchedule: 1 to 20 entries, each a valid duration', () => {
  assert.equal(parseRetrySchedule(Array(20).fill('1s').join(',')).length, 20);
  assert.throws(() => parseRetrySchedule(Array(21).fill('1s').join(',')), /1 to 20/);
  assert.throws(() => parseRetrySchedule(''), /1 to 20/);
  assert.throws(() => parseRetrySchedule('  '), /1 to 20/);
  assert.throws(() => parseRetrySchedule('0,5s,,5m'), /entry 3/);
  assert.throws(() => parseRetrySchedule('0,5s,'), /entry 3/);
  assert.throws(() => parseRetrySchedule('0;5s'), /entry 1/);
  assert.throws(() => parseRetrySchedule('0,5s,soon'), /entry 3: Invalid duration "soon"/);
});

test('without jitter, attempt n waits delaysMs[n]', () => {
  assert.deepEqual(
    DEFAULT_MS.map((_, i) => nextRetryDelayMs(noJitter, i)),
    DEFAULT_MS,
  );
});

test('exhausted once every entry has been used', () => {
  assert.equal(nextRetryDelayMs(noJitter, DEFAULT_MS.length), null);
  assert.equal(nextRetryDelayMs(noJitter, DEFAULT_MS.length + 5), null);
  assert.equal(nextRetryDelayMs({ delaysMs: [1000], jitter: 0 }, 1), null);
  assert.equal(nextRetryDelayMs({ delaysMs: [], jitter: 0 }, 0), null);
});

test('jitter spreads symmetrically: random 0 gives the low bound, 1 the high, 0.5 the base', () => {
  const s: RetrySchedule = { delaysMs: DEFAULT_MS, jitter: 0.2 };
  assert.equal(nextRetryDelayMs(s, 2, { random: () => 0 }), 240_000);
  assert.equal(nextRetryDelayMs(s, 2, { random: () => 1 }), 360_000);
  assert.equal(nextRetryDelayMs(s, 2, { random: () => 0.5 }), 300_000);
  assert.equal(nextRetryDelayMs(s, 1, { random: () => 0.25 }), 4500);
  // An immediate first attempt stays immediate whatever the jitter.
  assert.equal(nextRetryDelayMs(s, 0, { random: () => 1 }), 0);
});

test('jitter is clamped to 0..1 and the result is rounded and never negative', () => {
  assert.equal(nextRetryDelayMs({ delaysMs: [1000], jitter: 1 }, 0, { random: () => 0 }), 0);
  assert.equal(nextRetryDelayMs({ delaysMs: [1000], jitter: 5 }, 0, { random: () => 0 }), 0);
  assert.equal(nextRetryDelayMs({ delaysMs: [1000], jitter: 5 }, 0, { random: () => 1 }), 2000);
  assert.equal(nextRetryDelayMs({ delaysMs: [1000], jitter: -1 }, 0, { random: () => 0 }), 1000);
  assert.equal(nextRetryDelayMs({ delaysMs: [3], jitter: 0.5 }, 0, { random: () => 0.3 }), 2);
});

test('defaults to Math.random and stays within ±jitter', () => {
  const s: RetrySchedule = { delaysMs: DEFAULT_MS, jitter: 0.2 };
  for (let i = 0; i < 200; i++) {
    const d = nextRetryDelayMs(s, 3);
    assert.ok(d !== null && d >= 24 * M && d <= 36 * M, String(d));
  }
});

test('a Retry-After longer than the scheduled delay wins', () => {
  assert.equal(nextRetryDelayMs(noJitter, 1, { retryAfterMs: 60_000 }), 60_000);
  assert.equal(nextRetryDelayMs(noJitter, 0, { retryAfterMs: 1500 }), 1500);
});

test('a Retry-After shorter than the scheduled delay never shortens it', () => {
  assert.equal(nextRetryDelayMs(noJitter, 3, { retryAfterMs: 1000 }), 30 * M);
  const s: RetrySchedule = { delaysMs: DEFAULT_MS, jitter: 0.2 };
  assert.equal(nextRetryDelayMs(s, 3, { retryAfterMs: 1000, random: () => 0 }), 24 * M);
});

test('a huge Retry-After is capped at the longest delay in the schedule', () => {
  assert.equal(nextRetryDelayMs(noJitter, 1, { retryAfterMs: 99_999_999 * 1000 }), 10 * H);
  assert.equal(nextRetryDelayMs(noJitter, 1, { retryAfterMs: Number.MAX_SAFE_INTEGER }), 10 * H);
  assert.equal(nextRetryDelayMs(noJitter, 1, { retryAfterMs: Number.POSITIVE_INFINITY }), 10 * H);
  // The jittered delay itself may exceed the cap; the cap only limits what Retry-After adds.
  const s: RetrySchedule = { delaysMs: DEFAULT_MS, jitter: 0.2 };
  assert.equal(nextRetryDelayMs(s, 7, { retryAfterMs: 99_999_999_000, random: () => 1 }), 12 * H);
});

test('Retry-After absent, null, zero, negative or NaN changes nothing', () => {
  for (const retryAfterMs of [undefined, null, 0, -5000, Number.NaN]) {
    assert.equal(nextRetryDelayMs(noJitter, 2, { retryAfterMs }), 5 * M, String(retryAfterMs));
  }
});

test('Retry-After does not revive an exhausted schedule', () => {
  assert.equal(nextRetryDelayMs(noJitter, DEFAULT_MS.length, { retryAfterMs: 60_000 }), null);
});

test('attemptsMade below 0 or not a number is treated as none made', () => {
  assert.equal(nextRetryDelayMs(noJitter, -1), 0);
  assert.equal(nextRetryDelayMs(noJitter, Number.NaN), 0);
  assert.equal(nextRetryDelayMs(noJitter, 1.7), 5000);
});

test('parseRetryAfterHeader: delta-seconds or HTTP-date as ms from now, null when absent or unreadable', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(parseRetryAfterHeader('120', now), 120_000);
  assert.equal(parseRetryAfterHeader(' 0 ', now), 0);
  assert.equal(parseRetryAfterHeader(['30', '999'], now), 30_000);
  assert.equal(parseRetryAfterHeader('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfterHeader('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
  assert.equal(parseRetryAfterHeader('9'.repeat(400), now), Number.MAX_SAFE_INTEGER);
  for (const v of [undefined, null, '', '  ', [], 'soon']) {
    assert.equal(parseRetryAfterHeader(v, now), null, JSON.stringify(v));
  }
});

test('a hostile Retry-After header ends up capped by the schedule', () => {
  const retryAfterMs = parseRetryAfterHeader('99999999');
  assert.equal(nextRetryDelayMs(noJitter, 1, { retryAfterMs }), 10 * H);
});
