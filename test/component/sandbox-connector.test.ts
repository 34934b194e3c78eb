import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import {
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { PartnerCallContext, PartnerConnector, PartnerOutcome, PartnerRequest, PartnerResult } from '../../src/partners/partner-types.js';
import { createSandboxConnector } from '../../src/partners/sandbox/sandbox-connector.js';
import { createSandboxSim } from '../../src/partners/simulator/providers/sandbox-sim.js';
import { startPartnerSimulator, type PartnerSimulator } from '../../src/partners/simulator/sim-server.js';
import { answered, failure, until } from '../helpers/partner-test-kit.js';

const ref = () => `val_${randomUUID()}`;
const account = (accountNumber: string, reference = ref()): PartnerRequest => ({
  reference,
  rail: 'IMPS',
  expectedName: null,
  type: 'bank_account',
  accountNumber,
  ifsc: 'HDFC0001234',
});
const vpa = (v: string): PartnerRequest => ({ reference: ref(), rail: 'UPI', expectedName: null, type: 'vpa', vpa: v });
// A deadline for calls that should succeed: generous, so a busy machine cannot turn one into a timeout.
const ctx = (ms = 10_000, previous: PartnerCallContext['previous'] = null): PartnerCallContext => ({
  signal: AbortSignal.timeout(ms),
  previous,
});

/** The result of an answered outcome; fails the test on a pending one. */



function startSim(apiKey?: string): Promise<PartnerSimulator> {
  return startPartnerSimulator({ providers: [createSandboxSim(apiKey === undefined ? {} : { apiKey })] });
}

describe('sandbox connector against the partner simulator', () => {
  let sim: PartnerSimulator;
  let connector: PartnerConnector;
  const sandbox = () => sim.provider('sandbox');

  before(async () => {
    sim = await startSim();
    connector = createSandboxConnector({ baseUrl: sim.provider('sandbox').baseUrl, connectTimeoutMs: 1000 });
  });
  afterEach(() => {
    // Restores the starting (fault-free) behaviour whatever a test changed.
    sim.reset();
  });
  after(async () => {
    await connector.close();
    await sim.close();
  });

  it('maps every definitive account outcome to a result with its reason', async () => {
    const cases = [
      ['50100123456789', 'valid', null, 'FATIMA SHAIKH'],
      ['50100123450000', 'invalid', 'account_not_found', null],
      ['50100123452222', 'blocked', 'account_blocked', null],
      ['50100123453333', 'nre', 'nre_account', 'MOHAMMED IRFAN'],
      ['50100123454444', 'closed', 'account_closed', null],
    ] as const;
    for (const [accountNumber, accountStatus, statusReason, registeredName] of cases) {
      const req = account(accountNumber);
      const result = answered(await connector.verify(req, ctx()));
      assert.equal(result.accountStatus, accountStatus, accountNumber);
      assert.equal(result.statusReason, statusReason, accountNumber);
      assert.equal(result.registeredName, registeredName, accountNumber);
      assert.match(result.partnerReference, /^sbx_[0-9a-f]{16}$/);
      assert.equal(sim.chargesFor(req.reference), 1, accountNumber);
    }
  });

  it('maps VPA outcomes', async () => {
    const valid = answered(await connector.verify(vpa('ramesh.kumar@okaxis'), ctx()));
    assert.deepEqual(
      { ...valid, partnerReference: '' },
      { accountStatus: 'valid', statusReason: null, registeredName: 'RAMESH KUMAR', partnerReference: '' },
    );
    const invalid = answered(await connector.verify(vpa('invalid@ybl'), ctx()));
    assert.deepEqual([invalid.accountStatus, invalid.statusReason], ['invalid', 'account_not_found']);
    const blocked = answered(await connector.verify(vpa('blocked@ybl'), ctx()));
    assert.deepEqual([blocked.accountStatus, blocked.statusReason], ['blocked', 'account_blocked']);
  });

  it('replays a repeated reference: same partner reference, billed once', async () => {
    const req = account('50100123453333');
    const first = answered(await connector.verify(req, ctx()));
    const second = answered(await connector.verify(req, ctx(10_000, { partnerReference: first.partnerReference })));
    const third = answered(await connector.verify(req, ctx()));
    assert.deepEqual(second, first);
    assert.deepEqual(third, first);
    assert.equal(sim.callsFor(req.reference), 3);
    assert.equal(sim.chargesFor(req.reference), 1);
  });

  it('times out a hanging partner through the caller’s signal and frees the server-side request', async () => {
    const req = account('50100123451111');
    const started = Date.now();
    const err = await failure(connector.verify(req, ctx(200)));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.timeout');
    assert.equal(err.ambiguous, true);
    // Promptly: at the caller's deadline, not the simulator's 120 s hang or the 30 s backstop.
    assert.ok(Date.now() - started < 10_000, 'rejected promptly');
    assert.equal(sim.callsFor(req.reference), 1);
    assert.equal(sim.chargesFor(req.reference), 0);
    await until(() => sim.inFlight() === 0);
  });

  it('abandons server latency when the client gives up', async () => {
    sim.setLatency(5000);
    const err = await failure(connector.verify(account('50100123456781'), ctx(100)));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.timeout');
    await until(() => sim.inFlight() === 0);
    assert.equal(sim.totalCharges(), 0);
  });

  it('resolves an ambiguous timeout by replaying the reference: answered, billed once', async () => {
    const req = account('50100123456789');
    sandbox().setFaults({ ambiguousRate: 1 });
    // Long enough for the (hanging) call to reach the simulator and be billed on a busy machine.
    const err = await failure(connector.verify(req, ctx(2000)));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.timeout');
    assert.equal(err.ambiguous, true, 'the partner may have billed it');
    assert.equal(sim.chargesFor(req.reference), 1, 'the simulator did bill it');
    await until(() => sim.inFlight() === 0);

    sandbox().setFaults({ ambiguousRate: 0 });
    const result = answered(await connector.verify(req, ctx(10_000, { partnerReference: null })));
    assert.equal(result.accountStatus, 'valid');
    assert.equal(result.registeredName, 'FATIMA SHAIKH');
    assert.equal(sim.chargesFor(req.reference), 1);
    assert.equal(sim.callsFor(req.reference), 2);
    assert.equal(sandbox().chargesFor(req.reference), 1);
  });

  it('resolves a garbled answer the same way, without a second charge', async () => {
    const req = account('50100123452222');
    sandbox().setFaults({ malformedRate: 1 });
    const err = await failure(connector.verify(req, ctx()));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.bad_response');
    assert.equal(err.ambiguous, true);
    sandbox().setFaults({ malformedRate: 0 });
    const result = answered(await connector.verify(req, ctx(10_000, { partnerReference: null })));
    assert.deepEqual([result.accountStatus, result.statusReason], ['blocked', 'account_blocked']);
    assert.equal(sim.chargesFor(req.reference), 1);
    assert.equal(sim.callsFor(req.reference), 2);
  });

  it('retries of 5555 with the same reference get a non-ambiguous 503 twice, then answer valid on the third call', async () => {
    const reference = ref();
    for (let i = 0; i < 2; i++) {
      const err = await failure(connector.verify(account('50100123455555', reference), ctx()));
      assert.ok(err instanceof PartnerTransientError);
      assert.equal(err.code, 'partner.unavailable');
      assert.equal(err.ambiguous, false, '503: nothing was processed');
    }
    assert.equal(sim.chargesFor(reference), 0);
    const result = answered(await connector.verify(account('50100123455555', reference), ctx()));
    assert.equal(result.accountStatus, 'valid');
    assert.equal(result.registeredName, 'LAKSHMI KRISHNAN');
    assert.equal(sim.callsFor(reference), 3);
    assert.equal(sim.chargesFor(reference), 1);
  });

  it('classifies the simulator’s injected failures', async () => {
    const req = account('50100123456789');

    sandbox().down('503');
    const outage = await failure(connector.verify(req, ctx()));
    assert.ok(outage instanceof PartnerTransientError);
    assert.equal(outage.code, 'partner.unavailable');
    assert.equal(outage.ambiguous, false);

    sandbox().down('reset');
    const reset = await failure(connector.verify(req, ctx()));
    assert.ok(reset instanceof PartnerTransientError);
    assert.equal(reset.code, 'partner.unavailable');
    assert.equal(reset.ambiguous, true, 'the request was written before the connection dropped');
    sandbox().up();

    sandbox().setFaults({ errorRate: 1, errorStatus: 500 });
    const serverError = await failure(connector.verify(req, ctx()));
    assert.ok(serverError instanceof PartnerTransientError);
    assert.equal(serverError.ambiguous, true, 'a 500 may come after processing');
    sandbox().setFaults({ errorRate: 0, rateLimitRate: 1, retryAfterSeconds: 4 });
    const limited = await failure(connector.verify(req, ctx()));
    assert.ok(limited instanceof PartnerRateLimitedError);
    assert.equal(limited.retryAfterMs, 4000);

    assert.equal(sim.chargesFor(req.reference), 0);
    sandbox().setFaults({ rateLimitRate: 0 });
    assert.equal(answered(await connector.verify(req, ctx())).accountStatus, 'valid');
    assert.equal(sim.chargesFor(req.reference), 1);
  });

  it('classifies a request the partner refuses as rejected, without billing it', async () => {
    const req: PartnerRequest = { ...account('50100123456789'), ifsc: 'NOT-AN-IFSC' } as PartnerRequest;
    const err = await failure(connector.verify(req, ctx()));
    assert.ok(err instanceof PartnerRejectedError);
    assert.equal(err.httpStatus, 400);
    assert.equal(sim.chargesFor(req.reference), 0);
  });

  it('does not call out at all with an already-aborted signal', async () => {
    const before = sim.totalCalls();
    const err = await failure(connector.verify(account('50100123456789'), { signal: AbortSignal.abort(), previous: null }));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.ambiguous, false);
    assert.equal(sim.totalCalls(), before);
  });
});

