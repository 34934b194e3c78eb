import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { guardPartner, type BreakerOptions, type BreakerState, type GuardedPartner } from '../../src/partners/partner-breaker.js';
import {
  PartnerAuthError,
  PartnerCircuitOpenError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { PartnerCallContext, PartnerConnector, PartnerOutcome, PartnerRequest } from '../../src/partners/partner-types.js';

const REQ: PartnerRequest = {
  reference: 'val_1',
  rail: 'IMPS',
  expectedName: 'Ramesh Kumar',
  type: 'bank_account',
  accountNumber: '50100123456789',
  ifsc: 'HDFC0001234',
};
const OK: PartnerOutcome = {
  kind: 'answered',
  result: { accountStatus: 'valid', statusReason: null, registeredName: 'RAMESH KUMAR', partnerReference: 'p_1' },
};
const PENDING: PartnerOutcome = { kind: 'pending', partnerReference: 'p_pending', retryAfterMs: 2000 };

const OPTS: BreakerOptions = {
  callTimeoutMs: 1000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingCountTimeoutMs: 10_000,
  rollingCountBuckets: 10,
  resetTimeoutMs: 100,
};

type Behaviour = (req: PartnerRequest, signal: AbortSignal, call: number) => Promise<PartnerOutcome>;

function fakeConnector(behaviour: Behaviour) {
  const state = { calls: 0, closed: false, signals: [] as AbortSignal[], previous: [] as PartnerCallContext['previous'][] };
  const connector: PartnerConnector = {
    name: 'fake',
    rails: ['IMPS', 'NEFT'],
    verify(req, { signal, previous }) {
      state.calls += 1;
      state.signals.push(signal);
      state.previous.push(previous);
      return behaviour(req, signal, state.calls);
    },
    async close() {
      state.closed = true;
    },
  };
  return { connector, state };
}

const transient = () => Promise.reject(new PartnerTransientError('partner.unavailable', { ambiguous: true }));

function waitForAbort(signal: AbortSignal): Promise<PartnerOutcome> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new PartnerTransientError('partner.timeout', { message: 'fake aborted' })), { once: true });
  });
}

const guards: GuardedPartner[] = [];
function guard(connector: PartnerConnector, opts: Partial<BreakerOptions> = {}, onStateChange?: (p: string, s: BreakerState) => void) {
  const g = guardPartner(connector, { ...OPTS, ...opts }, onStateChange ? { onStateChange } : {});
  guards.push(g);
  return g;
}

afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.shutdown()));
});

