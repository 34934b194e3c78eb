import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// Every account number this file sends, so the leak scan at the end knows what to look for.
const usedAccounts: string[] = [];
function account(suffix: string): string {
  const n = `${randomInt(10_000_000, 99_999_999)}${randomInt(10, 99)}${suffix}`;
  usedAccounts.push(n);
  return n;
}

let ctx: TestContext;
let rt: Runtime;
let key: string;
let tenantId: string;

const auth = () => ({ Authorization: `Bearer ${key}` });
const post = (body: unknown, query = '') => ctx.http(rt).post(`/v1/validations${query}`).set(auth()).send(body as object);
const get = (id: string) => ctx.http(rt).get(`/v1/validations/${id}`).set(auth());
const countRows = async () => Number(((await rt.db('validations').count({ n: '*' }))[0] as { n: number | string }).n);

async function finalOf(id: string) {
  return eventually(async () => {
    const res = await get(id);
    return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
  }, `validation ${id} to become final`);
}

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start();
  ({ apiKey: key, tenantId } = await ctx.createTenant('Acme'));
});
after(() => ctx.close());

describe('sandbox outcomes, end to end through API, queue, worker and partner', () => {
  const cases: Array<[string, string, string | null]> = [
    ['0000', 'invalid', null],
    ['2222', 'blocked', null],
    ['3333', 'nre', 'SUNITA DEVI'.length ? null : null],
    ['4444', 'closed', null],
  ];

  it('a valid account completes with the predictable registered name and a name match', async () => {
    const acct = account('4561'); // last digit 1 → RAMESH KUMAR
    const res = await post(bankAccount(acct, { name: 'Mr. Ramesh Kumar', reference_id: 'vendor-42', metadata: { erp: 'sap' } }));
    assert.equal(res.status, 202);
    assert.match(res.body.id, /^val_[0-9A-Z]{26}$/);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.bank_account.masked_account_number, `XXXXXX${acct.slice(-4)}`);
    assert.equal(res.body.bank_account.bank_name, 'HDFC Bank');
    assert.deepEqual(res.body.metadata, { erp: 'sap' });
    const final = await finalOf(res.body.id);
    assert.equal(final.status, 'completed');
    assert.equal(final.result.account_status, 'valid');
    assert.equal(final.result.registered_name, 'RAMESH KUMAR');
    assert.equal(final.result.name_match.result, 'match');
    assert.equal(final.result.partner, 'sandbox');
    assert.match(final.result.partner_reference, /^sbx_/);
    // One attempt and one call on a quiet machine; on a loaded one the first call may outlast the suite's
    // 300 ms partner timeout and be retried (asking the same partner again): then each attempt made one call.
    assert.ok(final.attempts >= 1, `attempts ${final.attempts}`);
    assert.equal(ctx.sim.callsFor(res.body.id), final.attempts);
    // The row holds only ciphertext, a blind index and the last four digits.
    const row = await rt.db('validations').where({ id: res.body.id }).first();
    assert.ok(!JSON.stringify(row).includes(acct), 'full account number stored in clear');
    assert.match(row.account_ciphertext, /^v1\.dev1\./);
    assert.equal(row.account_last4, acct.slice(-4));
  });

  for (const [suffix, status] of cases) {
    it(`an account ending ${suffix} completes as ${status}`, async () => {
      const res = await post(bankAccount(account(suffix), { name: 'Anita Sharma' }));
      assert.equal(res.status, 202);
      const final = await finalOf(res.body.id);
      assert.equal(final.status, 'completed');
      assert.equal(final.result.account_status, status);
      assert.equal(ctx.sim.callsFor(res.body.id), 1, 'a definitive answer is never retried');
      if (suffix !== '3333') assert.equal(final.result.name_match.result, 'not_checked');
    });
  }

  it('a 5555 account fails twice with a 5xx and then succeeds on retry', async () => {
    const res = await post(bankAccount(account('5555')));
    const final = await finalOf(res.body.id);
    assert.equal(final.status, 'completed');
    assert.equal(final.result.account_status, 'valid');
    assert.equal(final.attempts, 3);
    assert.equal(ctx.sim.callsFor(res.body.id), 3);
  });

  it('a 1111 account times out on every attempt and ends failed with partner.timeout', async () => {
    const res = await post(bankAccount(account('1111')));
    const final = await finalOf(res.body.id);
    assert.equal(final.status, 'failed');
    assert.equal(final.failure.code, 'partner.timeout');
    assert.equal(final.result, null);
    assert.equal(final.attempts, 3);
    assert.equal(ctx.sim.callsFor(res.body.id), 3);
  });

  it('a VPA validates with a name derived from it; invalid@… is invalid', async () => {
    const ok = await post({ type: 'vpa', vpa: 'Priya.Nair@okaxis', name: 'Priya Nair' }, '?wait=5');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.vpa, 'priya.nair@okaxis');
    assert.equal(ok.body.rail, 'UPI');
    assert.equal(ok.body.bank_account, null);
    assert.equal(ok.body.result.registered_name, 'PRIYA NAIR');
    assert.equal(ok.body.result.name_match.result, 'match');
    const bad = await post({ type: 'vpa', vpa: 'invalid@ybl' }, '?wait=5');
    assert.equal(bad.status, 200);
    assert.equal(bad.body.result.account_status, 'invalid');
  });

  it('?wait=5 returns the completed object directly (200)', async () => {
    const res = await post(bankAccount(account('7778'), { name: 'Arjun Reddy' }), '?wait=5');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'completed');
    assert.equal(res.body.result.registered_name, 'ARJUN REDDY');
  });

  it('?wait returns 202 with the current state when the result is not ready in time', async () => {
    ctx.sim.setLatency(250);
    try {
      const res = await post(bankAccount(account('1111')), '?wait=1');
      assert.equal(res.status, 202);
      assert.ok(['queued', 'processing'].includes(res.body.status));
    } finally {
      ctx.sim.setLatency(0);
    }
  });
});

