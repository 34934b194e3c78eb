import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PRIORITY_LIMIT } from 'bullmq';
import { MAX_PRIORITY, planRounds, priorityOfScore, slicePriority, sliceCount, type FairState } from '../../src/platform/fair-share.js';

const limits = { maxAhead: 100, maxWaiting: 1000 };
const state = (s: Partial<FairState>): FairState => ({ head: null, tail: null, last: null, queued: 0, ...s });

test('the bound is BullMQ’s own priority limit, and a score decodes to its priority', () => {
  assert.equal(MAX_PRIORITY, PRIORITY_LIMIT);
  assert.equal(priorityOfScore(7 * 2 ** 32 + 12345), 7);
  assert.equal(priorityOfScore(MAX_PRIORITY * 2 ** 32 + (2 ** 32 - 1)), MAX_PRIORITY);
});

test('an empty queue starts rounds over at 1, forgetting the tenant’s old round', () => {
  assert.deepEqual(planRounds(state({ last: 500 }), 3, limits), { first: 1, cap: 101, last: 3 });
});

test('a tenant new to a backlog starts at the head round, not behind the backlog', () => {
  const plan = planRounds(state({ head: 40, tail: 90, queued: 5000 }), 10, limits);
  assert.deepEqual(plan, { first: 40, cap: 140, last: 49 });
});

test('a tenant with slices queued continues after its last round', () => {
  assert.deepEqual(planRounds(state({ head: 40, tail: 90, last: 60, queued: 500 }), 10, limits), { first: 61, cap: 140, last: 70 });
});

test('a tenant whose slices were all taken starts again at the head', () => {
  assert.deepEqual(planRounds(state({ head: 40, tail: 90, last: 12, queued: 500 }), 1, limits), { first: 40, cap: 140, last: 40 });
});

test('a remembered round past every queued job is stale (rounds started over): the tenant starts at the head', () => {
  assert.deepEqual(planRounds(state({ head: 2, tail: 30, last: 900, queued: 500 }), 1, limits), { first: 2, cap: 102, last: 2 });
});

test('no tenant goes more than maxAhead rounds past the head', () => {
  assert.deepEqual(planRounds(state({ head: 40, tail: 140, last: 139, queued: 500 }), 10, limits), { first: 140, cap: 140, last: 140 });
  const plan = planRounds(state({ head: 40, tail: 140, last: 135, queued: 500 }), 10, limits)!;
  assert.deepEqual(Array.from({ length: 10 }, (_, k) => slicePriority(plan, k)), [136, 137, 138, 139, 140, 140, 140, 140, 140, 140]);
});

test('rounds never pass BullMQ’s limit', () => {
  const plan = planRounds(state({ head: MAX_PRIORITY - 1, tail: MAX_PRIORITY, last: MAX_PRIORITY, queued: 5 }), 4, limits)!;
  assert.deepEqual(plan, { first: MAX_PRIORITY, cap: MAX_PRIORITY, last: MAX_PRIORITY });
});

test('a full queue makes a tenant wait only while it has slices queued past the head', () => {
  const full = { head: 40, tail: 90, queued: 1001 };
  assert.equal(planRounds(state({ ...full, last: 41 }), 1, limits), null);
  assert.deepEqual(planRounds(state({ ...full, last: 40 }), 1, limits), { first: 41, cap: 140, last: 41 });
  assert.deepEqual(planRounds(state({ ...full, last: null }), 1, limits), { first: 40, cap: 140, last: 40 });
  assert.ok(planRounds(state({ ...full, queued: 1000, last: 80 }), 1, limits), 'at the bound there is still room');
  assert.ok(planRounds(state({ ...full, last: 80 }), 1, { ...limits, maxWaiting: 0 }), 'maxWaiting 0 means no bound');
});

test('a page is cut into slices, one round each', () => {
  assert.equal(sliceCount(1000, 100), 10);
  assert.equal(sliceCount(1001, 100), 11);
  assert.equal(sliceCount(1, 100), 1);
  assert.deepEqual([0, 1, 2, 3].map((k) => slicePriority({ first: 7, cap: 9, last: 9 }, k)), [7, 8, 9, 9]);
});

test('two tenants feeding page by page interleave: each round holds one slice of each', () => {
  // Tenant A has fed 20 rounds ahead; B joins. The zset is simulated as a list of (round, tenant).
  const queued: Array<{ round: number; tenant: string }> = [];
  const lasts = new Map<string, number>();
  const feed = (tenant: string) => {
    const rounds = queued.map((q) => q.round);
    const s = state({ head: rounds.length ? Math.min(...rounds) : null, tail: rounds.length ? Math.max(...rounds) : null, last: lasts.get(tenant) ?? null, queued: queued.length });
    const plan = planRounds(s, 1, { maxAhead: 1000, maxWaiting: 0 })!;
    lasts.set(tenant, plan.last);
    queued.push({ round: plan.first, tenant });
  };
  for (let i = 0; i < 20; i++) feed('A');
  for (let i = 0; i < 20; i++) feed('B');
  const order = [...queued].sort((x, y) => x.round - y.round).map((q) => q.tenant).join('');
  assert.equal(order, 'AB'.repeat(20));
});

test('properties: rounds stay within [base, cap] and [1, MAX_PRIORITY], and a placed tenant is remembered at or after its first round', () => {
  const opt = (a: fc.Arbitrary<number>) => fc.option(a, { nil: null });
  fc.assert(
    fc.property(
      opt(fc.integer({ min: 1, max: MAX_PRIORITY })),
      fc.integer({ min: 0, max: 1000 }),
      opt(fc.integer({ min: 0, max: MAX_PRIORITY })),
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 0, max: 3000 }),
      (head, span, last, queued, slices, maxAhead, maxWaiting) => {
        const tail = head === null ? null : Math.min(MAX_PRIORITY, head + span);
        const plan = planRounds({ head, tail, last, queued }, slices, { maxAhead, maxWaiting });
        if (plan === null) {
          assert.ok(queued > maxWaiting && maxWaiting > 0);
          return;
        }
        const base = head ?? 1;
        assert.ok(plan.first >= base && plan.first <= plan.cap && plan.cap <= MAX_PRIORITY);
        assert.ok(plan.cap <= base + maxAhead);
        assert.ok(plan.last >= plan.first && plan.last <= plan.cap && plan.last - plan.first < slices);
      },
    ),
  );
});
