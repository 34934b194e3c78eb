// The console's team pages against the real app, MySQL and Redis (every answer checked against
// openapi.yaml): invitations shown once and usable once, what each role may do (refused server-side
// whatever the page shows), the last owner, sessions ended by a role change, removal, and the audit log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import type { Role } from '../../src/users/roles.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { cookiesOf, createConsoleUser, hiddenField, signIn, TEST_PASSWORD, type ConsoleClient } from '../helpers/console-client.js';

const T = { timeout: 60_000 };
let ctx: TestContext;
let rt: Runtime;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
});
after(async () => {
  await ctx.close();
});

/** A tenant with a signed-in member of each role asked for. */
async function org(...roles: Role[]) {
  const { tenantId } = await ctx.createTenant('Team Org');
  const members = [];
  for (const role of roles) {
    const user = await createConsoleUser(ctx, rt, tenantId, role);
    members.push({ user, client: await signIn(ctx, rt, user.email) });
  }
  return { tenantId, members };
}

const audit = (tenantId: string, action: string) => rt.db('audit_log').where({ tenant_id: tenantId, action }).orderBy('id');

async function invite(client: ConsoleClient, email: string, role: Role): Promise<{ token: string; link: string }> {
  const res = await client.post('/console/team/invitations', { email, role });
  assert.equal(res.status, 200, res.text.slice(0, 500));
  const link = /data-testid="invitation-link">([^<]+)</.exec(res.text)?.[1];
  assert.ok(link, 'the link is on the page');
  assert.match(link, /^http:\/\/[^/]+\/console\/invitations\/[A-Za-z0-9_-]+$/);
  return { token: link.split('/').pop()!, link };
}

/** Accepts an invitation the way a browser does: the link page's pre-session cookie and its echo. */
async function accept(token: string, name: string) {
  const http = () => ctx.http(rt);
  const form = await http().get(`/console/invitations/${token}`).expect(200);
  const pre = cookiesOf(form.headers);
  const preName = Object.keys(pre).find((k) => k.endsWith('pv_pre'))!;
  return http().post(`/console/invitations/${token}`).set('Cookie', `${preName}=${pre[preName]}`).type('form')
    .send({ _csrf: hiddenField(form.text, '_csrf')!, name, password: TEST_PASSWORD });
}

