import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daysBetween, formatUtcOffset, monthDays, parseUtcOffset, periodAt } from '../../src/usage/usage-period.js';

const IST = 330;

test('offsets: +05:30, -03:00, Z and UTC; anything else, or past ±14:00, is refused', () => {
  assert.equal(parseUtcOffset('+05:30'), 330);
  assert.equal(parseUtcOffset('-03:00'), -180);
  assert.equal(parseUtcOffset('Z'), 0);
  assert.equal(parseUtcOffset('UTC'), 0);
  assert.equal(parseUtcOffset('+14:00'), 840);
  for (const bad of ['+14:30', '+05:60', '05:30', '+5:30', 'Asia/Kolkata', '', '+05:30 ']) assert.equal(parseUtcOffset(bad), null, bad);
  assert.equal(formatUtcOffset(330), '+05:30');
  assert.equal(formatUtcOffset(-570), '-09:30');
  assert.equal(formatUtcOffset(0), '+00:00');
});

test('an IST day starts at 18:30 UTC the evening before', () => {
  assert.equal(periodAt(new Date('2026-12-01T18:29:59.999Z'), IST).day, '2026-12-01');
  const p = periodAt(new Date('2026-12-01T18:30:00.000Z'), IST);
  assert.equal(p.day, '2026-12-02');
  assert.equal(p.dayEndsAt.toISOString(), '2026-12-02T18:30:00.000Z');
  assert.equal(periodAt(new Date('2026-12-01T23:00:00Z'), 0).day, '2026-12-01');
});

test('months: the last IST evening of November is already December; ends on the next first', () => {
  const p = periodAt(new Date('2026-11-30T19:00:00Z'), IST);
  assert.equal(p.month, '2026-12');
  assert.equal(p.monthFirstDay, '2026-12-01');
  assert.equal(p.monthLastDay, '2026-12-31');
  assert.equal(p.monthEndsAt.toISOString(), '2026-12-31T18:30:00.000Z');
  const feb = periodAt(new Date('2028-02-10T00:00:00Z'), IST);
  assert.equal(feb.monthLastDay, '2028-02-29');
  assert.equal(periodAt(new Date('2026-12-31T20:00:00Z'), IST).month, '2027-01');
  assert.equal(periodAt(new Date('2026-12-01T02:00:00Z'), -300).day, '2026-11-30');
});

test('month days and day counts', () => {
  assert.deepEqual(monthDays('2026-02'), { first: '2026-02-01', last: '2026-02-28' });
  assert.deepEqual(monthDays('2026-12'), { first: '2026-12-01', last: '2026-12-31' });
  assert.equal(daysBetween('2026-12-01', '2026-12-01'), 1);
  assert.equal(daysBetween('2026-01-01', '2026-12-31'), 365);
  assert.equal(daysBetween('2026-12-02', '2026-12-01'), 0);
});