describe('sandbox connector with an API key', () => {
  it('raises PartnerAuthError on a key mismatch and succeeds with the right key', async () => {
    const sim = await startSim('right-key');
    const baseUrl = sim.provider('sandbox').baseUrl;
    const wrong = createSandboxConnector({ baseUrl, apiKey: 'wrong-key', connectTimeoutMs: 1000 });
    const missing = createSandboxConnector({ baseUrl, connectTimeoutMs: 1000 });
    const right = createSandboxConnector({ baseUrl, apiKey: 'right-key', connectTimeoutMs: 1000 });
    try {
      const req = account('50100123456789');
      for (const c of [wrong, missing]) {
        const err = await failure(c.verify(req, ctx()));
        assert.ok(err instanceof PartnerAuthError);
        assert.equal(err.code, 'partner.auth_failed');
        assert.equal(err.reason, 'credentials');
      }
      assert.equal(sim.chargesFor(req.reference), 0);
      assert.equal(answered(await right.verify(req, ctx())).accountStatus, 'valid');
      assert.equal(sim.chargesFor(req.reference), 1);
    } finally {
      await Promise.all([wrong.close(), missing.close(), right.close()]);
      await sim.close();
    }
  });
});

describe('sandbox connector against a misbehaving partner', () => {
  const SECRET_ACCOUNT = '50100987654321';
  type Mode = { status: number; body: string; headers?: Record<string, string> };
  let mode: Mode = { status: 200, body: '{}' };
  let connections = 0;
  let stub: Server;
  let connector: PartnerConnector;

  const respond = (res: ServerResponse, m: Mode) => {
    res.writeHead(m.status, { 'content-type': 'application/json', ...m.headers });
    res.end(m.body);
  };

  before(async () => {
    stub = createServer((req, res) => {
      req.resume();
      req.on('end', () => respond(res, mode));
    });
    stub.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const { port } = stub.address() as AddressInfo;
    connector = createSandboxConnector({ baseUrl: `http://127.0.0.1:${port}/`, connectTimeoutMs: 1000 });
  });
  after(async () => {
    await connector.close();
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  const call = (reference = 'val_stub') => failure(connector.verify(account(SECRET_ACCOUNT, reference), ctx()));

  it('treats malformed JSON as a transient bad response and keeps the body out of the error', async () => {
    mode = { status: 200, body: `oops ${SECRET_ACCOUNT} not json` };
    const err = await call();
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.bad_response');
    assert.equal(err.ambiguous, true);
    const everything = JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err.stack) + String(err.cause);
    assert.ok(!everything.includes(SECRET_ACCOUNT), 'no account number or body in the error');
  });

  it('rejects answers that fail the schema check', async () => {
    const base = { reference: 'val_stub', sandbox_reference: 'sbx_1', status: 'VALID', name_at_bank: 'X' };
    const broken = [
      { ...base, status: 'MAYBE' },
      { ...base, status: 'toString' },
      { ...base, name_at_bank: 42 },
      { reference: 'val_stub', sandbox_reference: 'sbx_1', status: 'VALID' },
      { ...base, sandbox_reference: undefined },
      { ...base, reference: 'val_someone_else' },
      [base],
    ];
    for (const body of broken) {
      mode = { status: 200, body: JSON.stringify(body) };
      const err = await call();
      assert.ok(err instanceof PartnerTransientError, JSON.stringify(body));
      assert.equal(err.code, 'partner.bad_response');
    }
    mode = { status: 200, body: JSON.stringify(base) };
    const ok = answered(await connector.verify(account(SECRET_ACCOUNT, 'val_stub'), ctx()));
    assert.equal(ok.registeredName, 'X');
    assert.equal(ok.partnerReference, 'sbx_1');
    // A missing `reference` is tolerated. The name is passed on as sent: partner-answer.ts cleans it
    // for every partner alike (a whitespace-only name becomes no name there).
    mode = { status: 200, body: JSON.stringify({ sandbox_reference: 'sbx_2', status: 'CLOSED', name_at_bank: '   ' }) };
    assert.deepEqual(answered(await connector.verify(account(SECRET_ACCOUNT, 'val_stub'), ctx())), {
      accountStatus: 'closed',
      statusReason: 'account_closed',
      registeredName: '   ',
      partnerReference: 'sbx_2',
    });
  });

  it('maps 429 with Retry-After seconds or date to PartnerRateLimitedError', async () => {
    mode = { status: 429, body: '{}', headers: { 'retry-after': '2' } };
    const err = await call();
    assert.ok(err instanceof PartnerRateLimitedError);
    assert.equal(err.code, 'partner.rate_limited');
    assert.equal(err.retryAfterMs, 2000);

    mode = { status: 429, body: '{}', headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() } };
    const dated = (await call()) as PartnerRateLimitedError;
    assert.ok(dated.retryAfterMs > 3000 && dated.retryAfterMs <= 5000, String(dated.retryAfterMs));

    mode = { status: 429, body: '{}' };
    assert.equal(((await call()) as PartnerRateLimitedError).retryAfterMs, 1000);
  });

  it('treats an oversized body as a transient bad response, declared or streamed', async () => {
    // Otherwise a valid answer, so only the size limit can reject it.
    const big = JSON.stringify({
      reference: 'val_stub',
      sandbox_reference: 'sbx_1',
      status: 'VALID',
      name_at_bank: 'X',
      padding: 'x'.repeat(70 * 1024),
    });
    const variants: Record<string, string>[] = [{}, { 'transfer-encoding': 'chunked' }];
    for (const headers of variants) {
      mode = { status: 200, body: big, headers };
      const err = (await call()) as PartnerTransientError;
      assert.equal(err.code, 'partner.bad_response');
      assert.match(err.message, /too large/);
    }
  });

  it('classifies status codes', async () => {
    mode = { status: 503, body: `{"detail":"${SECRET_ACCOUNT}"}` };
    const unavailable = (await call()) as PartnerTransientError;
    assert.ok(unavailable instanceof PartnerTransientError);
    assert.equal(unavailable.code, 'partner.unavailable');
    assert.equal(unavailable.ambiguous, false, '503: the partner took nothing in, failing over is safe');
    assert.ok(!unavailable.message.includes(SECRET_ACCOUNT));
    for (const status of [500, 502, 504]) {
      mode = { status, body: `{"detail":"${SECRET_ACCOUNT}"}` };
      const err = (await call()) as PartnerTransientError;
      assert.ok(err instanceof PartnerTransientError, String(status));
      assert.equal(err.code, 'partner.unavailable');
      assert.equal(err.ambiguous, true, `${status} may come after the partner processed the call`);
      assert.ok(!err.message.includes(SECRET_ACCOUNT));
    }
    mode = { status: 408, body: '{}' };
    const timeout = (await call()) as PartnerTransientError;
    assert.equal(timeout.code, 'partner.timeout');
    assert.equal(timeout.ambiguous, true);
    mode = { status: 401, body: '{}' };
    assert.equal(((await call()) as PartnerAuthError).reason, 'credentials');
    mode = { status: 403, body: '{}' };
    const forbidden = await call();
    assert.ok(forbidden instanceof PartnerAuthError);
    assert.equal(forbidden.reason, 'forbidden');
    mode = { status: 404, body: '{}' };
    assert.ok((await call()) instanceof PartnerRejectedError);
    mode = { status: 302, body: '{}' };
    assert.equal(((await call()) as PartnerTransientError).code, 'partner.bad_response');
  });

  it('reuses one keep-alive connection across calls', async () => {
    const before = connections;
    mode = { status: 200, body: JSON.stringify({ reference: 'val_stub', sandbox_reference: 'sbx_1', status: 'NRE', name_at_bank: null }) };
    for (let i = 0; i < 5; i++) assert.equal(answered(await connector.verify(account(SECRET_ACCOUNT, 'val_stub'), ctx())).accountStatus, 'nre');
    assert.ok(connections - before <= 1, `opened ${connections - before} connections`);
  });
});