describe('offline pre-checks', () => {
  // "No partner call" is read from the sandbox's total call count, so earlier validations still
  // retrying in the background (the 1111 ones) must have finished first.
  before(() =>
    eventually(async () => {
      const open = await rt.db('validations').whereIn('status', ['queued', 'processing']).count({ n: '*' });
      return Number((open[0] as { n: number | string }).n) === 0;
    }, 'earlier validations to finish', 20_000),
  );

  const cases: Array<[string, unknown, string, string]> = [
    ['short account number', bankAccount('12345'), 'validation.invalid_account_number', 'bank_account.account_number'],
    ['letters in account number', bankAccount('12345ABC901'), 'validation.invalid_account_number', 'bank_account.account_number'],
    ['malformed IFSC', { type: 'bank_account', bank_account: { account_number: '123456789012', ifsc: 'HDFC1234' } }, 'validation.invalid_ifsc', 'bank_account.ifsc'],
    ['unknown IFSC', { type: 'bank_account', bank_account: { account_number: '123456789012', ifsc: 'SBIN0123456' } }, 'validation.unknown_ifsc', 'bank_account.ifsc'],
    ['malformed VPA', { type: 'vpa', vpa: 'no-at-sign' }, 'validation.invalid_vpa', 'vpa'],
    ['UPI rail for a bank account', bankAccount('123456789012', { rail: 'UPI' }), 'validation.invalid_rail', 'rail'],
    ['IMPS rail for a VPA', { type: 'vpa', vpa: 'a.b@okaxis', rail: 'IMPS' }, 'validation.invalid_rail', 'rail'],
    ['bank account without details', { type: 'bank_account' }, 'validation.missing_field', 'bank_account'],
    ['VPA alongside a bank account', bankAccount('123456789012', { vpa: 'a.b@okaxis' }), 'validation.unexpected_field', 'vpa'],
    ['a name with no letters', bankAccount('123456789012', { name: '12345 !!' }), 'validation.invalid_name', 'name'],
  ];
  for (const [what, body, code, field] of cases) {
    it(`${what} → 400 ${code}, no row, no partner call`, async () => {
      const rowsBefore = await countRows();
      const callsBefore = ctx.sim.totalCalls();
      const res = await post(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, code);
      assert.equal(res.body.error.details.field, field);
      assert.match(res.body.error.request_id, /^req_/);
      assert.ok(!JSON.stringify(res.body).includes('123456789012'), 'error echoes the account number');
      assert.equal(await countRows(), rowsBefore);
      assert.equal(ctx.sim.totalCalls(), callsBefore);
    });
  }

  it('schema violations are 400 request.invalid with the offending path', async () => {
    const unknownField = await post({ ...bankAccount('123456789012'), status: 'completed' });
    assert.equal(unknownField.status, 400);
    assert.equal(unknownField.body.error.code, 'request.invalid');
    const numeric = await post({ type: 'bank_account', bank_account: { account_number: 123456789012, ifsc: 'HDFC0000001' } });
    assert.equal(numeric.status, 400);
    assert.ok(numeric.body.error.details.errors.some((e: { path: string }) => e.path.includes('account_number')));
    const badWait = await post(bankAccount('123456789012'), '?wait=11');
    assert.equal(badWait.status, 400);
  });

  it('malformed JSON, wrong media type and oversize bodies get clear 4xx codes', async () => {
    const malformed = await ctx.http(rt).post('/v1/validations').set(auth()).set('Content-Type', 'application/json').send('{"type":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'request.malformed_json');
    const text = await ctx.http(rt).post('/v1/validations').set(auth()).set('Content-Type', 'text/plain').send('hello');
    assert.equal(text.status, 415);
    assert.equal(text.body.error.code, 'request.unsupported_media_type');
    const huge = await post({ ...bankAccount('123456789012'), name: 'x'.repeat(70 * 1024) });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'request.body_too_large');
  });
});

