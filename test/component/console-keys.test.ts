import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { hashApiKey } from '../../src/tenants/api-key.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { createConsoleUser, signIn, type ConsoleClient } from '../helpers/console-client.js';

// The console's API keys page (/console/keys) through the contract-checked app: a key made in the
// console is shown once and then works against the REST API; revoking it there stops it within the
// key cache's second; only roles with keys.manage get in, and only to their own organisation's keys.

const T = { timeout: 60_000 };

let ctx: TestContext;
let rt: Runtime;
let tenant: { tenantId: string; apiKey: string; keyId: string };
let other: { tenantId: string; apiKey: string; keyId: string };
let developer: Awaited<ReturnType<typeof createConsoleUser>>;
let dev: ConsoleClient;
/** Every full key the console showed, so the leak checks know what must never appear again. */
const shown: string[] = [];

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  tenant = await ctx.createTenant('Keys Co');
  other = await ctx.createTenant('Other Co');
  developer = await createConsoleUser(ctx, rt, tenant.tenantId, 'developer');
  dev = await signIn(ctx, rt, developer.email);
});
after(async () => {
  if (rt) assert.ok(!shown.some((k) => ctx.logs.text().includes(k)), 'no full key in the logs');
  await ctx.close();
});

const api = (key: string) => ctx.http(rt).get('/v1/validations').set('Authorization', `Bearer ${key}`);

/** POST /console/keys → the key on the page, and its row (found by hash: the page is the only place it is). */
async function createKey(client: ConsoleClient, mode: 'test' | 'live') {
  const res = await client.post('/console/keys', { mode });
  assert.equal(res.status, 200, res.text.slice(0, 500));
  assert.match(res.text, /will not be shown again/);
  const key = /data-testid="api-key">(pv_(?:test|live)_[A-Za-z0-9]{40})</.exec(res.text)?.[1];
  assert.ok(key, 'the page shows the new key');
  assert.ok(key.startsWith(`pv_${mode}_`));
  assert.equal(res.text.split(key).length - 1, 1, 'the key appears once on the page');
  shown.push(key);
  const row = await rt.db('api_keys').where({ key_hash: hashApiKey(key) }).first();
  assert.ok(row, 'only the hash is stored');
  assert.equal(row.tenant_id, tenant.tenantId);
  assert.equal(row.mode, mode);
  assert.ok(res.text.includes(row.id));
  return { key, keyId: row.id as string };
}

async function auditOf(keyId: string) {
  return rt.db('audit_log').where({ target_type: 'api_key', target_id: keyId }).orderBy('id').select('action', 'actor', 'tenant_id', 'request_id');
}

