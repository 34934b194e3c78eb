import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakerState, GuardedPartner } from '../../src/partners/partner-breaker.js';
import { createPartnerRouter, MAX_WAIT_MS, MIN_WAIT_MS, type PartnerRouterOptions } from '../../src/partners/partner-router.js';
import { boundRetryAfterMs, MIN_PAUSE_MS, pendingPollDelayMs } from '../../src/partners/retry-after-bounds.js';
import type { Rail } from '../../src/partners/partner-types.js';

// Far from Date.now(), so a router that ignored the injected clock would give visibly wrong answers.
const T0 = 1_000_000;

interface FakePartner extends GuardedPartner {
  /** Breaker state the fake reports. */
  st: BreakerState;
  /** While `st` is 'open': the clock time at which the breaker would let a trial through. */
  reopensAt: number;
  /** Every `now` the router passed to retryInMs. */
  asked: number[];
}

function fake(name: string, rails: readonly Rail[] = ['IMPS', 'NEFT', 'UPI']): FakePartner {
  const p: FakePartner = {
    name,
    rails,
    st: 'closed',
    reopensAt: 0,
    asked: [],
    verify: () => Promise.reject(new Error('the router must not call partners')),
    state: () => p.st,
    retryInMs: (now = Date.now()) => {
      p.asked.push(now);
      return p.st === 'open' ? Math.max(0, p.reopensAt - now) : 0;
    },
    stats: () => ({ fires: 0, failures: 0, rejects: 0, timeouts: 0, successes: 0 }),
    shutdown: () => Promise.resolve(),
  };
  return p;
}

function openFor(p: FakePartner, ms: number, now: number): void {
  p.st = 'open';
  p.reopensAt = now + ms;
}

function setup(partners: FakePartner[], opts: Partial<PartnerRouterOptions> = {}) {
  const clock = { t: T0 };
  const router = createPartnerRouter({
    partners,
    authCooldownMs: 1000,
    now: () => clock.t,
    random: () => 0,
    ...opts,
  });
  return { router, clock };
}

const names = (ps: readonly GuardedPartner[]): string[] => ps.map((p) => p.name);

