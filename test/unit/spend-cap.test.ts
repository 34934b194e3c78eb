import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exhausted, quotaStatus, quotaWaitMs, reserveSlots, resynced, settleSlots, slotsWanted, staleParts, type QuotaRow } from '../../src/usage/spend-cap.js';
import { periodAt } from '../../src/usage/usage-period.js';

const now = new Date('2026-12-02T06:00:00Z');
const period = periodAt(now, 330);
const row = (r: Partial<QuotaRow> = {}): QuotaRow => ({
  day: '2026-12-02', dayUsed: 0, month: '2026-12', monthUsed: 0, reserved: 0, dailyCap: 7, monthlyCap: 0, reachedDay: null, reachedMonth: null, ...r,
});
const daily7 = { daily: 7, monthly: 0 };

test('a cap of N grants exactly N slots, counting the ones in flight', () => {
  const first = reserveSlots(row({ dayUsed: 3, reserved: 2 }), daily7, [1, 1, 1, 1]);
  assert.deepEqual(first.granted, [true, true, false, false]);
  assert.equal(first.row.reserved, 4);
  assert.equal(first.blockedBy, 'day');
  assert.deepEqual(first.reached, ['day']);
  assert.equal(first.row.reachedDay, '2026-12-02');
  // Reached once per period: the next refusal the same day audits nothing.
  assert.deepEqual(reserveSlots(first.row, daily7, [1]).reached, []);
});

test('both caps bind; a need of two waits while a later need of one still fits', () => {
  const both = { daily: 10, monthly: 5 };
  const r = reserveSlots(row({ dayUsed: 2, monthUsed: 4, dailyCap: 10, monthlyCap: 5 }), both, [2, 1, 1]);
  assert.deepEqual(r.granted, [false, true, false]);
  assert.equal(r.blockedBy, 'month');
  assert.equal(r.row.reserved, 1);
  assert.deepEqual(r.reached, ['month']);
  assert.deepEqual(reserveSlots(row(), daily7, [0, 0]).granted, [true, true], 'nothing needed, nothing refused');
});

test('final rows give their slots back and add what they were charged; reaching the cap is reported once', () => {
  const r = settleSlots(row({ dayUsed: 5, reserved: 3 }), daily7, 3, 2);
  assert.equal(r.row.reserved, 0);
  assert.equal(r.row.dayUsed, 7);
  assert.equal(r.row.monthUsed, 2);
  assert.deepEqual(r.reached, ['day']);
  assert.deepEqual(settleSlots(r.row, daily7, 0, 1).reached, []);
  assert.equal(settleSlots(row({ reserved: 1 }), daily7, 5, 0).row.reserved, 0, 'never below zero');
});

test('slots wanted: one per paid call, a second once an unresolved call is no longer held, none for a free follow-up', () => {
  assert.equal(slotsWanted({ quotaReserved: 0, partnerFollowup: null }, null, false), 1);
  assert.equal(slotsWanted({ quotaReserved: 1, partnerFollowup: null }, null, false), 0, 'a retry keeps its slot');
  assert.equal(slotsWanted({ quotaReserved: 1, partnerFollowup: 'ambiguous' }, 'cashfree', false), 0, 'held: the same call is resolved');
  assert.equal(slotsWanted({ quotaReserved: 1, partnerFollowup: 'ambiguous' }, null, false), 1, 'hold over: another partner may charge');
  assert.equal(slotsWanted({ quotaReserved: 0, partnerFollowup: 'pending' }, 'razorpay', true), 0);
});

test('stale rows: a new day, a new month or other caps read their counts again', () => {
  assert.deepEqual(staleParts(row(), daily7, period), { day: false, month: false });
  assert.deepEqual(staleParts(row({ day: '2026-12-01' }), daily7, period), { day: true, month: false });
  assert.deepEqual(staleParts(row({ day: '2026-11-30', month: '2026-11' }), daily7, period), { day: true, month: true });
  assert.deepEqual(staleParts(row(), { daily: 8, monthly: 0 }, period), { day: true, month: true });
  const r = resynced(row({ day: '2026-12-01', dayUsed: 7, monthUsed: 9, reserved: 2 }), daily7, period, { day: 1 });
  assert.deepEqual([r.day, r.dayUsed, r.monthUsed, r.reserved], ['2026-12-02', 1, 9, 2]);
});

test('status: remaining is limit − used; in-flight slots shown apart; the month wins when both are used up', () => {
  const s = quotaStatus({ dayUsed: 7, monthUsed: 20, reserved: 1 }, { daily: 7, monthly: 20 }, period);
  assert.deepEqual({ ...s.daily!, resetsAt: s.daily!.resetsAt.toISOString() }, { limit: 7, used: 7, inFlight: 1, remaining: 0, resetsAt: '2026-12-02T18:30:00.000Z', windowSeconds: 86_400 });
  assert.equal(s.monthly!.windowSeconds, 31 * 86_400);
  assert.equal(exhausted(s)?.period, 'month');
  assert.equal(exhausted(quotaStatus({ dayUsed: 6, monthUsed: 6, reserved: 3 }, daily7, period)), null, 'slots in flight do not refuse');
  assert.equal(quotaStatus({ dayUsed: 0, monthUsed: 0, reserved: 0 }, daily7, period).monthly, null);
});

test('a refused validation sleeps until the reset or the wait bound, whichever is sooner', () => {
  assert.equal(quotaWaitMs('day', period, now, 60_000), 60_000);
  assert.equal(quotaWaitMs('day', period, new Date('2026-12-02T18:29:50Z'), 60_000), 10_000);
});