describe('reading validations', () => {
  it('lists newest first with cursor pagination and filters by reference_id and status', async () => {
    const ref = `batch-${randomInt(1e6)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(bankAccount(account(`12${i}8`), { reference_id: ref }))).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { reference_id: ref, limit: 2, ...(cursor ? { cursor } : {}) };
      const res = await ctx.http(rt).get('/v1/validations').query(query).set(auth());
      assert.equal(res.status, 200);
      assert.ok(res.body.data.length <= 2);
      seen.push(...res.body.data.map((v: { id: string }) => v.id));
      cursor = res.body.next_cursor as string | null;
      assert.equal(res.body.has_more, cursor !== null);
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    await Promise.all(ids.map(finalOf));
    const completed = await ctx.http(rt).get('/v1/validations').query({ reference_id: ref, status: 'completed' }).set(auth());
    assert.equal(completed.body.data.length, 5);
    const failed = await ctx.http(rt).get('/v1/validations').query({ reference_id: ref, status: 'failed' }).set(auth());
    assert.equal(failed.body.data.length, 0);
    const badCursor = await ctx.http(rt).get('/v1/validations').query({ cursor: 'bm9wZQ' }).set(auth());
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.error.code, 'pagination.invalid_cursor');
  });

  it("another tenant's validation is a 404 and never listed", async () => {
    const mine = await post(bankAccount(account('9990'), { reference_id: 'isolation' }));
    const other = await ctx.createTenant('Globex');
    const res = await ctx.http(rt).get(`/v1/validations/${mine.body.id}`).set('Authorization', `Bearer ${other.apiKey}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'validation.not_found');
    const list = await ctx.http(rt).get('/v1/validations').query({ reference_id: 'isolation' }).set('Authorization', `Bearer ${other.apiKey}`);
    assert.equal(list.body.data.length, 0);
    assert.equal((await get('val_01M7Y6AN9RAJADGHVYFV8CWEZZ')).status, 404);
  });
});

describe('authentication and rate limits', () => {
  it('missing, malformed, unknown and revoked keys are 401', async () => {
    const none = await ctx.http(rt).get('/v1/validations');
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'auth.missing_key');
    const malformed = await ctx.http(rt).get('/v1/validations').set('Authorization', 'Bearer nope');
    assert.equal(malformed.body.error.code, 'auth.invalid_key');
    const unknown = await ctx.http(rt).get('/v1/validations').set('Authorization', `Bearer pv_test_${'a'.repeat(40)}`);
    assert.equal(unknown.status, 401);
    const t = await ctx.createTenant('Revoked Inc');
    assert.equal((await ctx.http(rt).get('/v1/validations').set('Authorization', `Bearer ${t.apiKey}`)).status, 200);
    const { createTenantService } = await import('../../src/tenants/tenant-service.js');
    const revokedAt = Date.now();
    await createTenantService(rt.db, 'test').revokeKey(t.keyId);
    // The API trusts a key it looked up for AUTH_KEY_CACHE_MS (1 s by default): then the revocation holds.
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 10_000) {
      status = (await ctx.http(rt).get('/v1/validations').set('Authorization', `Bearer ${t.apiKey}`)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 401);
    const audit = await rt.db('audit_log').where({ target_id: t.keyId }).pluck('action');
    assert.deepEqual(audit.sort(), ['api_key.created', 'api_key.revoked']);
  });

  it('a tenant past its rate limit gets 429 with Retry-After; other tenants are unaffected', async () => {
    const limited = await ctx.start({ ROLE: 'api', RATE_LIMIT_POINTS: '3', RATE_LIMIT_WINDOW_SECONDS: '30' });
    const a = await ctx.createTenant('Busy');
    const b = await ctx.createTenant('Quiet');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<ReturnType<TestContext["http"]>["get"]>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await ctx.http(limited).get('/v1/validations').set('Authorization', `Bearer ${a.apiKey}`);
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(last!.body.error.code, 'rate_limit.exceeded');
    assert.ok(Number(last!.headers['retry-after']) >= 1);
    assert.equal((await ctx.http(limited).get('/v1/validations').set('Authorization', `Bearer ${b.apiKey}`)).status, 200);
  });
});