describe('API keys in the console', () => {
  it('a developer may not make or revoke a live key: a live key can do all the API can (settings, paid calls)', T, async () => {
    const refused = await dev.post('/console/keys', { mode: 'live' });
    assert.equal(refused.status, 403);
    assert.equal(Number((await rt.db('api_keys').where({ tenant_id: tenant.tenantId, mode: 'live' }).count({ n: '*' }))[0]!.n), 0);
    const liveKeyId = (await rt.db('api_keys').where({ tenant_id: tenant.tenantId, mode: 'test' }).first('id')).id as string;
    await rt.db('api_keys').where({ id: liveKeyId }).update({ mode: 'live' });
    try {
      assert.equal((await dev.post(`/console/keys/${liveKeyId}/revoke`)).status, 403);
      assert.equal((await rt.db('api_keys').where({ id: liveKeyId }).first()).revoked_at, null);
      assert.doesNotMatch((await dev.get('/console/keys').expect(200)).text, /<option value="live"/);
    } finally {
      await rt.db('api_keys').where({ id: liveKeyId }).update({ mode: 'test' });
    }
  });

  it('a developer creates a test key and an admin a live one; each is shown once, works, shows when it was used, and stops working once revoked', T, async () => {
    const adminUser = await createConsoleUser(ctx, rt, tenant.tenantId, 'admin');
    const admin = await signIn(ctx, rt, adminUser.email);
    for (const [mode, client, user] of [['live', admin, adminUser], ['test', dev, developer]] as const) {
      const { key, keyId } = await createKey(client, mode);
      assert.equal((await api(key)).status, 200, 'the new key authenticates against the REST API');

      const list = await client.get('/console/keys').expect(200);
      assert.ok(list.text.includes(keyId));
      assert.ok(list.text.includes(key.slice(0, 12)), 'the display prefix is listed');
      assert.ok(!list.text.includes(key), 'the keys page never shows the full key again');
      // `last_used_at` is written off the request's path: wait for the page to show it.
      await eventually(async () => {
        const page = await client.get('/console/keys').expect(200);
        return new RegExp(`data-testid="last-used-${keyId}"><time datetime=`).test(page.text);
      }, 'the keys page to show when the key was last used', 5000);

      const revoked = await client.post(`/console/keys/${keyId}/revoke`);
      assert.equal(revoked.status, 303);
      assert.equal(revoked.headers.location, '/console/keys?notice=revoked');
      const started = Date.now();
      // The key cache keeps a key for AUTH_KEY_CACHE_MS (1 s): refused after that, with room for a busy machine.
      await eventually(async () => (await api(key)).status === 401, 'the revoked key to be refused', 10_000);
      assert.ok(Date.now() - started <= 10_000);

      const after = await client.get('/console/keys?notice=revoked').expect(200);
      assert.match(after.text, /The key is revoked/);
      assert.doesNotMatch(after.text, new RegExp(`action="/console/keys/${keyId}/revoke"`), 'no revoke button on a revoked key');
      const again = await client.post(`/console/keys/${keyId}/revoke`);
      assert.equal(again.status, 303);
      assert.equal(again.headers.location, '/console/keys?notice=already-revoked');

      const audit = await auditOf(keyId);
      assert.deepEqual(audit.map((a) => [a.action, a.actor, a.tenant_id]), [
        ['api_key.created', `user:${user.id}`, tenant.tenantId],
        ['api_key.revoked', `user:${user.id}`, tenant.tenantId],
      ]);
      assert.ok(audit.every((a) => typeof a.request_id === 'string' && a.request_id.startsWith('req_')));
    }
    assert.equal((await api(tenant.apiKey)).status, 200, 'the tenant’s other keys are untouched');
  });

  it('the keys page lists both modes and only this organisation’s keys, with a revoke button that asks first', T, async () => {
    const { keyId } = await createKey(dev, 'test');
    const page = await dev.get('/console/keys').expect(200);
    assert.ok(page.text.includes(keyId));
    assert.ok(page.text.includes(tenant.keyId));
    assert.ok(!page.text.includes(other.keyId), 'another organisation’s key is not listed');
    assert.match(page.text, new RegExp(`<form method="post" action="/console/keys/${keyId}/revoke" class="inline" data-confirm="[^"]+">`));
    assert.match(page.text, /<select id="mode" name="mode">/);
  });

  it('another organisation’s key id, or an unknown one, is a 404 and revokes nothing', T, async () => {
    const res = await dev.post(`/console/keys/${other.keyId}/revoke`);
    assert.equal(res.status, 404);
    assert.equal((await rt.db('api_keys').where({ id: other.keyId }).first()).revoked_at, null);
    assert.equal((await api(other.apiKey)).status, 200);
    assert.equal((await dev.post('/console/keys/key_01JZZZZZZZZZZZZZZZZZZZZZZZ/revoke')).status, 404);
    assert.equal((await rt.db('audit_log').where({ target_id: other.keyId, action: 'api_key.revoked' })).length, 0);
  });

  it('a mode other than test or live is refused on the form', T, async () => {
    const before = await rt.db('api_keys').where({ tenant_id: tenant.tenantId }).count({ n: '*' });
    const res = await dev.post('/console/keys', { mode: 'prod' });
    assert.equal(res.status, 400);
    assert.match(res.text, /Choose test or live/);
    assert.match(res.text, /<form method="post" action="\/console\/keys"/, 'the form is shown again');
    assert.deepEqual(await rt.db('api_keys').where({ tenant_id: tenant.tenantId }).count({ n: '*' }), before);
  });

  it('a viewer and an operator get 403 on the page and on forged requests with a valid CSRF token', T, async () => {
    const count = async () => Number((await rt.db('api_keys').where({ tenant_id: tenant.tenantId }).count({ n: '*' }))[0]!.n);
    const before = await count();
    for (const role of ['viewer', 'operator'] as const) {
      const user = await createConsoleUser(ctx, rt, tenant.tenantId, role);
      const client = await signIn(ctx, rt, user.email);
      const home = await client.get('/console').expect(200);
      assert.ok(!home.text.includes('href="/console/keys"'), 'no API keys link in the navigation');
      assert.equal((await client.get('/console/keys')).status, 403);
      assert.equal((await client.post('/console/keys', { mode: 'live' })).status, 403);
      assert.equal((await client.post(`/console/keys/${tenant.keyId}/revoke`)).status, 403);
    }
    assert.equal(await count(), before, 'no key was created');
    assert.equal((await rt.db('api_keys').where({ id: tenant.keyId }).first()).revoked_at, null, 'no key was revoked');
  });

  it('a state-changing request without the CSRF token is refused', T, async () => {
    const res = await dev.post('/console/keys', { mode: 'test', _csrf: 'forged' });
    assert.equal(res.status, 403);
  });
});