describe('guardPartner', () => {
  it('stays closed after one transient failure below the volume threshold', async () => {
    const fake = fakeConnector((_r, _s, n) => (n === 1 ? transient() : Promise.resolve(OK)));
    const g = guard(fake.connector);
    await assert.rejects(g.verify(REQ), { code: 'partner.unavailable' });
    assert.equal(g.state(), 'closed');
    assert.deepEqual(await g.verify(REQ), OK);
    assert.equal(fake.state.calls, 2);
  });

  it('opens after many transient failures and then rejects without calling the partner', async () => {
    const fake = fakeConnector(transient);
    const g = guard(fake.connector, { resetTimeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) await assert.rejects(g.verify(REQ), PartnerTransientError);
    assert.equal(g.state(), 'open');
    const callsWhenOpened = fake.state.calls;

    const err = await g.verify(REQ).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof PartnerCircuitOpenError);
    assert.equal(err.code, 'partner.circuit_open');
    assert.equal(err.partner, 'fake');
    assert.equal(fake.state.calls, callsWhenOpened);
    assert.equal(g.stats().rejects, 1);
  });

  it('never opens on rejected or auth errors, and rethrows them unchanged', async () => {
    const rejected = new PartnerRejectedError(422);
    const auth = new PartnerAuthError(401);
    const fake = fakeConnector((_r, _s, n) => Promise.reject(n % 2 === 0 ? rejected : auth));
    const g = guard(fake.connector);
    for (let i = 1; i <= 20; i++) {
      const err: unknown = await g.verify(REQ).then(() => null, (e: unknown) => e);
      assert.equal(err, i % 2 === 0 ? rejected : auth);
    }
    assert.equal(g.state(), 'closed');
    assert.equal(fake.state.calls, 20);
    assert.equal(g.stats().failures, 0);
  });

  it('aborts each call’s own signal at callTimeoutMs, leaving concurrent calls alone', async () => {
    const fake = fakeConnector((_r, signal, n) => (n === 1 ? waitForAbort(signal) : sleep(150).then(() => OK)));
    const g = guard(fake.connector, { callTimeoutMs: 100 });
    const started = Date.now();
    const slow = g.verify(REQ).then(() => null, (e: unknown) => e);
    const fast = g.verify(REQ);

    const err = await slow;
    const elapsed = Date.now() - started;
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.message, 'fake aborted', 'the connector saw its signal abort, not opossum’s backstop');
    assert.ok(elapsed >= 90 && elapsed < 300, `aborted after ${elapsed} ms`);
    assert.equal((fake.state.signals[0]?.reason as Error).name, 'TimeoutError');

    // The second call outlives the first one's deadline: a shared controller would have killed it.
    assert.deepEqual(await fast, OK);
    assert.notEqual(fake.state.signals[0], fake.state.signals[1]);
  });

  it('turns its backstop timeout into a counted, ambiguous partner.timeout when a connector ignores the signal', async () => {
    const fake = fakeConnector(() => sleep(400).then(() => OK));
    const g = guard(fake.connector, { callTimeoutMs: 50, volumeThreshold: 2, resetTimeoutMs: 60_000 });
    const started = Date.now();
    await assert.rejects(g.verify(REQ), (e: unknown) => e instanceof PartnerTransientError && e.code === 'partner.timeout' && e.ambiguous);
    assert.ok(Date.now() - started < 390);
    await assert.rejects(g.verify(REQ), { code: 'partner.timeout' });
    assert.equal(g.stats().timeouts, 2);
    assert.equal(g.state(), 'open', 'backstop timeouts must count as failures');
  });

  it('half-opens after resetTimeout, lets one trial through, and closes on its success', async () => {
    let healthy = false;
    const fake = fakeConnector(() => (healthy ? sleep(30).then(() => OK) : transient()));
    const g = guard(fake.connector, { resetTimeoutMs: 100 });
    for (let i = 0; i < 5; i++) await assert.rejects(g.verify(REQ));
    assert.equal(g.state(), 'open');

    healthy = true;
    await sleep(150);
    assert.equal(g.state(), 'half_open');
    const trial = g.verify(REQ);
    await assert.rejects(g.verify(REQ), PartnerCircuitOpenError, 'only one trial call while half-open');
    assert.deepEqual(await trial, OK);
    assert.equal(g.state(), 'closed');
    assert.deepEqual(await g.verify(REQ), OK);
  });

  it('reopens when the half-open trial fails', async () => {
    const fake = fakeConnector(transient);
    const g = guard(fake.connector, { resetTimeoutMs: 50 });
    for (let i = 0; i < 5; i++) await assert.rejects(g.verify(REQ));
    await sleep(80);
    assert.equal(g.state(), 'half_open');
    await assert.rejects(g.verify(REQ), PartnerTransientError);
    assert.equal(g.state(), 'open');
  });

  it('reports each state transition exactly once', async () => {
    let healthy = false;
    const seen: string[] = [];
    const fake = fakeConnector(() => (healthy ? Promise.resolve(OK) : transient()));
    const g = guard(fake.connector, { resetTimeoutMs: 60 }, (partner, state) => seen.push(`${partner}:${state}`));
    for (let i = 0; i < 8; i++) await g.verify(REQ).catch(() => undefined);
    assert.deepEqual(seen, ['fake:open']);
    healthy = true;
    await sleep(100);
    await g.verify(REQ);
    await g.verify(REQ);
    assert.deepEqual(seen, ['fake:open', 'fake:half_open', 'fake:closed']);
  });

  it('survives a throwing state hook', async () => {
    const fake = fakeConnector(transient);
    const g = guard(fake.connector, {}, () => {
      throw new Error('hook broke');
    });
    for (let i = 0; i < 5; i++) await assert.rejects(g.verify(REQ), PartnerTransientError);
    assert.equal(g.state(), 'open');
  });

  it('shutdown closes the connector and refuses further calls', async () => {
    const fake = fakeConnector(() => Promise.resolve(OK));
    const g = guard(fake.connector);
    await g.shutdown();
    assert.equal(fake.state.closed, true);
    await assert.rejects(g.verify(REQ), PartnerCircuitOpenError);
    assert.equal(fake.state.calls, 0);
  });

  it('passes `previous` to the connector (null by default) and returns a pending outcome as a success', async () => {
    const fake = fakeConnector((_r, _s, n) => Promise.resolve(n === 1 ? PENDING : OK));
    const g = guard(fake.connector);
    assert.deepEqual(await g.verify(REQ), PENDING);
    assert.deepEqual(await g.verify(REQ, { partnerReference: 'p_pending' }), OK);
    assert.deepEqual(fake.state.previous, [null, { partnerReference: 'p_pending' }]);
    assert.equal(g.stats().successes, 2);
    assert.equal(g.stats().failures, 0);
  });

  it('reports retryInMs: 0 while closed, about resetTimeout after opening, 0 once half-open', async () => {
    const fake = fakeConnector(transient);
    const g = guard(fake.connector, { resetTimeoutMs: 150 });
    assert.equal(g.retryInMs(), 0);
    for (let i = 0; i < 4; i++) await assert.rejects(g.verify(REQ), PartnerTransientError);
    assert.equal(g.state(), 'closed', 'below the volume threshold');
    assert.equal(g.retryInMs(), 0);

    await assert.rejects(g.verify(REQ), PartnerTransientError);
    const openedBy = Date.now();
    assert.equal(g.state(), 'open');
    const left = g.retryInMs();
    assert.ok(left > 75 && left <= 150, `retryInMs right after opening was ${left}`);
    // The injected clock is honoured and the result never goes negative.
    const at = g.retryInMs(openedBy + 100);
    assert.ok(at > 0 && at <= 50, `retryInMs 100 ms after opening was ${at}`);
    assert.equal(g.retryInMs(openedBy + 10_000), 0);

    await sleep(200);
    assert.equal(g.state(), 'half_open');
    assert.equal(g.retryInMs(), 0);
    assert.equal(g.retryInMs(0), 0, 'half-open is 0 whatever the clock says');

    // A failed trial reopens the circuit and restarts the countdown.
    await assert.rejects(g.verify(REQ), PartnerTransientError);
    assert.equal(g.state(), 'open');
    const again = g.retryInMs();
    assert.ok(again > 75 && again <= 150, `retryInMs after reopening was ${again}`);
  });

  it('refuses options opossum would silently misread', () => {
    const fake = fakeConnector(() => Promise.resolve(OK));
    assert.throws(() => guardPartner(fake.connector, { ...OPTS, volumeThreshold: 2.5 }), /volumeThreshold/);
    assert.throws(() => guardPartner(fake.connector, { ...OPTS, rollingCountTimeoutMs: 5, rollingCountBuckets: 10 }), /rollingCount/);
  });
});