describe('idempotency keys', () => {
  it('the same key and body replays the first response with the same id', async () => {
    const body = bankAccount(account('3456'), { name: 'Priya Nair' });
    const first = await post(body).set('Idempotency-Key', 'idem-replay-1');
    assert.equal(first.status, 202);
    const again = await post(body).set('Idempotency-Key', 'idem-replay-1');
    assert.equal(again.status, 202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(again.body, first.body);
    assert.equal(await rt.db('validations').where({ reference_id: null, tenant_id: tenantId }).where('id', first.body.id).count({ n: '*' }).then((r) => Number((r[0] as { n: number }).n)), 1);
  });

  it('the same key with another body is 422 idempotency.key_reused', async () => {
    await post(bankAccount(account('3457'))).set('Idempotency-Key', 'idem-reuse-1').expect(202);
    const res = await post(bankAccount(account('3458'))).set('Idempotency-Key', 'idem-reuse-1');
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'idempotency.key_reused');
  });

  it('keys are per tenant: another tenant may use the same key', async () => {
    const other = await ctx.createTenant('Initech');
    const body = bankAccount(account('3459'));
    const mine = await post(body).set('Idempotency-Key', 'idem-shared');
    const theirs = await ctx.http(rt).post('/v1/validations').set('Authorization', `Bearer ${other.apiKey}`).set('Idempotency-Key', 'idem-shared').send(body);
    assert.equal(theirs.status, 202);
    assert.notEqual(theirs.body.id, mine.body.id);
  });

  it('concurrent duplicates create exactly one row; the others get 409 in_progress or the replay', async () => {
    const ref = `concurrent-${randomInt(1e6)}`;
    const body = bankAccount(account('3460'), { reference_id: ref });
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(body).set('Idempotency-Key', `idem-${ref}`)));
    const rows = await rt.db('validations').where({ reference_id: ref, tenant_id: tenantId });
    assert.equal(rows.length, 1);
    for (const r of responses) {
      assert.ok([202, 409].includes(r.status), `unexpected ${r.status}`);
      if (r.status === 202) assert.equal(r.body.id, rows[0].id);
      else assert.equal(r.body.error.code, 'idempotency.in_progress');
    }
    assert.ok(responses.some((r) => r.status === 202 && r.headers['idempotent-replayed'] !== 'true'));
  });

  it('a key that was used with ?wait replays the final response the client received', async () => {
    const body = bankAccount(account('3462'));
    const first = await post(body, '?wait=5').set('Idempotency-Key', 'idem-wait-1');
    assert.equal(first.status, 200);
    const again = await post(body, '?wait=5').set('Idempotency-Key', 'idem-wait-1');
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
  });

  it('a malformed key is 400', async () => {
    const res = await post(bankAccount(account('3463'))).set('Idempotency-Key', 'has spaces in it');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'idempotency.invalid_key');
  });
});

describe('health', () => {
  it('healthz and readyz answer', async () => {
    assert.deepEqual((await ctx.http(rt).get('/healthz')).body, { status: 'ok' });
    const ready = await ctx.http(rt).get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { mysql: 'ok', redis: 'ok' } });
    // helmet's headers, and no framework fingerprint.
    assert.equal(ready.headers['x-content-type-options'], 'nosniff');
    assert.ok(ready.headers['strict-transport-security']);
    assert.equal(ready.headers['x-powered-by'], undefined);
    assert.match(ready.headers['x-request-id'] ?? '', /^req_/);
  });

  it('unknown routes are a 404 with the error envelope', async () => {
    const res = await ctx.http(rt).get('/v1/nothing-here').set(auth());
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'route.not_found');
  });
});

describe('secrets stay secret', () => {
  it('a query parameter named like an account number is refused without echoing it', async () => {
    for (const name of ['50100012345671', '5010-0012-3456-71', '5010%200012%203456%2071']) {
      const res = await ctx.http(rt).get(`/v1/validations?${name}=1`).set(auth());
      assert.equal(res.status, 400, name);
      assert.equal(res.body.error.code, 'request.invalid');
      // Not the whole body: a request id may hold digits of its own.
      const text = JSON.stringify([res.body.error.message, res.body.error.details]);
      assert.ok(!/\d(?:[\s-]*\d){8,}/.test(text), `the answer echoes a digit run: ${text.replace(/\d/g, '#')}`);
      assert.match(text, /5671/, 'the last four digits still say which parameter it was');
    }
  });

  it('no full account number appears in the logs or in Redis', async () => {
    assert.ok(usedAccounts.length > 10);
    const logs = ctx.logs.text();
    const redisDump = await ctx.dumpRedis();
    assert.ok(logs.length > 0 && redisDump.length > 0, 'nothing captured: the scan would be vacuous');
    for (const acct of usedAccounts) {
      assert.ok(!logs.includes(acct), `account number found in logs`);
      assert.ok(!redisDump.includes(acct), `account number found in Redis`);
    }
    assert.ok(!logs.includes(key), 'API key found in logs');
  });
});
