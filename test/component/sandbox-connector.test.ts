import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import {
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../../src/partners/partner-errors.js';
import type { PartnerConnector, PartnerRequest } from '../../src/partners/partner-types.js';
import { createSandboxConnector } from '../../src/partners/sandbox/sandbox-connector.js';
import { startSandboxServer, type SandboxServer } from '../../src/partners/sandbox/sandbox-server.js';

const ref = () => `val_${randomUUID()}`;
const account = (accountNumber: string, reference = ref()): PartnerRequest => ({
  reference,
  rail: 'IMPS',
  type: 'bank_account',
  accountNumber,
  ifsc: 'HDFC0001234',
});
const vpa = (v: string): PartnerRequest => ({ reference: ref(), rail: 'UPI', type: 'vpa', vpa: v });
const signal = (ms = 2000) => AbortSignal.timeout(ms);

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

async function until(check: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(10);
  }
}

describe('sandbox connector against the sandbox server', () => {
  let server: SandboxServer;
  let connector: PartnerConnector;

  before(async () => {
    server = await startSandboxServer();
    connector = createSandboxConnector({ baseUrl: server.url, connectTimeoutMs: 1000 });
  });
  after(async () => {
    await connector.close();
    await server.close();
  });

  it('maps every definitive account outcome to a result', async () => {
    const cases = [
      ['50100123456789', 'valid', 'FATIMA SHAIKH'],
      ['50100123450000', 'invalid', null],
      ['50100123452222', 'blocked', null],
      ['50100123453333', 'nre', 'MOHAMMED IRFAN'],
      ['50100123454444', 'closed', null],
    ] as const;
    for (const [accountNumber, accountStatus, registeredName] of cases) {
      const result = await connector.verify(account(accountNumber), signal());
      assert.equal(result.accountStatus, accountStatus, accountNumber);
      assert.equal(result.registeredName, registeredName, accountNumber);
      assert.match(result.partnerReference, /^sbx_[0-9a-f]{16}$/);
    }
  });

  it('maps VPA outcomes', async () => {
    assert.deepEqual(
      { ...(await connector.verify(vpa('ramesh.kumar@okaxis'), signal())), partnerReference: '' },
      { accountStatus: 'valid', registeredName: 'RAMESH KUMAR', partnerReference: '' },
    );
    assert.equal((await connector.verify(vpa('invalid@ybl'), signal())).accountStatus, 'invalid');
    assert.equal((await connector.verify(vpa('blocked@ybl'), signal())).accountStatus, 'blocked');
  });

  it('times out a hanging partner through the caller’s signal and frees the server-side request', async () => {
    const req = account('50100123451111');
    const started = Date.now();
    const err = await failure(connector.verify(req, AbortSignal.timeout(200)));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.code, 'partner.timeout');
    assert.equal(err.ambiguous, true);
    assert.ok(Date.now() - started < 1000, 'rejected promptly');
    assert.equal(server.callsFor(req.reference), 1);
    await until(() => server.inFlight() === 0);
  });

  it('abandons server latency when the client gives up', async () => {
    server.setLatency(5000);
    try {
      const err = await failure(connector.verify(account('50100123456781'), AbortSignal.timeout(100)));
      assert.equal((err as PartnerTransientError).code, 'partner.timeout');
      await until(() => server.inFlight() === 0);
    } finally {
      server.setLatency(0);
    }
  });

  it('retries of 5555 with the same reference fail twice, then answer valid on the third call', async () => {
    const reference = ref();
    for (let i = 0; i < 2; i++) {
      const err = await failure(connector.verify(account('50100123455555', reference), signal()));
      assert.ok(err instanceof PartnerTransientError);
      assert.equal(err.code, 'partner.unavailable');
      assert.equal(err.ambiguous, true);
    }
    const result = await connector.verify(account('50100123455555', reference), signal());
    assert.equal(result.accountStatus, 'valid');
    assert.equal(result.registeredName, 'LAKSHMI KRISHNAN');
    assert.equal(server.callsFor(reference), 3);
  });

  it('classifies a request the partner refuses as rejected, without billing it', async () => {
    const req: PartnerRequest = { ...account('50100123456789'), ifsc: 'NOT-AN-IFSC' } as PartnerRequest;
    const err = await failure(connector.verify(req, signal()));
    assert.ok(err instanceof PartnerRejectedError);
    assert.equal(err.httpStatus, 400);
    assert.equal(server.callsFor(req.reference), 0);
  });

  it('does not call out at all with an already-aborted signal', async () => {
    const before = server.totalCalls();
    const err = await failure(connector.verify(account('50100123456789'), AbortSignal.abort()));
    assert.ok(err instanceof PartnerTransientError);
    assert.equal(err.ambiguous, false);
    assert.equal(server.totalCalls(), before);
  });
});