describe('console team', () => {
  it('an owner invites a viewer: the link is shown once, works once, and makes a viewer', T, async () => {
    const { tenantId, members: [owner] } = await org('owner');
    const email = `new-viewer-${ctx.id}@example.test`;
    const { token } = await invite(owner!.client, email, 'viewer');

    const team = await owner!.client.get('/console/team').expect(200);
    assert.match(team.text, new RegExp(email.replace(/[.]/g, '\\.')), 'the open invitation is listed');
    assert.ok(!team.text.includes(token), 'the link is not shown again');

    await ctx.http(rt).get(`/console/invitations/${token}`).expect(200);
    const joined = await accept(token, 'New Viewer');
    assert.equal(joined.status, 303, joined.text.slice(0, 300));
    assert.equal(joined.headers.location, '/console/sign-in?notice=joined');
    await ctx.http(rt).get(`/console/invitations/${token}`).expect(404);

    const user = await rt.db('users').where({ email }).first();
    assert.equal(user.tenant_id, tenantId);
    assert.equal(user.role, 'viewer');
    const created = await audit(tenantId, 'invitation.created');
    assert.equal(created.length, 1);
    assert.equal(created[0].actor, `user:${owner!.user.id}`);
    const accepted = await audit(tenantId, 'invitation.accepted');
    assert.equal(accepted.length, 1);
    assert.equal(accepted[0].actor, `user:${user.id}`);

    // The viewer sees the team without controls, and every team change is refused server-side.
    const viewer = await signIn(ctx, rt, email);
    const page = await viewer.get('/console/team').expect(200);
    assert.match(page.text, /New Viewer/);
    assert.doesNotMatch(page.text, /action="\/console\/team/, 'no team form for a viewer');
    const invitationId = String(created[0].target_id);
    for (const [path, form] of [
      ['/console/team/invitations', { email: `x-${ctx.id}@example.test`, role: 'viewer' }],
      [`/console/team/invitations/${invitationId}/revoke`, {}],
      [`/console/team/users/${owner!.user.id}/role`, { role: 'viewer' }],
      [`/console/team/users/${owner!.user.id}/remove`, {}],
    ] as const) {
      const res = await viewer.post(path, form);
      assert.equal(res.status, 403, `${path}: ${res.text.slice(0, 200)}`);
    }
    assert.equal((await rt.db('users').where({ id: owner!.user.id }).first()).role, 'owner');
  });

  it('an admin sees no controls for owners and cannot make, demote or remove one (403)', T, async () => {
    const { members: [owner, admin, operator] } = await org('owner', 'admin', 'operator');
    const page = await admin!.client.get('/console/team').expect(200);
    assert.ok(!page.text.includes(`/console/team/users/${owner!.user.id}/`), 'no control acts on the owner');
    assert.ok(page.text.includes(`/console/team/users/${operator!.user.id}/role`), 'the operator can be changed');
    assert.doesNotMatch(page.text, /<option value="owner"/, 'owner is not offered');

    for (const [path, form] of [
      [`/console/team/users/${owner!.user.id}/role`, { role: 'viewer' }],
      [`/console/team/users/${owner!.user.id}/remove`, {}],
      [`/console/team/users/${operator!.user.id}/role`, { role: 'owner' }],
      ['/console/team/invitations', { email: `owner-${ctx.id}@example.test`, role: 'owner' }],
    ] as const) {
      const res = await admin!.client.post(path, form);
      assert.equal(res.status, 403, `${path}: ${res.text.slice(0, 200)}`);
      assert.match(res.text, /Your role cannot/);
    }
    assert.equal((await rt.db('users').where({ id: operator!.user.id }).first()).role, 'operator');
  });

  it('the last owner can be neither demoted nor removed (409 on the team page)', T, async () => {
    const { tenantId, members: [owner] } = await org('owner');
    for (const [path, form] of [[`/console/team/users/${owner!.user.id}/role`, { role: 'admin' }], [`/console/team/users/${owner!.user.id}/remove`, {}]] as const) {
      const res = await owner!.client.post(path, form);
      assert.equal(res.status, 409, res.text.slice(0, 300));
      assert.match(res.text, /at least one owner/);
      assert.match(res.text, /<h1>Team<\/h1>/);
    }
    assert.equal((await audit(tenantId, 'user.role_changed')).length, 0);
  });

  it('a role change ends the member’s sessions and is audited', T, async () => {
    const { tenantId, members: [owner, operator] } = await org('owner', 'operator');
    await operator!.client.get('/console/team').expect(200);
    const res = await owner!.client.post(`/console/team/users/${operator!.user.id}/role`, { role: 'viewer' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/console/team?notice=role-changed');
    assert.match((await owner!.client.get(res.headers.location).expect(200)).text, /The role was changed/);

    const next = await operator!.client.get('/console/team');
    assert.equal(next.status, 303);
    assert.match(next.headers.location!, /^\/console\/sign-in\?next=/);
    const rows = await audit(tenantId, 'user.role_changed');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actor, `user:${owner!.user.id}`);
    assert.equal(rows[0].target_id, operator!.user.id);
    const again = await signIn(ctx, rt, operator!.user.email);
    assert.doesNotMatch((await again.get('/console/team').expect(200)).text, /action="\/console\/team/);
  });

  it('removal signs the member out and frees the e-mail address for a new invitation', T, async () => {
    const { tenantId, members: [owner, developer] } = await org('owner', 'developer');
    const taken = await owner!.client.post('/console/team/invitations', { email: developer!.user.email, role: 'viewer' });
    assert.equal(taken.status, 409);
    assert.match(taken.text, /already exists/);

    const res = await owner!.client.post(`/console/team/users/${developer!.user.id}/remove`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/console/team?notice=member-removed');
    assert.equal((await developer!.client.get('/console/team')).status, 303);
    const page = await owner!.client.get('/console/team').expect(200);
    assert.ok(!page.text.includes(developer!.user.email), 'no longer listed');
    const rows = await audit(tenantId, 'user.removed');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actor, `user:${owner!.user.id}`);
    await invite(owner!.client, developer!.user.email, 'developer');
  });

  it('revoking an invitation kills its link; another tenant’s members and invitations answer 404', T, async () => {
    const { tenantId, members: [owner] } = await org('owner');
    const { token } = await invite(owner!.client, `revoked-${ctx.id}@example.test`, 'operator');
    const [row] = await audit(tenantId, 'invitation.created');
    const res = await owner!.client.post(`/console/team/invitations/${row.target_id}/revoke`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/console/team?notice=invitation-revoked');
    await ctx.http(rt).get(`/console/invitations/${token}`).expect(404);
    assert.equal((await audit(tenantId, 'invitation.revoked')).length, 1);

    const other = await org('owner', 'viewer');
    const [otherOwner, otherViewer] = other.members;
    await invite(otherOwner!.client, `theirs-${ctx.id}@example.test`, 'viewer');
    const [theirs] = await audit(other.tenantId, 'invitation.created');
    for (const [path, form] of [
      [`/console/team/users/${otherViewer!.user.id}/role`, { role: 'admin' }],
      [`/console/team/users/${otherViewer!.user.id}/remove`, {}],
      [`/console/team/invitations/${theirs.target_id}/revoke`, {}],
    ] as const) {
      const r = await owner!.client.post(path, form);
      assert.equal(r.status, 404, `${path}: ${r.text.slice(0, 200)}`);
    }
    assert.equal((await rt.db('users').where({ id: otherViewer!.user.id }).first()).role, 'viewer');
    assert.equal((await audit(other.tenantId, 'invitation.revoked')).length, 0);
  });

  it('bad input re-renders the team page with 400', T, async () => {
    const { members: [owner] } = await org('owner');
    const bad = await owner!.client.post('/console/team/invitations', { email: 'not-an-address', role: 'viewer' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /valid e-mail/);
    assert.match(bad.text, /value="not-an-address"/, 'what was typed is kept');
    const role = await owner!.client.post('/console/team/invitations', { email: `r-${ctx.id}@example.test`, role: 'superuser' });
    assert.equal(role.status, 400);
  });
});
