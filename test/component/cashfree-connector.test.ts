// The Cashfree adapter against the simulated Cashfree contract, over real HTTP: every magic outcome,
// auth, rate limits, garbled bodies, hangs, and — the point of the lookup design — that a retry after
// an ambiguous or pending outcome resolves the earlier verification instead of paying for another.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { createCashfreeConnector } from '../../src/partners/cashfree/cashfree-connector.js';
import {
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { PartnerCallContext, PartnerConnector, PartnerOutcome, PartnerRequest, PartnerResult } from '../../src/partners/partner-types.js';
import { createCashfreeSim } from '../../src/partners/simulator/providers/cashfree-sim.js';
import { startPartnerSimulator, type PartnerSimulator } from '../../src/partners/simulator/sim-server.js';
import { newId } from '../../src/platform/ids.js';
import { answered, failure, until } from '../helpers/partner-test-kit.js';

const account = (accountNumber: string, ifsc = 'HDFC0001234', reference = newId('val')): PartnerRequest => ({
  reference,
  rail: 'IMPS',
  expectedName: 'Anita Sharma',
  type: 'bank_account',
  accountNumber,
  ifsc,
});
const vpa = (v: string, reference = newId('val')): PartnerRequest => ({ reference, rail: 'UPI', expectedName: null, type: 'vpa', vpa: v });
// A deadline for calls that should succeed: generous, so a busy machine cannot turn one into a timeout.
const ctx = (previous: PartnerCallContext['previous'] = null, ms = 10_000): PartnerCallContext => ({ signal: AbortSignal.timeout(ms), previous });
const AGAIN: PartnerCallContext['previous'] = { partnerReference: null };




describe('Cashfree connector against the simulated Cashfree contract', () => {
  let sim: PartnerSimulator;
  let connector: PartnerConnector;
  const cf = () => sim.provider('cashfree');

  before(async () => {
    sim = await startPartnerSimulator({ providers: [createCashfreeSim({ clientId: 'cid', clientSecret: 'secret' })] });
    connector = createCashfreeConnector({ baseUrl: cf().baseUrl, clientId: 'cid', clientSecret: 'secret', connectTimeoutMs: 1000 });
  });
  afterEach(() => sim.reset());
  after(async () => {
    await connector.close();
    await sim.close();
  });

  it('maps every magic account outcome, one call and one charge each', async () => {
    const cases = [
      [account('50100123456789'), 'valid', null, 'FATIMA SHAIKH'],
      [account('50100123450000'), 'invalid', 'account_not_found', null],
      [account('50100123452222'), 'blocked', 'account_blocked', null],
      [account('50100123453333'), 'nre', 'nre_account', 'MOHAMMED IRFAN'],
      [account('50100123454444'), 'invalid', 'account_not_found', null],
      [account('50100123457777'), 'blocked', 'fraud_suspected', null],
      // Cashfree's documented sandbox data.
      [account('026291800001191', 'YESB0000262'), 'valid', null, 'RAMESH KUMAR'],
      [account('7766666585146', 'YESB0000001'), 'invalid', 'account_not_found', null],
      [account('7766667287515', 'ICIC0000001'), 'invalid', 'invalid_ifsc', null],
      [account('7766667989884', 'RATN0000070'), 'blocked', 'account_blocked', null],
      [account('7766667755761', 'ICIC0000001'), 'nre', 'nre_account', 'SANDBOX NRE HOLDER'],
    ] as const;
    for (const [req, accountStatus, statusReason, registeredName] of cases) {
      const label = req.type === 'bank_account' ? req.accountNumber : '';
      const result = answered(await connector.verify(req, ctx()));
      assert.equal(result.accountStatus, accountStatus, label);
      assert.equal(result.statusReason, statusReason, label);
      assert.equal(result.registeredName, registeredName, label);
      assert.match(result.partnerReference, /^\d+$/, label);
      assert.equal(cf().callsFor(req.reference), 1, label);
      assert.equal(cf().chargesFor(req.reference), 1, label);
    }
  });

  it('maps VPA outcomes', async () => {
    const cases = [
      ['ramesh.kumar@okaxis', 'valid', null, 'RAMESH KUMAR'],
      ['success@upi', 'valid', null, 'SUCCESS'],
      ['pending@ybl', 'valid', null, 'PENDING'],
      ['invalid@upi', 'invalid', 'invalid_vpa', null],
      ['incorrect@upi', 'invalid', 'invalid_vpa', null],
      ['blocked@ybl', 'invalid', 'invalid_vpa', null],
      ['expired@ybl', 'invalid', 'vpa_expired', null],
      ['nameincorrect@ybl', 'valid', null, null],
    ] as const;
    for (const [address, accountStatus, statusReason, registeredName] of cases) {
      const req = vpa(address);
      const result = answered(await connector.verify(req, ctx()));
      assert.deepEqual({ ...result, partnerReference: 'x' }, { accountStatus, statusReason, registeredName, partnerReference: 'x' }, address);
      assert.equal(cf().chargesFor(req.reference), 1, address);
    }
  });

  it('reports verifications Cashfree closed without an answer as errors, not as facts about the account', async () => {
    const refused = account('50100123458888');
    const e1 = await failure(connector.verify(refused, ctx()));
    assert.ok(e1 instanceof PartnerRejectedError);
    assert.equal(cf().chargesFor(refused.reference), 0);

    const imps = await failure(connector.verify(account('50100123459999'), ctx()));
    assert.ok(imps instanceof PartnerTransientError);
    assert.equal(imps.code, 'partner.bank_unavailable');
    assert.equal(imps.ambiguous, false);

    const noBalance = await failure(connector.verify(account('50101329442375', 'HDFC0000001'), ctx()));
    assert.ok(noBalance instanceof PartnerAuthError);
    assert.equal(noBalance.reason, 'insufficient_balance');
    assert.equal(noBalance.httpStatus, 412);
    const noBalanceUpi = await failure(connector.verify(vpa('nobalance@ybl'), ctx()));
    assert.ok(noBalanceUpi instanceof PartnerAuthError);
    assert.equal(noBalanceUpi.reason, 'insufficient_balance');

    const badIfsc = { ...account('50100123456789'), ifsc: 'NOT-AN-IFSC' } as PartnerRequest;
    const e4 = await failure(connector.verify(badIfsc, ctx()));
    assert.ok(e4 instanceof PartnerRejectedError);
    assert.equal(e4.httpStatus, 400);
    assert.equal(cf().chargesFor(badIfsc.reference), 0);
  });

  it('5555 fails twice with the bank offline, then answers on the third call, charged once', async () => {
    const req = account('50100123455555');
    for (let i = 0; i < 2; i++) {
      const e = await failure(connector.verify(req, ctx()));
      assert.ok(e instanceof PartnerTransientError);
      assert.equal(e.code, 'partner.bank_unavailable');
      assert.equal(e.ambiguous, false);
    }
    const result = answered(await connector.verify(req, ctx()));
    assert.equal(result.accountStatus, 'valid');
    assert.equal(result.registeredName, 'LAKSHMI KRISHNAN');
    assert.equal(cf().callsFor(req.reference), 3);
    assert.equal(cf().chargesFor(req.reference), 1);
  });

  it('a bank failure found by the follow-up lookup is replaced by a new verification', async () => {
    const req = account('50100123455555');
    await failure(connector.verify(req, ctx()));
    await failure(connector.verify(req, ctx(AGAIN))); // lookup: failed at the bank → a new verification, fails too
    const result = answered(await connector.verify(req, ctx(AGAIN)));
    assert.equal(result.accountStatus, 'valid');
    assert.equal(cf().callsFor(req.reference), 5, 'POST, then GET + POST twice');
    assert.equal(cf().chargesFor(req.reference), 1);
  });

  it('flaky@ VPA: a 502 is ambiguous, and the retries look up before sending again', async () => {
    const req = vpa('flaky@ybl');
    for (let i = 0; i < 2; i++) {
      const e = await failure(connector.verify(req, ctx(i === 0 ? null : AGAIN)));
      assert.ok(e instanceof PartnerTransientError);
      assert.equal(e.code, 'partner.unavailable');
      assert.equal(e.ambiguous, true);
    }
    const result = answered(await connector.verify(req, ctx(AGAIN)));
    assert.equal(result.registeredName, 'FLAKY');
    assert.equal(cf().callsFor(req.reference), 5, 'POST, then GET (404) + POST twice');
    assert.equal(cf().chargesFor(req.reference), 1);
  });

  it('6666 is pending first; the follow-up with Cashfree’s reference_id answers without a new charge', async () => {
    const req = account('50100123456666');
    const first = await connector.verify(req, ctx());
    assert.equal(first.kind, 'pending');
    const { partnerReference, retryAfterMs } = first as Extract<PartnerOutcome, { kind: 'pending' }>;
    assert.match(partnerReference ?? '', /^\d+$/);
    assert.equal(retryAfterMs, null, 'Cashfree gives no hint: payval’s own poll interval applies');
    assert.equal(cf().chargesFor(req.reference), 1);

    const result = answered(await connector.verify(req, ctx({ partnerReference })));
    assert.equal(result.accountStatus, 'valid');
    assert.equal(result.registeredName, 'JOHN DSOUZA');
    assert.equal(result.partnerReference, partnerReference);
    assert.equal(cf().callsFor(req.reference), 2, 'POST, then one GET');
    assert.equal(cf().chargesFor(req.reference), 1);
  });

  it('with in-call polling, 6666 is answered within the first call', async () => {
    const polling = createCashfreeConnector({ baseUrl: cf().baseUrl, clientId: 'cid', clientSecret: 'secret', connectTimeoutMs: 1000, statusPollDelaysMs: [0, 50] });
    try {
      const req = account('50100123456666');
      assert.equal(answered(await polling.verify(req, ctx())).accountStatus, 'valid');
      assert.equal(cf().callsFor(req.reference), 2);
      assert.equal(cf().chargesFor(req.reference), 1);
    } finally {
      await polling.close();
    }
  });

  it('an ambiguous timeout on a bank account, retried with `previous`, is charged exactly once', async () => {
    const req = account('50100123456781');
    cf().setFaults({ ambiguousRate: 1 });
    // Long enough for the (hanging) call to reach the simulator and be billed on a busy machine.
    const e = await failure(connector.verify(req, ctx(null, 2000)));
    assert.ok(e instanceof PartnerTransientError);
    assert.equal(e.code, 'partner.timeout');
    assert.equal(e.ambiguous, true);
    assert.equal(cf().chargesFor(req.reference), 1, 'Cashfree processed and billed the call');
    cf().setFaults({ ambiguousRate: 0 });

    const result = answered(await connector.verify(req, ctx(AGAIN)));
    assert.equal(result.accountStatus, 'valid');
    assert.equal(result.registeredName, 'RAMESH KUMAR');
    assert.equal(cf().chargesFor(req.reference), 1);
    assert.equal(cf().callsFor(req.reference), 2, 'the POST that hung, then one GET by user_id');
  });

  it('an ambiguous timeout on a VPA, retried with `previous`, is charged exactly once', async () => {
    const req = vpa('priya.nair@okhdfc');
    cf().setFaults({ ambiguousRate: 1 });
    // Long enough for the (hanging) call to reach the simulator and be billed on a busy machine.
    const e = await failure(connector.verify(req, ctx(null, 2000)));
    assert.equal((e as PartnerTransientError).code, 'partner.timeout');
    cf().setFaults({ ambiguousRate: 0 });
    assert.equal(answered(await connector.verify(req, ctx(AGAIN))).registeredName, 'PRIYA NAIR');
    assert.equal(cf().chargesFor(req.reference), 1);
    assert.equal(cf().callsFor(req.reference), 2);
  });

  it('a resend without `previous` is refused by Cashfree (409) and answered from the existing verification', async () => {
    for (const req of [account('50100123456782'), vpa('sunita.devi@okicici')]) {
      const first = answered(await connector.verify(req, ctx()));
      const second = answered(await connector.verify(req, ctx()));
      assert.deepEqual(second, first);
      assert.equal(cf().callsFor(req.reference), 3, 'POST, then POST (409) + GET');
      assert.equal(cf().chargesFor(req.reference), 1);
    }
  });

  it('with `previous` but nothing at Cashfree, it sends the verification after a 404', async () => {
    const req = account('50100123456783');
    assert.equal(answered(await connector.verify(req, ctx(AGAIN))).accountStatus, 'valid');
    assert.equal(cf().callsFor(req.reference), 2);
    assert.equal(cf().chargesFor(req.reference), 1);
  });

  it('a hang ends at the caller’s deadline as an ambiguous timeout and frees the simulator', async () => {
    const req = account('50100123451111');
    const started = Date.now();
    const e = await failure(connector.verify(req, ctx(null, 200)));
    assert.ok(e instanceof PartnerTransientError);
    assert.equal(e.code, 'partner.timeout');
    assert.equal(e.ambiguous, true);
    // Promptly: at the caller's deadline, not the simulator's 120 s hang or the 30 s backstop.
    assert.ok(Date.now() - started < 10_000, 'rejected promptly');
    await until(() => sim.inFlight() === 0);
    assert.equal(cf().chargesFor(req.reference), 0);

    const timeoutVpa = await failure(connector.verify(vpa('timeout@ybl'), ctx(null, 200)));
    assert.equal((timeoutVpa as PartnerTransientError).code, 'partner.timeout');
  });

  it('429 with Retry-After becomes PartnerRateLimitedError with that delay', async () => {
    cf().setFaults({ rateLimitRate: 1, retryAfterSeconds: 7 });
    for (const req of [account('50100123456784'), vpa('anita@ybl')]) {
      const e = await failure(connector.verify(req, ctx()));
      assert.ok(e instanceof PartnerRateLimitedError);
      assert.equal(e.retryAfterMs, 7000);
      assert.equal(cf().chargesFor(req.reference), 0);
    }
  });

  it('a garbled 2xx body is an ambiguous bad response; the retry finds the verification', async () => {
    const secret = '50100123456785';
    const req = account(secret);
    cf().setFaults({ malformedRate: 1 });
    const e = await failure(connector.verify(req, ctx()));
    assert.ok(e instanceof PartnerTransientError);
    assert.equal(e.code, 'partner.bad_response');
    assert.equal(e.ambiguous, true);
    assert.ok(!`${e.message} ${String(e.stack)}`.includes(secret));
    cf().setFaults({ malformedRate: 0 });
    assert.equal(answered(await connector.verify(req, ctx(AGAIN))).accountStatus, 'valid');
    assert.equal(cf().chargesFor(req.reference), 1);
  });

  it('does not call out at all with an already-aborted signal', async () => {
    const before = sim.totalCalls();
    const e = await failure(connector.verify(account('50100123456786'), { signal: AbortSignal.abort(), previous: null }));
    assert.ok(e instanceof PartnerTransientError);
    assert.equal(e.ambiguous, false);
    assert.equal(sim.totalCalls(), before);
  });
});

describe('Cashfree connector credentials', () => {
  it('raises PartnerAuthError for a wrong id or secret, without a charge, and succeeds with the right pair', async () => {
    const sim = await startPartnerSimulator({ providers: [createCashfreeSim({ clientId: 'cid', clientSecret: 'secret' })] });
    const baseUrl = sim.provider('cashfree').baseUrl;
    const connectors = [
      createCashfreeConnector({ baseUrl, clientId: 'cid', clientSecret: 'wrong', connectTimeoutMs: 1000 }),
      createCashfreeConnector({ baseUrl, clientId: 'other', clientSecret: 'secret', connectTimeoutMs: 1000 }),
    ];
    const right = createCashfreeConnector({ baseUrl, clientId: 'cid', clientSecret: 'secret', connectTimeoutMs: 1000 });
    try {
      for (const wrong of connectors) {
        for (const req of [account('50100123456789'), vpa('ramesh@ybl')]) {
          const e = await failure(wrong.verify(req, ctx()));
          assert.ok(e instanceof PartnerAuthError);
          assert.equal(e.reason, 'credentials');
          assert.equal(e.httpStatus, 401);
          assert.equal(sim.chargesFor(req.reference), 0);
        }
      }
      assert.equal(answered(await right.verify(account('50100123456789'), ctx())).accountStatus, 'valid');
    } finally {
      await Promise.all([...connectors, right].map((c) => c.close()));
      await sim.close();
    }
  });

  it('refuses to start without credentials or with an unknown rail', () => {
    assert.throws(() => createCashfreeConnector({ baseUrl: 'http://127.0.0.1:1', clientId: '', clientSecret: 's', connectTimeoutMs: 100 }), TypeError);
    assert.throws(
      () => createCashfreeConnector({ baseUrl: 'http://127.0.0.1:1', clientId: 'c', clientSecret: 's', connectTimeoutMs: 100, rails: ['SWIFT' as 'UPI'] }),
      TypeError,
    );
    const upiOnly = createCashfreeConnector({ baseUrl: 'http://127.0.0.1:1', clientId: 'c', clientSecret: 's', connectTimeoutMs: 100, rails: ['UPI'] });
    assert.deepEqual([...upiOnly.rails], ['UPI']);
    void upiOnly.close();
  });
});
