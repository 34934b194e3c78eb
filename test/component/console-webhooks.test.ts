import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { createConsoleUser, signIn, type ConsoleClient } from '../helpers/console-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// The console's webhook pages (/console/webhooks, /console/webhook-deliveries) through the
// contract-checked app, the real workers and a real receiver: what the console changes is what the
// REST API sees, a failed delivery retried from the console reaches the receiver, a signing secret is
// shown only on the page right after it was made, and roles and organisations are kept apart.

const T = { timeout: 60_000 };
const EVENTS = ['validation.completed', 'validation.failed'];

let ctx: TestContext;
let rt: Runtime;
type Tenant = { tenantId: string; apiKey: string; keyId: string };
let tenant: Tenant;
let developer: Awaited<ReturnType<typeof createConsoleUser>>;
let dev: ConsoleClient;
const receivers: WebhookReceiver[] = [];
/** Every signing secret a page showed, so later pages can be checked for them. */
const secrets: string[] = [];

before(async () => {
  // Two quick attempts per round, so a delivery fails within a second.
  ctx = await createTestContext({ WEBHOOK_RETRY_SCHEDULE: '0,100ms' });
  rt = await ctx.start({ ROLE: 'all' });
  tenant = await ctx.createTenant('Hooks Co');
  developer = await createConsoleUser(ctx, rt, tenant.tenantId, 'developer');
  dev = await signIn(ctx, rt, developer.email);
});
after(async () => {
  for (const r of receivers) await r.close();
  if (rt) assert.ok(!secrets.some((s) => ctx.logs.text().includes(s)), 'no signing secret in the logs');
  await ctx.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

const rest = (t: Tenant = tenant) => {
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  return {
    get: (path: string) => ctx.http(rt).get(path).set(auth),
    post: (path: string, body: object) => ctx.http(rt).post(path).set(auth).send(body),
  };
};

/** A form post with repeated fields (the events checkboxes), which a plain object cannot express. */
function postForm(client: ConsoleClient, path: string, fields: Array<[string, string]>) {
  const body = new URLSearchParams([['_csrf', client.csrf], ...fields]).toString();
  return ctx.http(rt).post(path).set('Cookie', client.cookie).type('form').send(body);
}

function secretOn(text: string): string {
  const secret = /data-testid="signing-secret">(whsec_[A-Za-z0-9+/]+={0,2})</.exec(text)?.[1];
  assert.ok(secret, 'the page shows the signing secret');
  assert.match(text, /It will not be shown again/);
  secrets.push(secret);
  return secret;
}

/** Creates an endpoint through the console; returns its id and the secret the page showed once. */
async function createEndpoint(client: ConsoleClient, url: string, events = EVENTS, description = '') {
  const res = await postForm(client, '/console/webhooks', [['url', url], ...events.map((e): [string, string] => ['events', e]), ['description', description]]);
  assert.equal(res.status, 200, res.text.slice(0, 800));
  assert.equal(res.headers['cache-control'], 'no-store');
  const secret = secretOn(res.text);
  const id = /href="\/console\/webhooks\/(whe_[0-9A-Z]{26})"/.exec(res.text)?.[1];
  assert.ok(id);
  return { id, secret };
}

const noSecretIn = (text: string) => assert.ok(!secrets.some((s) => text.includes(s)), 'no signing secret on this page');

const account = () => `${randomInt(10_000_000, 99_999_999)}9876`;

async function audit(targetId: string) {
  return rt.db('audit_log').where({ target_id: targetId }).orderBy('id').select('action', 'actor');
}

describe('webhook endpoints in the console', () => {
  it('create, rotate, disable, enable and delete: each visible through the REST API, each audited as the user', T, async () => {
    const r = await receiver();
    const { id, secret } = await createEndpoint(dev, r.url, EVENTS, 'Payouts service');

    const viaApi = await rest().get(`/v1/webhook-endpoints/${id}`).expect(200);
    assert.equal(viaApi.body.url, r.url);
    assert.deepEqual(viaApi.body.events, EVENTS);
    assert.equal(viaApi.body.description, 'Payouts service');
    assert.equal(viaApi.body.livemode, false, 'made in the session’s mode (test)');
    assert.equal(viaApi.body.secret, undefined);

    const list = await dev.get('/console/webhooks').expect(200);
    assert.ok(list.text.includes(`href="/console/webhooks/${id}"`));
    assert.ok(list.text.includes('Payouts service'));
    noSecretIn(list.text);
    const detail = await dev.get(`/console/webhooks/${id}`).expect(200);
    assert.ok(detail.text.includes(r.url));
    noSecretIn(detail.text);

    const rotated = await dev.post(`/console/webhooks/${id}/rotate-secret`);
    assert.equal(rotated.status, 200);
    const next = secretOn(rotated.text);
    assert.notEqual(next, secret);
    assert.ok(!rotated.text.includes(secret), 'the old secret is not shown');
    assert.match(rotated.text, /previous secret keeps signing/);
    assert.ok((await rest().get(`/v1/webhook-endpoints/${id}`).expect(200)).body.previous_secret_expires_at);
    noSecretIn((await dev.get(`/console/webhooks/${id}`).expect(200)).text);

    const off = await dev.post(`/console/webhooks/${id}/enabled`, { enabled: 'false' });
    assert.equal(off.status, 303);
    assert.equal(off.headers.location, `/console/webhooks/${id}?notice=disabled`);
    const disabled = (await rest().get(`/v1/webhook-endpoints/${id}`).expect(200)).body;
    assert.equal(disabled.enabled, false);
    assert.equal(disabled.disabled_reason, 'manual');
    const page = await dev.get(off.headers.location!).expect(200);
    assert.match(page.text, /The endpoint is disabled/);
    assert.match(page.text, /name="enabled" value="true"/, 'the page offers to enable it again');

    const on = await dev.post(`/console/webhooks/${id}/enabled`, { enabled: 'true' });
    assert.equal(on.headers.location, `/console/webhooks/${id}?notice=enabled`);
    assert.equal((await rest().get(`/v1/webhook-endpoints/${id}`).expect(200)).body.enabled, true);
    assert.equal((await dev.post(`/console/webhooks/${id}/enabled`, { enabled: 'maybe' })).status, 400);

    const gone = await dev.post(`/console/webhooks/${id}/delete`);
    assert.equal(gone.status, 303);
    assert.equal(gone.headers.location, '/console/webhooks?notice=deleted');
    await rest().get(`/v1/webhook-endpoints/${id}`).expect(404);
    assert.equal((await dev.get(`/console/webhooks/${id}`)).status, 404);
    assert.match((await dev.get('/console/webhooks?notice=deleted').expect(200)).text, /The endpoint is deleted/);

    assert.deepEqual(await audit(id), [
      'webhook_endpoint.created', 'webhook_endpoint.secret_rotated', 'webhook_endpoint.updated', 'webhook_endpoint.updated', 'webhook_endpoint.deleted',
    ].map((action) => ({ action, actor: `user:${developer.id}` })));
  });

  it('a failed delivery retried from the console reaches the receiver; a replay sends the event again', T, async () => {
    const r = await receiver();
    const { id, secret } = await createEndpoint(dev, r.url, ['validation.completed']);
    r.secrets.push(secret);
    r.setMode({ kind: 'status', status: 500 });
    await rest().post('/v1/validations', bankAccount(account(), { name: 'Ramesh Kumar' })).expect(202);
    const failed = await eventually(async () => {
      const res = await rest().get(`/v1/webhook-deliveries?endpoint_id=${id}`).expect(200);
      return res.body.data[0]?.status === 'failed' ? res.body.data[0] : null;
    }, 'the delivery to fail', 20_000);

    const log = await dev.get(`/console/webhooks/${id}`).expect(200);
    const row = new RegExp(`<tr data-delivery="${failed.id}">[\\s\\S]*?</tr>`).exec(log.text)?.[0];
    assert.ok(row, 'the delivery log lists the delivery');
    assert.match(row, /validation\.completed/);
    assert.match(row, /status-failed/);
    assert.match(row, /<code>500<\/code>/);
    assert.match(row, new RegExp(`action="/console/webhook-deliveries/${failed.id}/retry"`));

    r.setMode({ kind: 'ok' });
    const seen = r.received.length;
    const retry = await dev.post(`/console/webhook-deliveries/${failed.id}/retry`);
    assert.equal(retry.status, 303);
    assert.equal(retry.headers.location, `/console/webhooks/${id}?notice=retried`);
    await eventually(async () => r.received.slice(seen).some((x) => x.verified), 'the retried delivery to reach the receiver');
    await eventually(async () => (await rest().get(`/v1/webhook-deliveries/${failed.id}`).expect(200)).body.status === 'succeeded', 'the delivery to succeed');
    assert.ok((await audit(failed.id)).some((a) => a.action === 'webhook_delivery.retried' && a.actor === `user:${developer.id}`));

    const afterRetry = r.received.length;
    const replay = await dev.post(`/console/webhooks/${id}/replay`, { window: '1h' });
    assert.equal(replay.status, 303);
    assert.equal(replay.headers.location, `/console/webhooks/${id}?notice=replayed`);
    await eventually(async () => r.received.slice(afterRetry).some((x) => x.verified && x.headers['webhook-id'] === r.received[0]!.headers['webhook-id']), 'the replayed event');
    assert.equal((await dev.post(`/console/webhooks/${id}/replay`, { window: '10y' })).status, 400);

    // A disabled endpoint cannot be replayed or retried to: the page says why, with a 409.
    await dev.post(`/console/webhooks/${id}/enabled`, { enabled: 'false' }).expect(303);
    const refused = await dev.post(`/console/webhooks/${id}/replay`, { window: '1h' });
    assert.equal(refused.status, 409);
    assert.ok(refused.headers['retry-after']);
    assert.match(refused.text, /The endpoint is disabled/);
    assert.equal((await dev.post(`/console/webhook-deliveries/${failed.id}/retry`)).status, 409);
  });

  it('URL errors and missing events re-render the form with the reason; too many endpoints is a 409', T, async () => {
    const blocked = await postForm(dev, '/console/webhooks', [['url', 'http://user:pw@127.0.0.1/hooks'], ['events', 'batch.completed']]);
    assert.equal(blocked.status, 400);
    assert.match(blocked.text, /must not contain a username or password/);
    assert.match(blocked.text, /value="http:\/\/user:pw@127.0.0.1\/hooks"/, 'what was typed is kept');
    assert.match(blocked.text, /value="batch.completed" checked/);
    const none = await postForm(dev, '/console/webhooks', [['url', 'https://example.com/hooks']]);
    assert.equal(none.status, 400);
    assert.match(none.text, /Choose at least one event/);
    assert.equal((await postForm(dev, '/console/webhooks', [['url', 'https://example.com/h'], ['events', 'nope']])).status, 400);

    // Its own tenant, on a runtime that allows one endpoint per mode.
    const small = await ctx.start({ ROLE: 'api', WEBHOOK_MAX_ENDPOINTS: '1' });
    const t = await ctx.createTenant('Small Co');
    const owner = await createConsoleUser(ctx, small, t.tenantId, 'owner');
    const client = await signIn(ctx, small, owner.email);
    const r = await receiver();
    const first = await ctx.http(small).post('/console/webhooks').set('Cookie', client.cookie).type('form')
      .send(new URLSearchParams([['_csrf', client.csrf], ['url', r.url], ['events', 'batch.completed']]).toString());
    assert.equal(first.status, 200);
    secretOn(first.text);
    const second = await ctx.http(small).post('/console/webhooks').set('Cookie', client.cookie).type('form')
      .send(new URLSearchParams([['_csrf', client.csrf], ['url', r.url], ['events', 'batch.completed']]).toString());
    assert.equal(second.status, 409);
    assert.ok(second.headers['retry-after']);
    assert.match(second.text, /at most 1 webhook endpoints/);
  });

  it('a viewer sees endpoints and deliveries but no actions, and gets 403 on every change', T, async () => {
    const r = await receiver();
    const { id } = await createEndpoint(dev, r.url);
    const viewer = await createConsoleUser(ctx, rt, tenant.tenantId, 'viewer');
    const v = await signIn(ctx, rt, viewer.email);
    const list = await v.get('/console/webhooks').expect(200);
    assert.ok(list.text.includes(`href="/console/webhooks/${id}"`));
    assert.ok(!list.text.includes('action="/console/webhooks"'), 'no create form');
    const detail = await v.get(`/console/webhooks/${id}`).expect(200);
    assert.ok(!detail.text.includes('rotate-secret'));
    noSecretIn(detail.text);
    assert.equal((await postForm(v, '/console/webhooks', [['url', r.url], ['events', 'batch.completed']])).status, 403);
    for (const action of ['rotate-secret', 'replay', 'enabled', 'delete']) {
      assert.equal((await v.post(`/console/webhooks/${id}/${action}`, { enabled: 'false', window: '1h' })).status, 403, action);
    }
    assert.equal((await rest().get(`/v1/webhook-endpoints/${id}`).expect(200)).body.enabled, true);
    assert.equal((await audit(id)).length, 1, 'only the creation');
  });

  it('another organisation’s endpoint and delivery, and the other mode’s endpoints, are not found', T, async () => {
    const theirs = await ctx.createTenant('Their Co');
    const r = await receiver();
    const ep = await rest(theirs).post('/v1/webhook-endpoints', { url: r.url, events: ['validation.completed'] }).expect(201);
    await rest(theirs).post('/v1/validations', bankAccount(account(), { name: 'Priya Nair' })).expect(202);
    const delivery = await eventually(async () => (await rest(theirs).get('/v1/webhook-deliveries').expect(200)).body.data[0], 'their delivery');
    assert.equal((await dev.get(`/console/webhooks/${ep.body.id}`)).status, 404);
    for (const action of ['rotate-secret', 'delete']) assert.equal((await dev.post(`/console/webhooks/${ep.body.id}/${action}`)).status, 404, action);
    assert.equal((await dev.post(`/console/webhook-deliveries/${delivery.id}/retry`)).status, 404);
    assert.equal((await rest(theirs).get(`/v1/webhook-endpoints/${ep.body.id}`).expect(200)).body.previous_secret_expires_at, null);

    // The session's mode scopes the pages: in live mode the test endpoints are not there.
    const { id } = await createEndpoint(dev, r.url);
    await dev.post('/console/mode', { livemode: 'true' }).expect(303);
    try {
      assert.ok(!(await dev.get('/console/webhooks').expect(200)).text.includes(id));
      assert.equal((await dev.get(`/console/webhooks/${id}`)).status, 404);
    } finally {
      await dev.post('/console/mode', { livemode: 'false' }).expect(303);
    }
  });
});