describe('createPartnerRouter', () => {
  it('offers capable partners in the default priority order', () => {
    const { router } = setup([fake('a'), fake('b'), fake('c')]);
    assert.deepEqual(names(router.candidates('IMPS')), ['a', 'b', 'c']);
    assert.deepEqual(names(router.capable('NEFT')), ['a', 'b', 'c']);
    assert.deepEqual(names(router.all()), ['a', 'b', 'c']);
    assert.equal(router.get('b')?.name, 'b');
    assert.equal(router.get('nope'), undefined);
  });

  it('filters by the rails each partner serves', () => {
    const { router } = setup([fake('banks', ['IMPS', 'NEFT']), fake('upi', ['UPI']), fake('all')]);
    assert.deepEqual(names(router.candidates('IMPS')), ['banks', 'all']);
    assert.deepEqual(names(router.candidates('UPI')), ['upi', 'all']);
    assert.deepEqual(names(router.capable('NEFT')), ['banks', 'all']);
  });

  it('applies a per-rail priority override, dropping partners it does not list and those without the rail', () => {
    const { router } = setup([fake('a'), fake('b', ['IMPS', 'NEFT']), fake('c')], {
      railPriority: { UPI: ['c', 'b', 'a'], NEFT: ['b'] },
    });
    // b is listed for UPI but cannot serve it.
    assert.deepEqual(names(router.candidates('UPI')), ['c', 'a']);
    assert.deepEqual(names(router.capable('NEFT')), ['b']);
    assert.deepEqual(names(router.candidates('NEFT')), ['b']);
    // Rails without an override keep the default order.
    assert.deepEqual(names(router.candidates('IMPS')), ['a', 'b', 'c']);
  });

  it('throws on an unknown partner in railPriority', () => {
    assert.throws(
      () => createPartnerRouter({ partners: [fake('a')], railPriority: { IMPS: ['a', 'ghost'] }, authCooldownMs: 1000 }),
      (e: unknown) => e instanceof TypeError && /IMPS/.test(e.message) && /ghost/.test(e.message),
    );
  });

  it('skips a partner whose breaker is open and keeps a half-open one', () => {
    const a = fake('a');
    const b = fake('b');
    const c = fake('c');
    const { router, clock } = setup([a, b, c]);
    openFor(a, 5000, clock.t);
    b.st = 'half_open';
    assert.deepEqual(names(router.candidates('IMPS')), ['b', 'c']);
    assert.deepEqual(names(router.capable('IMPS')), ['a', 'b', 'c'], 'capable ignores health');
    assert.equal(router.unavailableReason('a'), 'circuit_open');
    assert.equal(router.unavailableReason('b'), null);
    assert.ok(a.asked.includes(clock.t), 'the router asks the breaker with its own clock');
  });

  it('skips an open breaker even when it reports no wait left', () => {
    const a = fake('a');
    const { router } = setup([a, fake('b')]);
    a.st = 'open';
    a.reopensAt = 0;
    assert.deepEqual(names(router.candidates('IMPS')), ['b']);
  });

  it('pauses a rate-limited partner until the pause expires', () => {
    const { router, clock } = setup([fake('a'), fake('b')]);
    router.pause('a', 2000);
    assert.deepEqual(names(router.candidates('IMPS')), ['b']);
    assert.equal(router.unavailableReason('a'), 'rate_limited');

    // A shorter pause does not cut a longer one short.
    router.pause('a', 10);
    clock.t += 1999;
    assert.deepEqual(names(router.candidates('IMPS')), ['b']);
    clock.t += 1;
    assert.deepEqual(names(router.candidates('IMPS')), ['a', 'b']);
    assert.equal(router.unavailableReason('a'), null);

  });

  it('pauses a partner for at least MIN_PAUSE_MS however short, zero or past its Retry-After', () => {
    for (const ms of [0, -5000, 10]) {
      const { router, clock } = setup([fake('a'), fake('b')]);
      router.pause('b', ms);
      assert.deepEqual(names(router.candidates('IMPS')), ['a'], `a ${ms} ms Retry-After still pauses`);
      assert.equal(router.rateLimited('IMPS'), 'b');
      clock.t += MIN_PAUSE_MS - 1;
      assert.equal(router.rateLimited('IMPS'), 'b');
      clock.t += 1;
      assert.deepEqual(names(router.candidates('IMPS')), ['a', 'b']);
    }
    assert.throws(() => setup([fake('a')], { maxPauseMs: 0 }), /maxPauseMs/);
    assert.equal(boundRetryAfterMs(0, 5000), MIN_PAUSE_MS);
    assert.equal(boundRetryAfterMs(Number.NaN, 5000), 5000);
    assert.equal(boundRetryAfterMs(3000, 5000), 3000);
    assert.equal(boundRetryAfterMs(9000, 5000), 5000);
  });

  it('re-polls a pending answer no sooner than MIN_PAUSE_MS when the partner hints "now", and at PARTNER_PENDING_POLL_MS without a hint', () => {
    const opts = { pendingPollMs: 2000, maxRetryAfterMs: 60_000 };
    assert.equal(pendingPollDelayMs(0, opts), MIN_PAUSE_MS);
    assert.equal(pendingPollDelayMs(-30_000, opts), MIN_PAUSE_MS, 'a date in the past');
    assert.equal(pendingPollDelayMs(10_000, opts), 10_000);
    assert.equal(pendingPollDelayMs(3_600_000, opts), 60_000);
    assert.equal(pendingPollDelayMs(null, opts), 2000);
  });

  it('caps a pause at maxPauseMs however long the Retry-After', () => {
    const { router, clock } = setup([fake('a'), fake('b')], { maxPauseMs: 5000 });
    router.pause('a', 3_600_000);
    clock.t += 4999;
    assert.deepEqual(names(router.candidates('IMPS')), ['b']);
    clock.t += 1;
    assert.deepEqual(names(router.candidates('IMPS')), ['a', 'b']);
    router.pause('b', Number.POSITIVE_INFINITY);
    assert.equal(router.unavailableReason('b'), 'rate_limited');
    clock.t += 5000;
    assert.equal(router.unavailableReason('b'), null, 'an unreadable hint is capped too');
    // Without the option, a pause is capped at MAX_WAIT_MS.
    const other = setup([fake('a')]);
    other.router.pause('a', 3_600_000);
    other.clock.t += MAX_WAIT_MS;
    assert.deepEqual(names(other.router.candidates('IMPS')), ['a']);
  });

  it('names a partner a 429 has paused for the rail, or for the one partner asked about', () => {
    const { router, clock } = setup([fake('a'), fake('b'), fake('upi', ['UPI'])]);
    assert.equal(router.rateLimited('IMPS'), null);
    router.pause('b', 1000);
    assert.equal(router.rateLimited('IMPS'), 'b');
    assert.equal(router.rateLimited('IMPS', 'a'), null);
    assert.equal(router.rateLimited('IMPS', 'b'), 'b');
    assert.equal(router.rateLimited('UPI'), 'b');
    router.disable('a');
    assert.equal(router.rateLimited('IMPS', 'a'), null, 'a credentials refusal is not a rate limit');
    clock.t += 1000;
    assert.equal(router.rateLimited('IMPS'), null);
  });

  it('disables a partner for the auth cooldown: true the first time, false while disabled, usable again afterwards', () => {
    const { router, clock } = setup([fake('a'), fake('b')], { authCooldownMs: 1000 });
    assert.equal(router.disable('a'), true);
    assert.deepEqual(names(router.candidates('IMPS')), ['b']);
    assert.equal(router.unavailableReason('a'), 'auth_failed');

    clock.t += 500;
    assert.equal(router.disable('a'), false, 'already disabled');
    clock.t += 499;
    assert.deepEqual(names(router.candidates('IMPS')), ['b'], 'still inside the first cooldown');

    clock.t += 1001;
    assert.deepEqual(names(router.candidates('IMPS')), ['a', 'b']);
    assert.equal(router.unavailableReason('a'), null);
    assert.equal(router.disable('a'), true, 'a new failure after the cooldown disables it afresh');
    assert.equal(router.unavailableReason('b'), null);
    assert.equal(router.unavailableReason('ghost'), null);
  });

  it('reports auth_failed ahead of rate_limited ahead of circuit_open', () => {
    const a = fake('a');
    const { router, clock } = setup([a]);
    openFor(a, 60_000, clock.t);
    router.pause('a', 60_000);
    router.disable('a');
    assert.equal(router.unavailableReason('a'), 'auth_failed');
    clock.t += 1000;
    assert.equal(router.unavailableReason('a'), 'rate_limited');
    clock.t += 59_000;
    assert.equal(router.unavailableReason('a'), 'circuit_open');
  });

  it('restricts candidates to the held partner with `only`', () => {
    const a = fake('a');
    const { router } = setup([a, fake('b'), fake('c', ['UPI'])]);
    assert.deepEqual(names(router.candidates('IMPS', 'b')), ['b']);
    assert.deepEqual(names(router.candidates('IMPS', null)), ['a', 'b']);
    // The held partner is not available: no fallback to the others.
    router.pause('b', 1000);
    assert.deepEqual(router.candidates('IMPS', 'b'), []);
    // Held by a partner that does not serve the rail (or is unknown): nobody.
    assert.deepEqual(router.candidates('IMPS', 'c'), []);
    assert.deepEqual(router.candidates('IMPS', 'ghost'), []);
  });

  describe('waitMs', () => {
    it('waits for the soonest partner to recover', () => {
      const a = fake('a');
      const b = fake('b');
      const { router, clock } = setup([a, b]);
      openFor(a, 8000, clock.t);
      router.pause('b', 3000);
      assert.equal(router.waitMs('IMPS'), 3000);
      router.disable('b'); // cooldown 1000, but the pause is longer
      assert.equal(router.waitMs('IMPS'), 3000);
      clock.t += 2500;
      assert.equal(router.waitMs('IMPS'), 500);
      clock.t += 400;
      assert.equal(router.waitMs('IMPS'), MIN_WAIT_MS, '100 ms left is clamped up to the minimum');
      clock.t += 100;
      assert.equal(router.waitMs('IMPS'), MIN_WAIT_MS, 'a partner that is available now still waits the minimum');
    });

    it('only considers the held partner when `only` is given', () => {
      const a = fake('a');
      const b = fake('b');
      const { router, clock } = setup([a, b]);
      openFor(a, 2000, clock.t);
      openFor(b, 9000, clock.t);
      assert.equal(router.waitMs('IMPS'), 2000);
      assert.equal(router.waitMs('IMPS', 'b'), 9000);
    });

    it('clamps to [MIN_WAIT_MS, MAX_WAIT_MS], and waits the maximum when no partner serves the rail', () => {
      const a = fake('a', ['IMPS']);
      const { router, clock } = setup([a]);
      openFor(a, 1, clock.t);
      assert.equal(router.waitMs('IMPS'), MIN_WAIT_MS);
      openFor(a, 10 * MAX_WAIT_MS, clock.t);
      assert.equal(router.waitMs('IMPS'), MAX_WAIT_MS);
      assert.equal(router.waitMs('UPI'), MAX_WAIT_MS);
      assert.equal(router.waitMs('IMPS', 'ghost'), MAX_WAIT_MS);
    });

    it('adds jitter of at most min(1000, base / 2)', () => {
      const a = fake('a');
      let r = 0;
      const { router, clock } = setup([a], { random: () => r });
      const at = (ms: number, rand: number): number => {
        openFor(a, ms, clock.t);
        r = rand;
        return router.waitMs('IMPS');
      };
      assert.equal(at(5000, 0), 5000);
      assert.equal(at(5000, 0.5), 5500);
      assert.equal(at(5000, 0.999), 5999, 'jitter capped at 1000 ms');
      assert.equal(at(1000, 0.5), 1250, 'jitter capped at half the base');
      assert.equal(at(1000, 0.999), 1500);
      assert.equal(at(100, 0.999), Math.round(MIN_WAIT_MS * 1.4995), 'jitter scales with the clamped base');
      assert.equal(at(10 * MAX_WAIT_MS, 0.5), MAX_WAIT_MS + 500);
    });

    it('stays within its bounds with the real random source', () => {
      const a = fake('a');
      const clock = { t: T0 };
      const router = createPartnerRouter({ partners: [a], authCooldownMs: 1000, now: () => clock.t });
      openFor(a, 4000, clock.t);
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const w = router.waitMs('IMPS');
        assert.ok(w >= 4000 && w <= 5000, String(w));
        seen.add(w);
      }
      assert.ok(seen.size > 1, 'jitter varies');
    });
  });
});