describe('sandbox connector with an API key', () => {
  it('raises PartnerAuthError on a key mismatch and succeeds with the right key', async () => {
    const server = await startSandboxServer({ apiKey: 'right-key' });
    const wrong = createSandboxConnector({ baseUrl: server.url, apiKey: 'wrong-key', connectTimeoutMs: 1000 });
    const right = createSandboxConnector({ baseUrl: server.url, apiKey: 'right-key', connectTimeoutMs: 1000 });
    try {
      const req = account('50100123456789');
      const err = await failure(wrong.verify(req, signal()));
      assert.ok(err instanceof PartnerAuthError);
      assert.equal(err.code, 'partner.auth_failed');
      assert.equal(server.callsFor(req.reference), 0);
      assert.equal((await right.verify(req, signal())).accountStatus, 'valid');
    } finally {
      await Promise.all([wrong.close(), right.close()]);
      await server.close();
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

  const call = (reference = 'val_stub') => failure(connector.verify(account(SECRET_ACCOUNT, reference), signal()));

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
    assert.equal((await connector.verify(account(SECRET_ACCOUNT, 'val_stub'), signal())).registeredName, 'X');
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
    assert.equal(unavailable.code, 'partner.unavailable');
    assert.ok(!unavailable.message.includes(SECRET_ACCOUNT));
    mode = { status: 403, body: '{}' };
    assert.ok((await call()) instanceof PartnerAuthError);
    mode = { status: 404, body: '{}' };
    assert.ok((await call()) instanceof PartnerRejectedError);
  });

  it('reuses one keep-alive connection across calls', async () => {
    const before = connections;
    mode = { status: 200, body: JSON.stringify({ reference: 'val_stub', sandbox_reference: 'sbx_1', status: 'NRE', name_at_bank: null }) };
    for (let i = 0; i < 5; i++) await connector.verify(account(SECRET_ACCOUNT, 'val_stub'), signal());
    assert.ok(connections - before <= 1, `opened ${connections - before} connections`);
  });
});

describe('sandbox connector with nobody listening', () => {
  it('reports connection refused as transient and not ambiguous', async () => {
    const server = await startSandboxServer();
    const { url } = server;
    await server.close();
    const connector = createSandboxConnector({ baseUrl: url, connectTimeoutMs: 500 });
    try {
      const err = await failure(connector.verify(account('50100123456789'), signal()));
      assert.ok(err instanceof PartnerTransientError);
      assert.equal(err.code, 'partner.unavailable');
      assert.equal(err.ambiguous, false);
    } finally {
      await connector.close();
    }
  });
});

describe('sandbox server HTTP contract', () => {
  let server: SandboxServer;
  let agent: Agent;
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await request(`${server.url}${path}`, { method: 'POST', body, headers, dispatcher: agent });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  };

  before(async () => {
    server = await startSandboxServer();
    agent = new Agent();
  });
  after(async () => {
    await agent.close();
    await server.close();
  });

  it('answers health, unknown routes, bad JSON, missing fields and oversized bodies', async () => {
    const health = await request(`${server.url}/healthz`, { dispatcher: agent });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(await health.body.json(), { status: 'ok' });
    assert.equal((await post('/v1/nope', '{}')).status, 404);
    assert.deepEqual(await post('/v1/verifications/vpa', '{not json'), { status: 400, json: { error: 'invalid_json' } });
    assert.equal((await post('/v1/verifications/bank-account', JSON.stringify({ reference: 'r1', ifsc: 'HDFC0001234', rail: 'IMPS' }))).status, 400);
    assert.equal((await post('/v1/verifications/vpa', JSON.stringify({ reference: 'r1', vpa: 'x'.repeat(17 * 1024) }))).status, 413);
    assert.equal(server.totalCalls(), 0, 'refused requests are not billed');
  });

  it('counts calls per reference and forgets them on reset', async () => {
    const body = JSON.stringify({ reference: 'r-count', vpa: 'a@b' });
    await post('/v1/verifications/vpa', body);
    const second = await post('/v1/verifications/vpa', body);
    assert.equal(second.json.status, 'VALID');
    assert.equal(server.callsFor('r-count'), 2);
    assert.equal(server.totalCalls(), 2);
    server.reset();
    assert.equal(server.callsFor('r-count'), 0);
    assert.equal(server.totalCalls(), 0);
  });

  it('closes promptly while a client without a deadline is stuck on a hang', async () => {
    const local = await startSandboxServer();
    const stuck = fetch(`${local.url}/v1/verifications/vpa`, {
      method: 'POST',
      body: JSON.stringify({ reference: 'r-hang', vpa: 'timeout@ybl' }),
    }).catch((e: unknown) => e);
    await until(() => local.inFlight() === 1);
    const started = Date.now();
    await local.close();
    assert.ok(Date.now() - started < 500);
    assert.ok((await stuck) instanceof Error, 'the stuck client sees its connection drop');
  });
});
