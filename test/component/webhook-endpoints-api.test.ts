import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Response } from 'supertest';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// Component tests of the webhook management API (/v1/webhook-endpoints, /v1/webhook-secret,
// /v1/webhook-deliveries) and of the SSRF guard on every way a client can hand us a URL, through the
// real Express app (every response validated against openapi.yaml), MySQL, Redis and the workers.

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** Every account number this file sends, so the leak checks know what must never appear. */
const usedAccounts: string[] = [];
/** A 14-digit account number ending in `suffix`; the sandbox answers `valid` for ordinary endings. */
function account(suffix = '4561'): string {
  const n = `${randomInt(1_000_000, 9_999_999)}${randomInt(100, 999)}${suffix}`;
  usedAccounts.push(n);
  return n;
}

/** Every signing secret the API showed us, so the leak checks know what must never appear. */
const secretsSeen: string[] = [];
const SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
function keepSecret(secret: unknown): string {
  assert.equal(typeof secret, 'string');
  assert.match(secret as string, SECRET);
  secretsSeen.push(secret as string);
  return secret as string;
}

/** Endpoint ids per audit action we expect to find, and the request that caused it. */
const expectedAudit: Array<{ action: string; targetId: string; tenantId: string; keyId: string; requestId: string }> = [];

type Tenant = { tenantId: string; apiKey: string; keyId: string };

const ALL_EVENTS = ['validation.completed', 'validation.failed', 'batch.completed', 'endpoint.disabled'];

// ---------------------------------------------------------------------------------------------
// Stack
// ---------------------------------------------------------------------------------------------

let ctx: TestContext;
/** Role `all`, loopback allow-listed (TEST_ENV): the API plus the workers that send webhooks. */
let rt: Runtime;
/**
 * API only, no allow-list: the production SSRF rules. ROLE=api because it shares the queues with
 * `rt`: a webhook worker here would (rightly) refuse to deliver to the loopback receivers.
 */
let strict: Runtime;
const receivers: WebhookReceiver[] = [];

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start();
  strict = await ctx.start({ ROLE: 'api', WEBHOOK_ALLOWED_NETWORKS: '' });
});
after(async () => {
  for (const r of receivers) await r.close();
  await ctx.close();
});

async function receiver(secrets: string[]): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(secrets);
  receivers.push(r);
  return r;
}

/** A client of one runtime acting as one tenant. */
function client(t: Tenant, runtime: Runtime = rt) {
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  return {
    get: (path: string, query: Record<string, string | number> = {}) => ctx.http(runtime).get(path).query(query).set(auth),
    post: (path: string, body?: object) => {
      const req = ctx.http(runtime).post(path).set(auth);
      return body === undefined ? req : req.send(body);
    },
    patch: (path: string, body: object) => ctx.http(runtime).patch(path).set(auth).send(body),
    delete: (path: string) => ctx.http(runtime).delete(path).set(auth),
  };
}

function assertError(res: Response, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.match(res.body.error.request_id, /^req_/);
  assert.equal(res.body.error.request_id, res.headers['x-request-id']);
}

async function countWhere(table: string, where: Record<string, string>): Promise<number> {
  const [row] = await rt.db(table).where(where).count({ n: '*' });
  return Number((row as { n: number | string }).n);
}