describe('sandbox connector with nobody listening', () => {
  it('reports connection refused as transient and not ambiguous', async () => {
    const sim = await startSim();
    const { baseUrl } = sim.provider('sandbox');
    await sim.close();
    const connector = createSandboxConnector({ baseUrl, connectTimeoutMs: 500 });
    try {
      const err = await failure(connector.verify(account('50100123456789'), ctx()));
      assert.ok(err instanceof PartnerTransientError);
      assert.equal(err.code, 'partner.unavailable');
      assert.equal(err.ambiguous, false);
    } finally {
      await connector.close();
    }
  });
});

describe('sandbox provider HTTP contract in the simulator', () => {
  let sim: PartnerSimulator;
  let agent: Agent;
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await request(`${sim.provider('sandbox').baseUrl}${path}`, { method: 'POST', body, headers, dispatcher: agent });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  };

  before(async () => {
    sim = await startSim();
    agent = new Agent();
  });
  afterEach(() => {
    sim.reset();
  });
  after(async () => {
    await agent.close();
    await sim.close();
  });

  it('answers health, unknown routes, wrong methods, bad JSON, missing fields and oversized bodies, billing none of them', async () => {
    const health = await request(`${sim.url}/healthz`, { dispatcher: agent });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(await health.body.json(), { status: 'ok' });
    assert.equal((await post('/v1/nope', '{}')).status, 404);
    const get = await request(`${sim.provider('sandbox').baseUrl}/v1/verifications/vpa`, { dispatcher: agent });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'POST');
    await get.body.dump();
    assert.deepEqual(await post('/v1/verifications/vpa', '{not json'), { status: 400, json: { error: 'invalid_json' } });
    assert.deepEqual(
      await post('/v1/verifications/bank-account', JSON.stringify({ reference: 'r1', ifsc: 'HDFC0001234', rail: 'IMPS' })),
      { status: 400, json: { error: 'invalid_request' } },
    );
    assert.equal((await post('/v1/verifications/bank-account', JSON.stringify({ reference: 'r1', account_number: '50100123456789', ifsc: 'HDFC0001234', rail: 'UPI' }))).status, 400);
    assert.equal((await post('/v1/verifications/vpa', JSON.stringify({ reference: 'r1', vpa: 'x'.repeat(65 * 1024) }))).status, 413);
    assert.equal(sim.totalCharges(), 0, 'refused requests are not billed');
  });

  it('counts calls per reference, replays the stored answer, and forgets both on reset', async () => {
    const body = JSON.stringify({ reference: 'r-count', vpa: 'a@b' });
    const first = await post('/v1/verifications/vpa', body);
    const second = await post('/v1/verifications/vpa', body);
    assert.equal(second.json.status, 'VALID');
    assert.deepEqual(second, first, 'the replay is the stored answer');
    assert.equal(sim.callsFor('r-count'), 2);
    assert.equal(sim.chargesFor('r-count'), 1);
    assert.equal(sim.totalCalls(), 2);
    sim.reset();
    assert.equal(sim.callsFor('r-count'), 0);
    assert.equal(sim.chargesFor('r-count'), 0);
    assert.equal(sim.totalCalls(), 0);
    const third = await post('/v1/verifications/vpa', body);
    assert.notEqual(third.json.sandbox_reference, first.json.sandbox_reference, 'verified afresh after a reset');
    assert.equal(sim.chargesFor('r-count'), 1);
  });

  it('closes promptly while a client without a deadline is stuck on a hang', async () => {
    const local = await startSim();
    const stuck = fetch(`${local.provider('sandbox').baseUrl}/v1/verifications/vpa`, {
      method: 'POST',
      body: JSON.stringify({ reference: 'r-hang', vpa: 'timeout@ybl' }),
    }).catch((e: unknown) => e);
    await until(() => local.inFlight() === 1);
    const started = Date.now();
    await local.close();
    assert.ok(Date.now() - started < 5000, 'closed promptly, not after the 120 s hang');
    assert.ok((await stuck) instanceof Error, 'the stuck client sees its connection drop');
  });
});
