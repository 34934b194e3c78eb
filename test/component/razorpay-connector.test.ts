import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { PartnerCallContext, PartnerConnector, PartnerOutcome, PartnerRequest, PartnerResult } from '../../src/partners/partner-types.js';
import { createRazorpayConnector, type RazorpayConnectorOptions } from '../../src/partners/razorpay/razorpay-connector.js';
import { createRazorpaySim } from '../../src/partners/simulator/providers/razorpay-sim.js';
import { startPartnerSimulator, type PartnerSimulator, type SimProviderHandle } from '../../src/partners/simulator/sim-server.js';
import { answered, failure, until } from '../helpers/partner-test-kit.js';

// Payval references are 30 characters: `val_` and a ULID.
const ref = () => `val_${randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase()}`;
const account = (accountNumber: string, reference = ref()): PartnerRequest => ({
  reference,
  rail: 'IMPS',
  expectedName: 'Fatima Shaikh',
  type: 'bank_account',
  accountNumber,
  ifsc: 'HDFC0001234',
});
const vpa = (v: string, reference = ref()): PartnerRequest => ({ reference, rail: 'UPI', expectedName: null, type: 'vpa', vpa: v });




describe('razorpay connector against the simulated RazorpayX contract', () => {
  let sim: PartnerSimulator;
  let rzp: SimProviderHandle;
  const connectors: PartnerConnector[] = [];
  let connector: PartnerConnector;
  const connect = (o: Partial<RazorpayConnectorOptions> = {}): PartnerConnector => {
    const c = createRazorpayConnector({
      baseUrl: rzp.baseUrl,
      keyId: 'rzp_test_x',
      keySecret: 'secret',
      sourceAccountNumber: '7878780080316316',
      connectTimeoutMs: 1000,
      ...o,
    });
    connectors.push(c);
    return c;
  };
  // A deadline for calls that should succeed: generous, so a busy machine cannot turn one into a timeout.
  const verify = (req: PartnerRequest, previous: PartnerCallContext['previous'] = null, ms = 10_000, c = connector) =>
    c.verify(req, { signal: AbortSignal.timeout(ms), previous });

  before(async () => {
    sim = await startPartnerSimulator({ providers: [createRazorpaySim({ keyId: 'rzp_test_x', keySecret: 'secret' })] });
    rzp = sim.provider('razorpay');
    connector = connect();
  });
  after(async () => {
    await Promise.all(connectors.map((c) => c.close()));
    await sim.close();
  });

  it('maps each definitive bank-account outcome, billing only validations that did not fail', async () => {
    const cases = [
      ['50100123456789', 'valid', null, 'FATIMA SHAIKH', 1],
      ['50100123450000', 'invalid', 'account_not_found', null, 1],
      ['50100123452222', 'frozen', 'account_frozen', null, 0],
      ['50100123454444', 'closed', 'account_closed', null, 0],
    ] as const;
    for (const [accountNumber, status, reason, name, charges] of cases) {
      const req = account(accountNumber);
      const r = answered(await verify(req));
      assert.deepEqual([r.accountStatus, r.statusReason, r.registeredName], [status, reason, name], accountNumber);
      assert.match(r.partnerReference, /^fav_[0-9a-f]{14}$/);
      assert.equal(rzp.chargesFor(req.reference), charges, accountNumber);
    }
  });

  it('reports an account Razorpay cannot check (IMPS not enabled, the sandbox NRE) as rejected', async () => {
    const req = account('50100123453333');
    const err = await failure(verify(req));
    assert.ok(err instanceof PartnerRejectedError);
    assert.equal(rzp.chargesFor(req.reference), 0);
  });

  it('maps VPA outcomes', async () => {
    const ok = answered(await verify(vpa('ramesh.kumar99@okaxis')));
    assert.deepEqual([ok.accountStatus, ok.registeredName], ['valid', 'RAMESH KUMAR']);
    const bad = answered(await verify(vpa('invalid@ybl')));
    assert.deepEqual([bad.accountStatus, bad.statusReason], ['invalid', 'invalid_vpa']);
    assert.equal(answered(await verify(vpa('blocked@ybl'))).accountStatus, 'frozen');
  });

  it('5555: two gateway failures (not ambiguous, not billed), then valid under a fresh key, billed once', async () => {
    const reference = ref();
    for (let i = 0; i < 2; i++) {
      const err = await failure(verify(account('50100123455555', reference)));
      assert.ok(err instanceof PartnerTransientError);
      assert.equal(err.code, 'partner.bank_unavailable');
      assert.equal(err.ambiguous, false);
    }
    const r = answered(await verify(account('50100123455555', reference)));
    assert.deepEqual([r.accountStatus, r.registeredName], ['valid', 'LAKSHMI KRISHNAN']);
    assert.equal(rzp.callsFor(reference), 3);
    assert.equal(rzp.chargesFor(reference), 1);
  });

  it('6666: created first (pending), then resolved by a GET with the fav id, billed once', async () => {
    for (const req of [account('50100123456666'), vpa('pending@okicici')]) {
      const first = await verify(req);
      assert.equal(first.kind, 'pending');
      const favId = (first as Extract<PartnerOutcome, { kind: 'pending' }>).partnerReference;
      assert.match(favId ?? '', /^fav_/);
      const r = answered(await verify(req, { partnerReference: favId }));
      assert.equal(r.accountStatus, 'valid');
      assert.equal(r.partnerReference, favId);
      assert.equal(rzp.callsFor(req.reference), 2);
      assert.equal(rzp.chargesFor(req.reference), 1);
    }
  });

  it('ambiguous timeout, then a retry with previous: exactly one charge', async () => {
    const req = account('50100123456781');
    rzp.setFaults({ ambiguousRate: 1 });
    let err: unknown;
    try {
      // Long enough for the (hanging) call to reach the simulator and be billed on a busy machine.
      err = await failure(verify(req, null, 2000));
    } finally {
      rzp.setFaults({ ambiguousRate: 0 });
    }
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.timeout');
    assert.equal(err.ambiguous, true);
    assert.equal(rzp.chargesFor(req.reference), 1, 'the first call was processed and billed');

    const r = answered(await verify(req, { partnerReference: null }));
    assert.deepEqual([r.accountStatus, r.registeredName], ['valid', 'RAMESH KUMAR']);
    assert.equal(rzp.callsFor(req.reference), 2);
    assert.equal(rzp.chargesFor(req.reference), 1, 'the replay under the same key is not billed');
  });

  it('a hang aborted by the caller’s signal is an ambiguous timeout and frees the simulator', async () => {
    const req = account('50100123451111');
    const started = Date.now();
    const err = await failure(verify(req, null, 200));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.timeout');
    assert.equal(err.ambiguous, true);
    // Promptly: at the caller's deadline, not the simulator's 120 s hang or the 30 s backstop.
    assert.ok(Date.now() - started < 10_000);
    await until(() => sim.inFlight() === 0);
  });

  it('a previous fav id Razorpay does not know falls back to the idempotent replay', async () => {
    const req = account('50100123456782');
    const r = answered(await verify(req, { partnerReference: 'fav_00000000unknown' }));
    assert.equal(r.accountStatus, 'valid');
    assert.equal(rzp.callsFor(req.reference), 1, 'the GET carries no reference the simulator knows');
    assert.equal(rzp.chargesFor(req.reference), 1);
  });

  it('429 with Retry-After → PartnerRateLimitedError', async () => {
    rzp.setFaults({ rateLimitRate: 1, retryAfterSeconds: 7 });
    try {
      const err = await failure(verify(account('50100123456783')));
      assert.ok(err instanceof PartnerRateLimitedError);
      assert.equal(err.retryAfterMs, 7000);
    } finally {
      rzp.setFaults({ rateLimitRate: 0 });
    }
  });

  it('a malformed body is an ambiguous bad response; the replay then answers without a second charge', async () => {
    const req = account('50100123456784');
    rzp.setFaults({ malformedRate: 1 });
    let err: unknown;
    try {
      err = await failure(verify(req));
    } finally {
      rzp.setFaults({ malformedRate: 0 });
    }
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.bad_response');
    assert.equal(err.ambiguous, true);
    assert.equal(answered(await verify(req, { partnerReference: null })).accountStatus, 'valid');
    assert.equal(rzp.chargesFor(req.reference), 1);
  });

  it('wrong credentials → PartnerAuthError, nothing billed', async () => {
    const wrong = connect({ keySecret: 'not-the-secret' });
    const req = account('50100123456785');
    const err = await failure(verify(req, null, 2000, wrong));
    assert.ok(err instanceof PartnerAuthError);
    assert.equal(err.httpStatus, 401);
    assert.equal(err.reason, 'credentials');
    assert.equal(rzp.chargesFor(req.reference), 0);
  });

  it('an empty RazorpayX balance → PartnerAuthError(insufficient_balance)', async () => {
    const poor = connect({ sourceAccountNumber: '4564560000' });
    const err = await failure(verify(account('50100123456786'), null, 2000, poor));
    assert.ok(err instanceof PartnerAuthError);
    assert.equal(err.reason, 'insufficient_balance');
  });

  it('a replay whose body changed (config drift) is refused; payval treats it as ambiguous and bills nothing new', async () => {
    const req = account('50100123456787');
    answered(await verify(req));
    const drifted = connect({ validationType: 'pennydrop' });
    const err = await failure(verify(req, { partnerReference: null }, 2000, drifted));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.bad_response');
    assert.equal(err.ambiguous, true);
    assert.equal(rzp.chargesFor(req.reference), 1);
  });

  it('a request Razorpay refuses is rejected, unbilled, and the error carries no account data', async () => {
    const req = { ...account('50100987654321'), ifsc: 'NOT-AN-IFSC' };
    const err = await failure(verify(req));
    assert.ok(err instanceof PartnerRejectedError);
    assert.equal(err.httpStatus, 400);
    assert.equal(rzp.chargesFor(req.reference), 0);
    const everything = JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err.stack);
    assert.ok(!everything.includes('50100987654321'));
  });
});
