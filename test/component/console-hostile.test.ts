// The hostile review of the console (session 7), kept as regressions: a disabled organisation, spellings
// of one address, the tenant rate limit, brute-forcing TOTP changes from a stolen session, invitations
// that outlive their inviter's rights, owners removing each other at once, and odd form bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { cookiesOf, createConsoleUser, hiddenField, signIn, TEST_PASSWORD } from '../helpers/console-client.js';

let ctx: TestContext;
let rt: Runtime;
const T = { timeout: 60_000 };

before(async () => {
  ctx = await createTestContext({ RATE_LIMIT_POINTS: '4', RATE_LIMIT_WINDOW_SECONDS: '600', TRUST_PROXY: 'loopback' });
  rt = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

/** The sign-in form from `address` (X-Forwarded-For, trusted on loopback here): its answer's status. */
async function tryPassword(email: string, password: string, address: string): Promise<number> {
  const page = await ctx.http(rt).get('/console/sign-in').set('X-Forwarded-For', address);
  const pre = Object.entries(cookiesOf(page.headers)).find(([k]) => k.endsWith('pv_pre'))!;
  const res = await ctx.http(rt).post('/console/sign-in').set('X-Forwarded-For', address).set('Cookie', `${pre[0]}=${pre[1]}`).type('form')
    .send({ _csrf: hiddenField(page.text, '_csrf')!, next: '/console', email, password });
  return res.status;
}

const count = async (table: string, where: Record<string, unknown>) => Number((await rt.db(table).where(where).count({ n: '*' }))[0]!.n);

describe('console, hostile cases', () => {
  it('a disabled organisation: sessions end, nobody signs in, invitations stop working', T, async () => {
    const { tenantId } = await ctx.createTenant('Soon Disabled');
    const owner = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const c = await signIn(ctx, rt, owner.email);
    const inv = await c.post('/console/team/invitations', { email: `later-${ctx.id}@example.test`, role: 'viewer' });
    const link = /\/console\/invitations\/([A-Za-z0-9_-]+)/.exec(inv.text)![0];
    await rt.db('tenants').where({ id: tenantId }).update({ status: 'disabled' });
    assert.equal((await c.get('/console')).status, 303, 'the open session ends');
    assert.equal((await c.post('/console/validate', { type: 'vpa', vpa: 'a.b@okaxis', name: 'A B' })).status, 401);
    assert.equal(await tryPassword(owner.email, TEST_PASSWORD, '198.51.100.1'), 401, 'the right password opens nothing');
    assert.equal((await ctx.http(rt).get(link)).status, 404);
    assert.equal(await count('validations', { tenant_id: tenantId }), 0);
  });

  it('spellings of one address share one throttle bucket: accents do not find the account, case does not make a new bucket', T, async () => {
    const { tenantId } = await ctx.createTenant('Alice Co');
    const user = await createConsoleUser(ctx, rt, tenantId, 'owner', { email: `alice-${ctx.id}@example.test` });
    for (let i = 0; i < 5; i++) assert.equal(await tryPassword(user.email, `wrong ${i}`, `203.0.113.${i + 1}`), 401);
    // Locked: the right password, another address, upper case: all refused.
    assert.equal(await tryPassword(user.email.toUpperCase(), TEST_PASSWORD, '203.0.113.50'), 429);
    // An accented spelling is another address altogether: it finds nobody (binary collation).
    assert.equal(await tryPassword(user.email.replace('alice', 'alîce'), TEST_PASSWORD, '203.0.113.51'), 401);
  });

  it('console validations and uploads spend the tenant API budget (RATE_LIMIT_POINTS)', T, async () => {
    const { tenantId, apiKey } = await ctx.createTenant('Budget Co');
    const op = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'operator')).email);
    for (let i = 0; i < 3; i++) assert.equal((await ctx.http(rt).get('/v1/validations').set('Authorization', `Bearer ${apiKey}`)).status, 200);
    assert.equal((await op.post('/console/validate', { type: 'vpa', vpa: 'ramesh.kumar@okaxis', name: 'Ramesh Kumar' })).status, 303, 'the fourth request fits');
    const refused = await op.post('/console/validate', { type: 'vpa', vpa: 'priya.nair@okaxis', name: 'Priya Nair' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const upload = await ctx.http(rt).post('/console/batches').set('Cookie', op.cookie).set('X-CSRF-Token', op.csrf).set('Accept', 'application/json').set('Content-Type', 'text/csv').send('vpa,name\nx.y@okaxis,X Y\n');
    assert.equal(upload.status, 429);
    assert.equal(await count('validations', { tenant_id: tenantId }), 1);
    assert.equal(await count('batches', { tenant_id: tenantId }), 0);
  });

  it('turning TOTP off from a stolen session: wrong codes are throttled and audited', T, async () => {
    const { tenantId } = await ctx.createTenant('Totp Co');
    const user = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const c = await signIn(ctx, rt, user.email);
    const setup = await c.post('/console/account/totp/setup', { password: TEST_PASSWORD });
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(setup.text)![1]!;
    assert.equal((await c.post('/console/account/totp/confirm', { code: await generate({ secret }) })).status, 303);
    const near = new Set(await Promise.all([-60, -30, 0, 30, 60].map((d) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + d }))));
    const wrong = ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].filter((x) => !near.has(x));
    const statuses = [];
    for (const code of wrong.slice(0, 6)) statuses.push((await c.post('/console/account/totp/disable', { code })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    assert.equal(await count('audit_log', { tenant_id: tenantId, action: 'user.totp_failed', target_id: user.id }), 5);
    assert.equal((await rt.db('users').where({ id: user.id }).first()).totp_enabled, 1);
  });

  it('a removed admin’s invitation links stop working, and an admin cannot revoke an owner’s invitation even past the first 200', T, async () => {
    const { tenantId } = await ctx.createTenant('Invite Co');
    const owner = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'owner')).email);
    const adminUser = await createConsoleUser(ctx, rt, tenantId, 'admin');
    const admin = await signIn(ctx, rt, adminUser.email);
    const link = async (role: string) => /\/console\/invitations\/[A-Za-z0-9_-]+/.exec((await admin.post('/console/team/invitations', { email: `x-${role}-${Math.random()}@example.test`, role })).text)![0];
    const first = await link('admin');
    assert.equal((await owner.post(`/console/team/users/${adminUser.id}/remove`)).status, 303);
    assert.equal((await ctx.http(rt).get(first)).status, 404, 'revoked with the admin');
    assert.ok((await rt.db('user_invitations').where({ tenant_id: tenantId, created_by: `user:${adminUser.id}` }).first()).revoked_at);
    // A 201st open invitation, made by the owner for an owner: an admin still cannot revoke it.
    const other = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'admin')).email);
    const ownerInvite = await owner.post('/console/team/invitations', { email: `new-owner-${ctx.id}@example.test`, role: 'owner' });
    const invId = (await rt.db('user_invitations').where({ tenant_id: tenantId, role: 'owner' }).first('id')).id as string;
    assert.equal(ownerInvite.status, 200);
    const rows = Array.from({ length: 201 }, (_, i) => ({ id: `inv_FILL${String(i).padStart(22, '0')}`, tenant_id: tenantId, token_hash: `${i}`.padStart(64, 'f'), email: `f${i}@example.test`, role: 'viewer', created_by: 'cli', created_at: new Date(), expires_at: new Date(Date.now() + 3_600_000) }));
    await rt.db('user_invitations').insert(rows);
    assert.equal((await other.post(`/console/team/invitations/${invId}/revoke`)).status, 403);
    assert.equal((await rt.db('user_invitations').where({ id: invId }).first()).revoked_at, null);
  });

  it('two owners demoting each other at once: one wins, the other is refused (409), never a 5xx', T, async () => {
    for (let round = 0; round < 4; round++) {
      const { tenantId } = await ctx.createTenant(`Owners ${round}`);
      const [a, b] = [await createConsoleUser(ctx, rt, tenantId, 'owner'), await createConsoleUser(ctx, rt, tenantId, 'owner')];
      const [ca, cb] = [await signIn(ctx, rt, a.email), await signIn(ctx, rt, b.email)];
      const answers = await Promise.all([ca.post(`/console/team/users/${b.id}/role`, { role: 'viewer' }), cb.post(`/console/team/users/${a.id}/role`, { role: 'viewer' })]);
      const statuses = answers.map((r) => r.status).sort();
      assert.ok(statuses.every((s) => s < 500), `round ${round}: ${statuses}`);
      assert.equal(await count('users', { tenant_id: tenantId, role: 'owner', status: 'active' }), 1);
    }
  });

  it('a background poll (X-Console-Background: 1) is answered but does not keep an idle session alive', T, async () => {
    const { tenantId } = await ctx.createTenant('Idle Co');
    const user = await createConsoleUser(ctx, rt, tenantId, 'viewer');
    const c = await signIn(ctx, rt, user.email);
    const twentyMinutesAgo = new Date(Date.now() - 20 * 60_000);
    await rt.db('user_sessions').where({ user_id: user.id }).update({ last_seen_at: twentyMinutesAgo });
    assert.equal((await c.get('/console/batches').set('X-Console-Background', '1')).status, 200);
    assert.equal((await rt.db('user_sessions').where({ user_id: user.id }).first()).last_seen_at.getTime(), twentyMinutesAgo.getTime());
    assert.equal((await c.get('/console/batches')).status, 200);
    assert.ok((await rt.db('user_sessions').where({ user_id: user.id }).first()).last_seen_at.getTime() > twentyMinutesAgo.getTime(), 'a page a person opened counts');
  });

  it('hostile values: an account number in any spelling is never shown back, control characters stay out of names, the upload takes no API query parameters', T, async () => {
    const { tenantId } = await ctx.createTenant('Values Co');
    const op = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'operator')).email);
    // Three: the context's tenant rate limit is 4 requests (RATE_LIMIT_POINTS), and validations spend it.
    for (const spelled of ['5010.0012.3456.78', '５０１０００１２３４５６７８', '५०१०००१२३४५६७८']) {
      const res = await op.post('/console/validate', { type: 'vpa', vpa: spelled, name: spelled, reference_id: 'ref-1' });
      assert.equal(res.status, 400, spelled);
      assert.ok(!res.text.includes(spelled), `${spelled} is shown back`);
    }
    const owner = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'owner')).email);
    const inv = await owner.post('/console/team/invitations', { email: `mallory-${ctx.id}@example.test`, role: 'viewer' });
    const link = /\/console\/invitations\/[A-Za-z0-9_-]+/.exec(inv.text)![0];
    const page = await ctx.http(rt).get(link);
    const pre = Object.entries(cookiesOf(page.headers)).find(([k]) => k.endsWith('pv_pre'))!;
    const accept = await ctx.http(rt).post(link).set('Cookie', `${pre[0]}=${pre[1]}`).type('form').send({ _csrf: hiddenField(page.text, '_csrf')!, name: 'Mallory\u202e yltnecnI', password: TEST_PASSWORD });
    assert.equal(accept.status, 400);
    assert.equal(await count('users', { email: `mallory-${ctx.id}@example.test` }), 0);
    const upload = await ctx.http(rt).post('/console/batches?webhook_url=https://attacker.example/x').set('Cookie', op.cookie).set('X-CSRF-Token', op.csrf).set('Accept', 'application/json').set('Content-Type', 'text/csv').send('vpa,name\nx.y@okaxis,X Y\n');
    assert.equal(upload.status, 400);
    assert.equal(await count('batches', { tenant_id: tenantId }), 0);
  });

  it('odd form bodies (too many fields, a body that does not inflate) are 400s, and nothing is logged as an error', T, async () => {
    const many = Array.from({ length: 70 }, (_, i) => `f${i}=x`).join('&');
    assert.equal((await ctx.http(rt).post('/console/sign-in').type('form').send(many)).status, 400);
    const bad = await ctx.http(rt).post('/console/sign-in').set('Content-Type', 'application/x-www-form-urlencoded').set('Content-Encoding', 'gzip').send('not gzip');
    assert.equal(bad.status, 400);
    assert.ok(!ctx.logs.lines.some((l) => l.includes('"level":50')), 'an error-level log line');
  });
});