/** POST /v1/webhook-endpoints expecting 201; remembers the secret and the audit row it must leave. */
async function createEndpoint(t: Tenant, body: Record<string, unknown>, runtime: Runtime = rt) {
  const res = await client(t, runtime).post('/v1/webhook-endpoints', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.match(res.body.id, /^whe_[0-9A-Z]{26}$/);
  keepSecret(res.body.secret);
  expectedAudit.push({ action: 'webhook_endpoint.created', targetId: res.body.id, tenantId: t.tenantId, keyId: t.keyId, requestId: res.headers['x-request-id']! });
  return res.body as EndpointBody & { secret: string };
}

async function rotateDefaultSecret(t: Tenant, body?: object, runtime: Runtime = rt) {
  const res = await client(t, runtime).post('/v1/webhook-secret/rotate', body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  keepSecret(res.body.secret);
  expectedAudit.push({ action: 'webhook_secret.rotated', targetId: t.tenantId, tenantId: t.tenantId, keyId: t.keyId, requestId: res.headers['x-request-id']! });
  return res.body as SecretBody & { secret: string };
}

interface EndpointBody {
  id: string;
  object: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
  secret?: string;
}
interface SecretBody {
  object: string;
  exists: boolean;
  secret: string | null;
  previous_secret_expires_at: string | null;
  created_at: string | null;
  updated_at: string | null;
}

const DAY_MS = 86_400_000;
function assertAboutDayFromNow(iso: string | null, startedAt: number): void {
  assert.ok(iso, 'previous_secret_expires_at should be set');
  const at = Date.parse(iso);
  assert.ok(at >= startedAt + DAY_MS - 2000 && at <= Date.now() + DAY_MS + 2000, `${iso} is not 24 h from now`);
}

// ---------------------------------------------------------------------------------------------
// 1. SSRF
// ---------------------------------------------------------------------------------------------

const BLOCKED = 'webhook.url_blocked_address';
const SSRF_CASES: Array<[url: string, code: string, why: string]> = [
  ['http://127.0.0.1/hook', BLOCKED, 'loopback'],
  ['http://10.0.0.1/hook', BLOCKED, 'private (RFC 1918)'],
  ['http://169.254.169.254/latest/meta-data/', BLOCKED, 'cloud metadata (link-local)'],
  ['http://[::1]/hook', BLOCKED, 'IPv6 loopback'],
  ['http://localhost:8080/hook', BLOCKED, 'a name that resolves to loopback'],
  ['https://user:pass@example.com/hook', 'webhook.url_credentials', 'credentials in the URL'],
  ['http://2130706433/', BLOCKED, 'decimal loopback'],
  ['http://0x7f.1/', BLOCKED, 'hex shorthand loopback'],
  ['http://[::ffff:10.0.0.1]/', BLOCKED, 'IPv4-mapped IPv6 private'],
  ['http://0.0.0.0/', BLOCKED, 'the unspecified address'],
  ['ftp://example.com/x', 'webhook.url_invalid', 'not http(s)'],
  ['https://example.com/#frag', 'webhook.url_invalid', 'a fragment'],
  ['not a url', 'webhook.url_invalid', 'not an absolute URL'],
  ['http://no-such-host.invalid/hook', 'webhook.url_unresolvable', 'a name that does not resolve'],
];

describe('SSRF guard: without an allow-list, internal and malformed targets are refused', () => {
  let t: Tenant;
  const s = () => client(t, strict);

  before(async () => {
    t = await ctx.createTenant('Ssrf Co');
    // The tenant has a default secret, so a refused one-off webhook_url can only be the URL's fault.
    await rotateDefaultSecret(t, undefined, strict);
  });

  for (const [url, code, why] of SSRF_CASES) {
    it(`POST /v1/webhook-endpoints ${url} (${why}) → 400 ${code}, nothing stored`, async () => {
      const res = await s().post('/v1/webhook-endpoints', { url, events: ['validation.completed'] });
      assertError(res, 400, code);
      if (code === BLOCKED) assert.equal(typeof res.body.error.details.host, 'string');
      assert.ok(!JSON.stringify(res.body).includes('pass@'), 'the error echoes the credentials');
      assert.ok(!JSON.stringify(res.body).includes('whsec_'));
      const list = await s().get('/v1/webhook-endpoints');
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, { object: 'list', data: [], has_more: false, next_cursor: null });
      assert.equal(await countWhere('webhook_endpoints', { tenant_id: t.tenantId }), 0);
    });
  }

  it('the same loopback targets are accepted by a runtime that allow-lists loopback, stored normalised', async () => {
    // The control for the cases above: the refusal comes from the policy, not from a broken route.
    const other = await ctx.createTenant('Loopback Co');
    const cases: Array<[string, string]> = [
      ['http://127.0.0.1/hook', 'http://127.0.0.1/hook'],
      ['http://[::1]/hook', 'http://[::1]/hook'],
      ['http://localhost:8080/hook', 'http://localhost:8080/hook'],
      ['http://2130706433/', 'http://127.0.0.1/'],
      ['HTTP://127.0.0.1:80/a/../b', 'http://127.0.0.1/b'],
    ];
    for (const [url, stored] of cases) {
      const e = await createEndpoint(other, { url, events: ['validation.completed'] });
      assert.equal(e.url, stored);
    }
    // Still refused by the strict runtime for the other tenant too (policy is per runtime, not per tenant).
    assertError(await client(other, strict).post('/v1/webhook-endpoints', { url: 'http://127.0.0.1/hook', events: ['batch.completed'] }), 400, BLOCKED);
  });

  it("PATCH of an existing endpoint's url to a refused target is a 400 and leaves the url unchanged", async () => {
    const owner = await ctx.createTenant('Patch Co');
    const created = await createEndpoint(owner, { url: 'http://127.0.0.1:9/x', events: ['validation.completed'] });
    const cases: Array<[string, string]> = [
      ['http://10.0.0.1/hook', BLOCKED],
      ['http://169.254.169.254/latest/meta-data/', BLOCKED],
      ['http://localhost:8080/hook', BLOCKED],
      ['http://[::ffff:10.0.0.1]/', BLOCKED],
      ['https://user:pass@example.com/hook', 'webhook.url_credentials'],
      ['https://example.com/#frag', 'webhook.url_invalid'],
      ['http://no-such-host.invalid/hook', 'webhook.url_unresolvable'],
    ];
    for (const [url, code] of cases) {
      // Combined with a harmless change: nothing of the request may be applied.
      assertError(await client(owner, strict).patch(`/v1/webhook-endpoints/${created.id}`, { url, description: 'changed' }), 400, code);
    }
    const now = await client(owner, strict).get(`/v1/webhook-endpoints/${created.id}`);
    assert.equal(now.status, 200);
    assert.equal(now.body.url, 'http://127.0.0.1:9/x');
    assert.equal(now.body.description, null);
    assert.equal(now.body.updated_at, created.updated_at);
    assert.equal(await countWhere('audit_log', { target_id: created.id, action: 'webhook_endpoint.updated' }), 0);
  });

  it('webhook_url on POST /v1/validations is refused the same way and creates no validation', async () => {
    for (const [url, code] of SSRF_CASES) {
      const res = await s().post('/v1/validations', bankAccount(account(), { name: 'Ramesh Kumar', webhook_url: url }));
      assertError(res, 400, code);
      if (code !== 'webhook.url_credentials' && code !== 'webhook.url_invalid') assert.equal(typeof res.body.error.details?.host, 'string');
    }
    const list = await s().get('/v1/validations');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data, []);
    assert.equal(await countWhere('validations', { tenant_id: t.tenantId }), 0);
  });

  it('webhook_url on a JSON POST /v1/batches (and on a CSV upload) is refused; no batch is created', async () => {
    for (const [url, code] of SSRF_CASES) {
      const res = await s().post('/v1/batches', { items: [bankAccount(account())], webhook_url: url });
      assertError(res, 400, code);
    }
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://localhost:8080/hook']) {
      const res = await ctx
        .http(strict)
        .post('/v1/batches')
        .query({ webhook_url: url })
        .set('Authorization', `Bearer ${t.apiKey}`)
        .set('Content-Type', 'text/csv')
        .send(`account_number,ifsc\n${account()},HDFC0000001\n`);
      assertError(res, 400, BLOCKED);
    }
    const list = await s().get('/v1/batches');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data, []);
    assert.equal(await countWhere('batches', { tenant_id: t.tenantId }), 0);
    assert.equal(await countWhere('validations', { tenant_id: t.tenantId }), 0);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. https required
// ---------------------------------------------------------------------------------------------

describe('WEBHOOK_REQUIRE_HTTPS', () => {
  it('refuses http:// with webhook.url_https_required and accepts https:// to an allowed address', async () => {
    const httpsOnly = await ctx.start({ ROLE: 'api', WEBHOOK_REQUIRE_HTTPS: 'true' });
    const t = await ctx.createTenant('Https Co');
    const c = client(t, httpsOnly);
    assertError(await c.post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/x', events: ['validation.completed'] }), 400, 'webhook.url_https_required');
    assert.equal(await countWhere('webhook_endpoints', { tenant_id: t.tenantId }), 0);
    // One-off URLs follow the same rule.
    await rotateDefaultSecret(t, undefined, httpsOnly);
    assertError(await c.post('/v1/validations', bankAccount(account(), { webhook_url: 'http://127.0.0.1:9/x' })), 400, 'webhook.url_https_required');
    assert.equal(await countWhere('validations', { tenant_id: t.tenantId }), 0);
    // The control: https to the allow-listed loopback passes the guard.
    const ok = await createEndpoint(t, { url: 'https://127.0.0.1:9/x', events: ['validation.completed'] }, httpsOnly);
    assert.equal(ok.url, 'https://127.0.0.1:9/x');
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Endpoint CRUD
// ---------------------------------------------------------------------------------------------

describe('webhook endpoint CRUD', () => {
  let t: Tenant;
  const c = () => client(t);
  before(async () => {
    t = await ctx.createTenant('Crud Co');
  });

  it('create answers 201 with the secret once; GET and list never show it', async () => {
    const before = Date.now();
    const e = await createEndpoint(t, { url: 'http://127.0.0.1:9/crud', events: ['validation.completed', 'batch.completed'], description: 'ERP hook' });
    assert.equal(e.object, 'webhook_endpoint');
    assert.equal(e.url, 'http://127.0.0.1:9/crud');
    assert.deepEqual(e.events, ['validation.completed', 'batch.completed']);
    assert.equal(e.description, 'ERP hook');
    assert.equal(e.enabled, true);
    assert.equal(e.disabled_reason, null);
    assert.equal(e.disabled_at, null);
    assert.equal(e.failing_since, null);
    assert.equal(e.previous_secret_expires_at, null);
    assert.ok(Date.parse(e.created_at) >= before - 1000);

    const one = await c().get(`/v1/webhook-endpoints/${e.id}`);
    assert.equal(one.status, 200);
    assert.ok(!('secret' in one.body), 'GET shows the secret');
    const { secret, ...withoutSecret } = e;
    assert.deepEqual(one.body, withoutSecret);
    const list = await c().get('/v1/webhook-endpoints');
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 1);
    assert.ok(!('secret' in list.body.data[0]), 'the list shows the secret');
    for (const body of [one.body, list.body]) {
      assert.ok(!JSON.stringify(body).includes(secret));
      assert.ok(!JSON.stringify(body).includes('whsec_'));
    }
    // Stored encrypted, not in clear.
    const row = await rt.db('webhook_endpoints').where({ id: e.id }).first();
    assert.ok(!JSON.stringify(row).includes(secret.slice('whsec_'.length)), 'secret stored in clear');
  });

  it('PATCH changes events, description and enabled; the answer and a later GET agree', async () => {
    const e = await createEndpoint(t, { url: 'http://127.0.0.1:9/patch', events: ['validation.completed'] });
    const path = `/v1/webhook-endpoints/${e.id}`;

    const events = await c().patch(path, { events: ['validation.failed', 'endpoint.disabled'], description: 'payouts' });
    assert.equal(events.status, 200, JSON.stringify(events.body));
    assert.deepEqual(events.body.events, ['validation.failed', 'endpoint.disabled']);
    assert.equal(events.body.description, 'payouts');
    assert.equal(events.body.url, e.url);
    assert.ok(!('secret' in events.body));

    const off = await c().patch(path, { enabled: false });
    assert.equal(off.status, 200);
    assert.equal(off.body.enabled, false);
    assert.equal(off.body.disabled_reason, 'manual');
    assert.ok(off.body.disabled_at);

    const on = await c().patch(path, { enabled: true, description: null, url: 'http://127.0.0.1:10/moved' });
    assert.equal(on.status, 200);
    assert.equal(on.body.enabled, true);
    assert.equal(on.body.disabled_reason, null);
    assert.equal(on.body.disabled_at, null);
    assert.equal(on.body.description, null);
    assert.equal(on.body.url, 'http://127.0.0.1:10/moved');
    assert.deepEqual(on.body.events, ['validation.failed', 'endpoint.disabled'], 'events kept when not patched');
    assert.deepEqual((await c().get(path)).body, on.body);

    assertError(await c().patch(path, {}), 400, 'request.invalid');
    assertError(await c().patch(path, { events: [] }), 400, 'request.invalid');
    assertError(await c().patch(path, { secret: 'whsec_' + 'A'.repeat(44) }), 400, 'request.invalid');
    assertError(await c().patch(`/v1/webhook-endpoints/whe_01M7Y6AN9RAJADGHVYFV8CWEZZ`, { enabled: true }), 404, 'webhook.endpoint_not_found');
  });

  it('rotate-secret returns a new secret once, with a 24 h overlap; GET shows only the overlap', async () => {
    const e = await createEndpoint(t, { url: 'http://127.0.0.1:9/rotate', events: ['validation.completed'] });
    const started = Date.now();
    const res = await c().post(`/v1/webhook-endpoints/${e.id}/rotate-secret`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const next = keepSecret(res.body.secret);
    assert.notEqual(next, e.secret);
    assertAboutDayFromNow(res.body.previous_secret_expires_at, started);
    const one = await c().get(`/v1/webhook-endpoints/${e.id}`);
    assert.ok(!('secret' in one.body));
    assert.equal(one.body.previous_secret_expires_at, res.body.previous_secret_expires_at);
    const none = await c().post(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { overlap_seconds: 0 });
    assert.equal(none.status, 200);
    keepSecret(none.body.secret);
    assert.equal(none.body.previous_secret_expires_at, null);
  });

  it('DELETE answers {deleted: true}; the endpoint is then a 404 everywhere', async () => {
    const e = await createEndpoint(t, { url: 'http://127.0.0.1:9/delete', events: ['validation.completed'] });
    const del = await c().delete(`/v1/webhook-endpoints/${e.id}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { id: e.id, object: 'webhook_endpoint', deleted: true });
    expectedAudit.push({ action: 'webhook_endpoint.deleted', targetId: e.id, tenantId: t.tenantId, keyId: t.keyId, requestId: del.headers['x-request-id']! });
    assertError(await c().get(`/v1/webhook-endpoints/${e.id}`), 404, 'webhook.endpoint_not_found');
    assertError(await c().delete(`/v1/webhook-endpoints/${e.id}`), 404, 'webhook.endpoint_not_found');
    assertError(await c().patch(`/v1/webhook-endpoints/${e.id}`, { enabled: false }), 404, 'webhook.endpoint_not_found');
    assertError(await c().post(`/v1/webhook-endpoints/${e.id}/rotate-secret`), 404, 'webhook.endpoint_not_found');
    const list = await c().get('/v1/webhook-endpoints', { limit: 100 });
    assert.ok(!list.body.data.some((x: EndpointBody) => x.id === e.id));
    assert.equal(await countWhere('webhook_endpoints', { id: e.id }), 0);
  });

  it('lists newest first, one per page with limit=1, following next_cursor to the end', async () => {
    const p = await ctx.createTenant('Pages Co');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createEndpoint(p, { url: `http://127.0.0.1:9/page-${i}`, events: ['batch.completed'] })).id);
    const seen: string[] = [];
    const more: boolean[] = [];
    let cursor: string | null = null;
    do {
      const res = await client(p).get('/v1/webhook-endpoints', { limit: 1, ...(cursor ? { cursor } : {}) });
      assert.equal(res.status, 200);
      assert.equal(res.body.object, 'list');
      assert.equal(res.body.data.length, 1);
      seen.push(res.body.data[0].id);
      more.push(res.body.has_more);
      cursor = res.body.next_cursor as string | null;
      assert.equal(res.body.has_more, cursor !== null);
    } while (cursor && seen.length < 10);
    assert.deepEqual(seen, [...ids].reverse());
    assert.deepEqual(more, [true, true, false]);
    assertError(await client(p).get('/v1/webhook-endpoints', { cursor: 'bm9wZQ' }), 400, 'pagination.invalid_cursor');
    assertError(await client(p).get('/v1/webhook-endpoints', { limit: 0 }), 400, 'request.invalid');
    assertError(await client(p).get('/v1/webhook-endpoints', { limit: 101 }), 400, 'request.invalid');
  });

  it('duplicate events: refused by the schema (uniqueItems), so nothing is stored twice', async () => {
    // openapi.yaml declares `events` with uniqueItems: true, so the request validator answers 400
    // before the service's own de-duplication can run.
    const rowsBefore = await countWhere('webhook_endpoints', { tenant_id: t.tenantId });
    const res = await c().post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/dup', events: ['validation.completed', 'validation.completed'] });
    assertError(res, 400, 'request.invalid');
    assert.ok(res.body.error.details.errors.some((e: { path: string }) => e.path.includes('events')), JSON.stringify(res.body.error.details));
    assert.equal(await countWhere('webhook_endpoints', { tenant_id: t.tenantId }), rowsBefore);
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['an empty events array', { url: 'http://127.0.0.1:9/x', events: [] }, 'events'],
    ['an unknown event type', { url: 'http://127.0.0.1:9/x', events: ['validation.created'] }, 'events'],
    ['an unknown field', { url: 'http://127.0.0.1:9/x', events: ['validation.completed'], secret: 'whsec_' + 'A'.repeat(44) }, 'secret'],
    ['no url', { events: ['validation.completed'] }, 'url'],
    ['no events', { url: 'http://127.0.0.1:9/x' }, 'events'],
    ['a non-string url', { url: 12345, events: ['validation.completed'] }, 'url'],
    ['an empty url', { url: '', events: ['validation.completed'] }, 'url'],
    ['a description over 255 characters', { url: 'http://127.0.0.1:9/x', events: ['validation.completed'], description: 'd'.repeat(256) }, 'description'],
  ];
  for (const [what, body, field] of invalid) {
    it(`${what} → 400 request.invalid naming ${field}, nothing stored`, async () => {
      const rowsBefore = await countWhere('webhook_endpoints', { tenant_id: t.tenantId });
      const res = await c().post('/v1/webhook-endpoints', body);
      assertError(res, 400, 'request.invalid');
      const errors = res.body.error.details.errors as Array<{ path: string; message: string }>;
      assert.ok(errors.some((e) => `${e.path} ${e.message}`.includes(field)), JSON.stringify(errors));
      assert.equal(await countWhere('webhook_endpoints', { tenant_id: t.tenantId }), rowsBefore);
    });
  }

  it('a URL longer than 2048 characters is refused', async () => {
    const res = await c().post('/v1/webhook-endpoints', { url: `http://127.0.0.1:9/${'a'.repeat(2048)}`, events: ['validation.completed'] });
    assert.equal(res.status, 400);
    assert.ok(['request.invalid', 'webhook.url_invalid'].includes(res.body.error.code));
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Tenant isolation
// ---------------------------------------------------------------------------------------------

describe('tenant isolation', () => {
  it("another tenant's endpoint and delivery are 404s and never listed; the owner's are untouched", async () => {
    const a = await ctx.createTenant('Owner Co');
    const b = await ctx.createTenant('Intruder Co');
    const e = await createEndpoint(a, { url: 'http://127.0.0.1:9/placeholder', events: ['validation.completed'] });
    const inbox = await receiver([e.secret]);
    assert.equal((await client(a).patch(`/v1/webhook-endpoints/${e.id}`, { url: inbox.url })).status, 200);

    // A's validation produces a delivery to A's endpoint.
    const v = await client(a).post('/v1/validations', bankAccount(account(), { name: 'Ramesh Kumar' }));
    assert.equal(v.status, 202, JSON.stringify(v.body));
    const delivery = await eventually(async () => {
      const res = await client(a).get('/v1/webhook-deliveries', { endpoint_id: e.id });
      const d = res.body.data?.[0];
      return d && d.status === 'succeeded' ? d : undefined;
    }, "A's delivery to succeed");
    assert.equal(inbox.received.length, 1);
    assert.equal(inbox.received[0]!.verifiedWith, 0);
    const rowBefore = await rt.db('webhook_endpoints').where({ id: e.id }).first();

    const intruder = client(b);
    const epPath = `/v1/webhook-endpoints/${e.id}`;
    assertError(await intruder.get(epPath), 404, 'webhook.endpoint_not_found');
    assertError(await intruder.patch(epPath, { url: 'http://127.0.0.1:9/stolen', enabled: false }), 404, 'webhook.endpoint_not_found');
    assertError(await intruder.post(`${epPath}/rotate-secret`), 404, 'webhook.endpoint_not_found');
    assertError(await intruder.post(`${epPath}/replay`, { since: new Date(Date.now() - 3_600_000).toISOString() }), 404, 'webhook.endpoint_not_found');
    assertError(await intruder.delete(epPath), 404, 'webhook.endpoint_not_found');
    assertError(await intruder.get(`/v1/webhook-deliveries/${delivery.id}`), 404, 'webhook.delivery_not_found');
    assertError(await intruder.post(`/v1/webhook-deliveries/${delivery.id}/retry`), 404, 'webhook.delivery_not_found');

    const bEndpoints = await intruder.get('/v1/webhook-endpoints');
    assert.equal(bEndpoints.status, 200);
    assert.deepEqual(bEndpoints.body.data, []);
    const bDeliveries = await intruder.get('/v1/webhook-deliveries');
    assert.equal(bDeliveries.status, 200);
    assert.deepEqual(bDeliveries.body.data, []);
    const bFiltered = await intruder.get('/v1/webhook-deliveries', { endpoint_id: e.id });
    assert.deepEqual(bFiltered.body.data, []);

    // Nothing B did reached A's endpoint: same row (url, secret, enabled), no new delivery.
    const rowAfter = await rt.db('webhook_endpoints').where({ id: e.id }).first();
    assert.deepEqual(rowAfter, rowBefore);
    const mine = await client(a).get(`/v1/webhook-deliveries/${delivery.id}`);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.attempts, 1);
    assert.equal(mine.body.status, 'succeeded');
    assert.equal(inbox.received.length, 1);
    assert.equal(await countWhere('audit_log', { tenant_id: b.tenantId, target_id: e.id }), 0);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Max endpoints
// ---------------------------------------------------------------------------------------------

describe('WEBHOOK_MAX_ENDPOINTS', () => {
  let limited: Runtime;
  before(async () => {
    limited = await ctx.start({ ROLE: 'api', WEBHOOK_MAX_ENDPOINTS: '2' });
  });

  it('the third endpoint of a tenant limited to two is a 409 webhook.too_many_endpoints', async () => {
    const t = await ctx.createTenant('Limited Co');
    const other = await ctx.createTenant('Unlimited Co');
    await createEndpoint(t, { url: 'http://127.0.0.1:9/one', events: ['validation.completed'] }, limited);
    await createEndpoint(t, { url: 'http://127.0.0.1:9/two', events: ['validation.completed'] }, limited);
    const third = await client(t, limited).post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/three', events: ['validation.completed'] });
    assertError(third, 409, 'webhook.too_many_endpoints');
    assert.ok(!('secret' in third.body));
    assert.equal(await countWhere('webhook_endpoints', { tenant_id: t.tenantId }), 2);
    // The limit is per tenant.
    await createEndpoint(other, { url: 'http://127.0.0.1:9/one', events: ['validation.completed'] }, limited);
    // Deleting one frees a slot.
    const [first] = (await client(t, limited).get('/v1/webhook-endpoints')).body.data as EndpointBody[];
    const del = await client(t, limited).delete(`/v1/webhook-endpoints/${first!.id}`);
    assert.equal(del.status, 200);
    expectedAudit.push({ action: 'webhook_endpoint.deleted', targetId: first!.id, tenantId: t.tenantId, keyId: t.keyId, requestId: del.headers['x-request-id']! });
    await createEndpoint(t, { url: 'http://127.0.0.1:9/three', events: ['validation.completed'] }, limited);
  });

  // Creates are serialised on the tenant row, so concurrent requests cannot all see room under the limit.
  it('concurrent creates cannot get past the limit', async () => {
    const t = await ctx.createTenant('Racing Co');
    const res = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client(t, limited).post('/v1/webhook-endpoints', { url: `http://127.0.0.1:9/race-${i}`, events: ['validation.completed'] })),
    );
    for (const r of res) if (r.status === 201) keepSecret(r.body.secret);
    assert.deepEqual(res.map((r) => r.status).sort(), [201, 201, 409, 409, 409, 409]);
    for (const r of res.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'webhook.too_many_endpoints');
    assert.equal(await countWhere('webhook_endpoints', { tenant_id: t.tenantId }), 2);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Default secret
// ---------------------------------------------------------------------------------------------

describe('the default webhook secret', () => {
  it('is absent at first, and a one-off webhook_url is refused until it exists', async () => {
    const t = await ctx.createTenant('Secretless Co');
    const got = await client(t).get('/v1/webhook-secret');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, { object: 'webhook_secret', livemode: false, exists: false, secret: null, previous_secret_expires_at: null, created_at: null, updated_at: null });

    const v = await client(t).post('/v1/validations', bankAccount(account(), { webhook_url: 'http://127.0.0.1:9/x' }));
    assertError(v, 400, 'webhook.default_secret_missing');
    assert.equal(v.body.error.details.field, 'webhook_url');
    const b = await client(t).post('/v1/batches', { items: [bankAccount(account())], webhook_url: 'http://127.0.0.1:9/x' });
    assertError(b, 400, 'webhook.default_secret_missing');
    assert.equal(await countWhere('validations', { tenant_id: t.tenantId }), 0);
    assert.equal(await countWhere('batches', { tenant_id: t.tenantId }), 0);
  });

  it('rotate creates it, then rotates with a 24 h overlap, or none with overlap_seconds: 0', async () => {
    const t = await ctx.createTenant('Rotating Co');
    const first = await rotateDefaultSecret(t);
    assert.equal(first.object, 'webhook_secret');
    assert.equal(first.exists, true);
    assert.equal(first.previous_secret_expires_at, null, 'a first secret has nothing to overlap with');
    assert.ok(first.created_at && first.updated_at);

    const got = await client(t).get('/v1/webhook-secret');
    assert.equal(got.status, 200);
    assert.equal(got.body.exists, true);
    assert.equal(got.body.secret, null);
    assert.equal(got.body.created_at, first.created_at);
    assert.ok(!JSON.stringify(got.body).includes('whsec_'));

    const started = Date.now();
    const second = await rotateDefaultSecret(t);
    assert.notEqual(second.secret, first.secret);
    assertAboutDayFromNow(second.previous_secret_expires_at, started);
    assert.equal(second.created_at, first.created_at);
    const during = await client(t).get('/v1/webhook-secret');
    assert.equal(during.body.previous_secret_expires_at, second.previous_secret_expires_at);
    assert.equal(during.body.secret, null);

    const third = await rotateDefaultSecret(t, { overlap_seconds: 0 });
    assert.notEqual(third.secret, second.secret);
    assert.equal(third.previous_secret_expires_at, null);
    assert.equal((await client(t).get('/v1/webhook-secret')).body.previous_secret_expires_at, null);

    const row = await rt.db('tenant_webhook_secrets').where({ tenant_id: t.tenantId }).first();
    assert.ok(row, 'no tenant_webhook_secrets row');
    assert.equal(row.previous_secret_ciphertext, null);
    for (const s of [first.secret, second.secret, third.secret]) assert.ok(!JSON.stringify(row).includes(s.slice('whsec_'.length)), 'secret stored in clear');

    assertError(await client(t).post('/v1/webhook-secret/rotate', { overlap_seconds: -1 }), 400, 'request.invalid');
    assertError(await client(t).post('/v1/webhook-secret/rotate', { overlap_seconds: 604_801 }), 400, 'request.invalid');
    assertError(await client(t).post('/v1/webhook-secret/rotate', { overlap: 10 }), 400, 'request.invalid');
  });
});

// ---------------------------------------------------------------------------------------------
// 7. One-off webhook_url, end to end
// ---------------------------------------------------------------------------------------------

describe('one-off webhook_url, end to end', () => {
  it('a validation with webhook_url delivers one signed validation.completed with the masked account', async () => {
    const t = await ctx.createTenant('One-off Co');
    const { secret } = await rotateDefaultSecret(t);
    const inbox = await receiver([secret]);
    const acct = account('7781');

    const res = await client(t).post('/v1/validations', bankAccount(acct, { name: 'Ramesh Kumar', webhook_url: inbox.url }));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const validationId = res.body.id as string;
    assert.ok(!('webhook_url' in res.body), 'the validation view is not documented to carry webhook_url');

    const delivery = await eventually(async () => {
      const list = await client(t).get('/v1/webhook-deliveries');
      const d = list.body.data?.[0];
      return d && d.status === 'succeeded' ? d : undefined;
    }, 'the one-off delivery to succeed');
    // Give a duplicate (a second job, a sweeper re-send) the time it would need to show up.
    await new Promise((r) => setTimeout(r, 1000));

    const completed = inbox.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === 'validation.completed');
    assert.equal(inbox.received.length, 1, `expected exactly one delivery, got ${inbox.received.length}`);
    assert.equal(completed.length, 1);
    const got = completed[0]!;
    assert.notEqual(got.verified, null, 'signature does not verify with the default secret');
    assert.equal(got.verifiedWith, 0);
    assert.match(String(got.headers['webhook-id']), /^evt_/);
    assert.equal(got.headers['content-type']?.split(';')[0], 'application/json');
    const payload = got.verified as { type: string; timestamp: string; data: Record<string, unknown> & { bank_account: { masked_account_number: string } } };
    assert.equal(payload.type, 'validation.completed');
    assert.equal(payload.data.id, validationId);
    assert.equal(payload.data.status, 'completed');
    assert.equal(payload.data.bank_account.masked_account_number, `XXXXXX${acct.slice(-4)}`);
    assert.equal((payload.data.result as { account_status: string }).account_status, 'valid');
    assert.ok(!got.body.includes(acct), 'full account number in the webhook body');
    assert.ok(!JSON.stringify(got.headers).includes(acct), 'full account number in the webhook headers');
    assert.ok(!got.body.includes(secret) && !JSON.stringify(got.headers).includes(secret), 'the secret travels with the webhook');

    // The delivery log agrees with what the receiver saw.
    assert.equal(delivery.endpoint_id, null);
    assert.equal(delivery.url, inbox.url);
    assert.equal(delivery.event_type, 'validation.completed');
    assert.equal(delivery.event_id, got.headers['webhook-id']);
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.last_status_code, 200);
    const detail = await client(t).get(`/v1/webhook-deliveries/${delivery.id}`);
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.payload, JSON.parse(got.body));
    assert.equal(detail.body.attempt_log.length, 1);
    assert.equal(detail.body.attempt_log[0].status_code, 200);
    assert.equal(detail.body.attempt_log[0].trigger, 'event');
    assert.ok(!JSON.stringify(detail.body).includes(acct));
  });

  it('a JSON batch with webhook_url delivers one signed batch.completed', async () => {
    const t = await ctx.createTenant('One-off Batch Co');
    const { secret } = await rotateDefaultSecret(t);
    const inbox = await receiver([secret]);
    const accts = [account('7782'), account('7783')];
    const res = await client(t).post('/v1/batches', { items: accts.map((a) => bankAccount(a)), webhook_url: inbox.url, reference_id: 'oneoff-batch' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const got = await eventually(async () => inbox.received[0], 'batch.completed to arrive', 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(inbox.received.length, 1, 'rows of a batch must not raise their own events to the batch webhook_url');
    assert.notEqual(got.verified, null);
    const payload = got.verified as { type: string; data: { id: string; status: string; counts: { total: number; completed: number } } };
    assert.equal(payload.type, 'batch.completed');
    assert.equal(payload.data.id, res.body.id);
    assert.equal(payload.data.status, 'completed');
    assert.equal(payload.data.counts.total, 2);
    assert.equal(payload.data.counts.completed, 2);
    for (const a of accts) assert.ok(!got.body.includes(a));
  });

  it('a JSON batch item carrying its own webhook_url → 400 request.invalid naming items[0].webhook_url', async () => {
    const t = await ctx.createTenant('Item Url Co');
    await rotateDefaultSecret(t);
    const res = await client(t).post('/v1/batches', { items: [bankAccount(account(), { webhook_url: 'http://127.0.0.1:9/x' })] });
    assertError(res, 400, 'request.invalid');
    assert.equal(res.body.error.details.field, 'items[0].webhook_url');
    const second = await client(t).post('/v1/batches', { items: [bankAccount(account()), bankAccount(account(), { webhook_url: 'http://127.0.0.1:9/x' })] });
    assertError(second, 400, 'request.invalid');
    assert.equal(second.body.error.details.field, 'items[1].webhook_url');
    assert.equal(await countWhere('batches', { tenant_id: t.tenantId }), 0);
    assert.equal(await countWhere('validations', { tenant_id: t.tenantId }), 0);
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Audit trail and leaks
// ---------------------------------------------------------------------------------------------

describe('audit trail and secrets', () => {
  it('audit_log has a row per endpoint created / deleted and per default-secret rotation, with the request id', async () => {
    const actions = new Set(expectedAudit.map((x) => x.action));
    assert.deepEqual([...actions].sort(), ['webhook_endpoint.created', 'webhook_endpoint.deleted', 'webhook_secret.rotated'], 'the tests above did not exercise every action');
    for (const x of expectedAudit) {
      const rows = await rt.db('audit_log').where({ action: x.action, target_id: x.targetId, request_id: x.requestId });
      assert.equal(rows.length, 1, `${x.action} ${x.targetId} (request ${x.requestId}): ${rows.length} rows`);
      const row = rows[0]!;
      assert.equal(row.tenant_id, x.tenantId);
      assert.equal(row.actor, `api_key:${x.keyId}`);
      assert.equal(row.target_type, x.action.startsWith('webhook_secret.') ? 'tenant' : 'webhook_endpoint');
    }
  });

  it('no signing secret appears in the logs, the audit log, Redis or the database in clear', async () => {
    assert.ok(secretsSeen.length >= 10, `only ${secretsSeen.length} secrets seen: the scan would be weak`);
    const logs = ctx.logs.text();
    const audit = JSON.stringify(await rt.db('audit_log').select());
    const redis = await ctx.dumpRedis();
    const stored = JSON.stringify([await rt.db('webhook_endpoints').select(), await rt.db('tenant_webhook_secrets').select(), await rt.db('webhook_events').select()]);
    assert.ok(logs.length > 0 && audit.length > 2 && stored.length > 10, 'nothing captured: the scan would be vacuous');
    assert.ok(!logs.includes('whsec_'), 'a whsec_ secret in the logs');
    assert.ok(!audit.includes('whsec_'), 'a whsec_ secret in audit_log');
    for (const s of secretsSeen) {
      const key = s.slice('whsec_'.length);
      assert.ok(!logs.includes(key), 'a secret in the logs');
      assert.ok(!audit.includes(key), 'a secret in audit_log');
      assert.ok(!redis.includes(key), 'a secret in Redis');
      assert.ok(!stored.includes(key), 'a secret stored in clear');
    }
    for (const acct of usedAccounts) {
      assert.ok(!logs.includes(acct), 'an account number in the logs');
      assert.ok(!redis.includes(acct), 'an account number in Redis');
    }
  });
});
