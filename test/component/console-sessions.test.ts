import { accountBucket } from '../../src/users/sign-in-throttle.js';
import { signInThrottleSecret } from '../../src/console/console-services.js';
import { loadConfig } from '../../src/config.js';
// Console sessions against the real MySQL and Redis: idle and absolute expiry (time moved in MySQL),
// sign-out, sign out everywhere, sessions ended by a role change or removal, and TOTP (enrolment,
// the half session, a new token, single-use codes, the throttle).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generate } from 'otplib';
import type { Runtime } from '../../src/runtime.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { createTeamService, type TeamService } from '../../src/users/team-service.js';
import { findUser } from '../../src/users/user-store.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { cookiesOf, createConsoleUser, hiddenField, signIn, TEST_PASSWORD, type ConsoleClient } from '../helpers/console-client.js';

let ctx: TestContext;
let rt: Runtime;
let tenantId: string;
let team: TeamService;
const secrets: string[] = [TEST_PASSWORD];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const tokenOf = (c: ConsoleClient | string) => (typeof c === 'string' ? c : c.cookie).split('=')[1]!;
const sessionRow = (c: ConsoleClient | string) => rt.db('user_sessions').where({ token_hash: sha256(tokenOf(c)) }).first();
const audits = (action: string, targetId: string) => rt.db('audit_log').where({ action, target_id: targetId }).orderBy('id');
const userOf = async (id: string) => (await findUser(rt.db, tenantId, id))!;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  ({ tenantId } = await ctx.createTenant('Console Sessions'));
  const config = ctx.config();
  team = createTeamService({ db: rt.db, invitationMs: config.console.invitationMs });
});
after(() => ctx.close());

async function client(email: string): Promise<ConsoleClient> {
  const c = await signIn(ctx, rt, email);
  secrets.push(tokenOf(c));
  return c;
}

/** A page request sent to sign in (303 to /console/sign-in…), never a page. */
function assertSignedOut(res: { status: number; headers: Record<string, string> }, what: string) {
  assert.equal(res.status, 303, `${what}: ${res.status}`);
  assert.match(res.headers.location!, /^\/console\/sign-in(\?|$)/, what);
}

describe('console session expiry', () => {
  it('idle: a session seen within CONSOLE_SESSION_IDLE_MINUTES works (and is touched); past it, pages go to sign-in and posts answer 401', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'viewer');
    const c = await client(user.email);
    await rt.db('user_sessions').where({ token_hash: sha256(tokenOf(c)) }).update({ last_seen_at: new Date(Date.now() - 20 * 60_000) });
    assert.equal((await c.get('/console')).status, 200);
    const touched = await sessionRow(c);
    assert.ok(Date.now() - touched.last_seen_at.getTime() < 60_000, 'last_seen_at moved to now');

    await rt.db('user_sessions').where({ token_hash: sha256(tokenOf(c)) }).update({ last_seen_at: new Date(Date.now() - 31 * 60_000) });
    const res = await c.get('/console/account');
    assertSignedOut(res, 'idle');
    assert.equal(res.headers.location, '/console/sign-in?next=%2Fconsole%2Faccount');
    assert.equal((await c.post('/console/mode', { livemode: 'true' })).status, 401);
    assert.equal((await sessionRow(c)).livemode, 0);
  });

  it('absolute: past expires_at the session is over however recently it was used', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'viewer');
    const c = await client(user.email);
    const row = await sessionRow(c);
    const lifetime = row.expires_at.getTime() - row.created_at.getTime();
    assert.ok(Math.abs(lifetime - 12 * 3_600_000) < 1000, `CONSOLE_SESSION_MAX_HOURS (12 h): ${lifetime} ms`);
    await rt.db('user_sessions').where({ token_hash: row.token_hash }).update({ expires_at: new Date(Date.now() - 1000), last_seen_at: new Date() });
    assertSignedOut(await c.get('/console'), 'expired');
  });
});

describe('console sign-out', () => {
  it('sign out revokes the row, clears the cookie and the old cookie no longer works', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const c = await client(user.email);
    const res = await c.post('/console/sign-out');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/console/sign-in?notice=signed-out');
    assert.ok((res.headers['set-cookie'] as unknown as string[]).some((s) => /^pv_session=;.*Max-Age=0/i.test(s)), 'cookie cleared');
    const row = await sessionRow(c);
    assert.ok(row.revoked_at, 'revoked_at set');
    assert.equal((await audits('user.signed_out', row.id))[0]?.actor, `user:${user.id}`);
    assertSignedOut(await c.get('/console'), 'after sign-out');
    assert.equal((await c.post('/console/sign-out')).status, 401, 'the old cookie signs nothing out');
  });

  it('sign out everywhere revokes every session of the user (two clients), and only theirs', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'admin');
    const other = await createConsoleUser(ctx, rt, tenantId, 'admin');
    const [a, b, c] = [await client(user.email), await client(user.email), await client(other.email)];
    const res = await a.post('/console/account/sign-out-everywhere');
    assert.equal(res.status, 303);
    const rows = await rt.db('user_sessions').where({ user_id: user.id });
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.revoked_at), 'both revoked');
    assertSignedOut(await a.get('/console'), 'this client');
    assertSignedOut(await b.get('/console'), 'the other client');
    assert.equal((await c.get('/console')).status, 200, "another user's session is untouched");
    const [entry] = await audits('user.signed_out_everywhere', user.id);
    assert.deepEqual(typeof entry.details === 'string' ? JSON.parse(entry.details) : entry.details, { sessions: 2 });
  });
});

describe('console sessions end with a role change or removal', () => {
  it("a role change ends the member's sessions (not the actor's); the new role applies at the next sign-in", async () => {
    const owner = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const member = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const [o, m1, m2] = [await client(owner.email), await client(member.email), await client(member.email)];
    await team.changeRole(await userOf(owner.id), member.id, 'viewer', 'req_role_change');
    assertSignedOut(await m1.get('/console'), 'member client 1');
    assertSignedOut(await m2.get('/console'), 'member client 2');
    assert.ok((await rt.db('user_sessions').where({ user_id: member.id })).every((r) => r.revoked_at));
    assert.equal((await o.get('/console')).status, 200);
    const again = await client(member.email);
    assert.match((await again.get('/console')).text, /Test operator · viewer/);
    assert.equal((await audits('user.role_changed', member.id))[0]?.actor, `user:${owner.id}`);
  });

  it('an admin cannot demote an owner, and the last owner stays an owner; neither attempt ends a session', async () => {
    const { tenantId: lone } = await ctx.createTenant('Lone owner');
    const owner = await createConsoleUser(ctx, rt, lone, 'owner');
    const admin = await createConsoleUser(ctx, rt, lone, 'admin');
    const o = await client(owner.email);
    const adminUser = (await findUser(rt.db, lone, admin.id))!;
    const ownerUser = (await findUser(rt.db, lone, owner.id))!;
    await assert.rejects(team.changeRole(adminUser, owner.id, 'viewer', 'r1'), { code: 'console.forbidden' });
    await assert.rejects(team.removeUser(adminUser, owner.id, 'r2'), { code: 'console.forbidden' });
    await assert.rejects(team.changeRole(ownerUser, owner.id, 'admin', 'r3'), { code: 'console.last_owner' });
    await assert.rejects(team.removeUser(ownerUser, owner.id, 'r4'), { code: 'console.last_owner' });
    assert.equal((await o.get('/console')).status, 200);
    assert.equal((await rt.db('users').where({ id: owner.id }).first()).role, 'owner');
  });

  it("removal ends the member's sessions, frees the address, and a removed user's session never works again", async () => {
    const owner = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const member = await createConsoleUser(ctx, rt, tenantId, 'developer');
    const m = await client(member.email);
    await team.removeUser(await userOf(owner.id), member.id, 'req_remove');
    assertSignedOut(await m.get('/console'), 'removed member');
    const row = await rt.db('users').where({ id: member.id }).first();
    assert.equal(row.status, 'removed');
    assert.notEqual(row.email, member.email);
    assert.ok((await sessionRow(m)).revoked_at);
    // Even a session row that escaped revocation is refused: the user is checked on every request.
    await rt.db('user_sessions').where({ token_hash: sha256(tokenOf(m)) }).update({ revoked_at: null });
    assertSignedOut(await m.get('/console'), 'un-revoked row of a removed user');
    const page = await ctx.http(rt).get('/console/sign-in');
    const pre = cookiesOf(page.headers).pv_pre!;
    const again = await ctx.http(rt).post('/console/sign-in').set('Cookie', `pv_pre=${pre}`).type('form')
      .send({ _csrf: hiddenField(page.text, '_csrf')!, email: member.email, password: TEST_PASSWORD });
    assert.equal(again.status, 401, 'the removed user cannot sign in');
  });
});

describe('console TOTP', () => {
  let user: Awaited<ReturnType<typeof createConsoleUser>>;
  let secret: string;
  const acctKey = () => `${ctx.env.QUEUE_PREFIX}:signin:acct:${accountBucket(signInThrottleSecret(loadConfig({ ...ctx.env })), user.email)}`;
  /**
   * The code of the current time step, made unused: the last accepted step is moved one step back in
   * MySQL (as the expiry tests move time) rather than waiting 30 s for a fresh code.
   */
  const nextCode = async () => {
    const step = Math.floor(Date.now() / 30_000);
    await rt.db('users').where({ id: user.id }).update({ totp_last_step: step - 1 });
    return generate({ secret, epoch: step * 30 });
  };
  /** A 6-digit code no step near now accepts. */
  const wrongCode = async () => {
    const now = Math.floor(Date.now() / 1000);
    const near = new Set(await Promise.all([-60, -30, 0, 30, 60].map((d) => generate({ secret, epoch: now + d }))));
    return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !near.has(c))!;
  };

  /** The password step: the half session's cookie and where it was sent. */
  async function passwordStep(): Promise<{ half: string; location: string }> {
    const page = await ctx.http(rt).get('/console/sign-in');
    const res = await ctx.http(rt).post('/console/sign-in').set('Cookie', `pv_pre=${cookiesOf(page.headers).pv_pre}`).type('form')
      .send({ _csrf: hiddenField(page.text, '_csrf')!, next: '/console/account', email: user.email, password: TEST_PASSWORD });
    assert.equal(res.status, 303, res.text.slice(0, 200));
    const half = `pv_session=${cookiesOf(res.headers).pv_session}`;
    secrets.push(tokenOf(half));
    return { half, location: res.headers.location! };
  }
  async function codeStep(half: string, code: string, withPre = true) {
    const page = await ctx.http(rt).get('/console/sign-in/totp').set('Cookie', half).expect(200);
    const cookie = withPre ? `${half}; pv_pre=${cookiesOf(page.headers).pv_pre}` : half;
    return ctx.http(rt).post('/console/sign-in/totp').set('Cookie', cookie).type('form').send({ _csrf: hiddenField(page.text, '_csrf')!, next: '/console/account', code });
  }

  it('enrolment: set-up shows a secret (stored encrypted); a wrong code does not turn TOTP on, a generated one does', async () => {
    user = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const c = await client(user.email);
    // The password is asked again: a session alone cannot enrol someone else's authenticator.
    const noPassword = await c.post('/console/account/totp/setup', { password: 'not the password' });
    assert.equal(noPassword.status, 401);
    assert.equal((await audits('user.password_check_failed', user.id)).length, 1);
    assert.equal((await rt.db('users').where({ id: user.id }).first()).totp_ciphertext, null);
    const setup = await c.post('/console/account/totp/setup', { password: TEST_PASSWORD });
    assert.equal(setup.status, 200);
    secret = /data-testid="totp-secret">([A-Z2-7]{16,})</.exec(setup.text)?.[1] ?? '';
    assert.ok(secret, 'the secret is shown');
    secrets.push(secret);
    let row = await rt.db('users').where({ id: user.id }).first();
    assert.ok(row.totp_ciphertext && !row.totp_ciphertext.includes(secret), 'stored, not in clear');
    assert.equal(row.totp_enabled, 0);

    const wrong = await c.post('/console/account/totp/confirm', { code: await wrongCode() });
    assert.equal(wrong.status, 401);
    assert.equal((await rt.db('users').where({ id: user.id }).first()).totp_enabled, 0, 'a wrong code turns nothing on');
    const ok = await c.post('/console/account/totp/confirm', { code: await generate({ secret }) });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/console/account?notice=totp-on');
    row = await rt.db('users').where({ id: user.id }).first();
    assert.equal(row.totp_enabled, 1);
    assert.ok(row.totp_last_step > 0, 'the confirming code is used up');
    assert.equal((await audits('user.totp_enabled', user.id))[0]?.actor, `user:${user.id}`);
    assert.equal((await c.post('/console/account/totp/setup', { password: TEST_PASSWORD })).status, 400, 'no second set-up while on');
    assert.equal((await audits('user.totp_failed', user.id)).length, 1, 'the wrong confirmation code is audited');
  });

  it('the password alone opens a half session that cannot open any page', async () => {
    const { half, location } = await passwordStep();
    assert.equal(location, '/console/sign-in/totp?next=%2Fconsole%2Faccount');
    const row = await sessionRow(half);
    assert.equal(row.stage, 'password');
    assert.ok(row.expires_at.getTime() - Date.now() <= 5 * 60_000, 'the half session lives minutes');
    for (const path of ['/console', '/console/account']) {
      const res = await ctx.http(rt).get(path).set('Cookie', half);
      assertSignedOut(res, `${path} with a half session`);
    }
    const page = await ctx.http(rt).get('/console').set('Cookie', half);
    assert.doesNotMatch(page.text, /csrf-token/);
    assert.equal((await ctx.http(rt).post('/console/account/totp/disable').set('Cookie', half).type('form').send({})).status, 401);
    assert.equal((await codeStep(half, await nextCode(), false)).status, 403, 'the code form has its own login-CSRF cookie');
  });

  it('a wrong code is refused and counted; a right one completes with a new token and the half token stops working', async () => {
    // The enrolment's refused password and code are still counted; this test counts from here.
    const counted = async () => Number((await ctx.redis.get(acctKey())) ?? 0);
    const start = await counted();
    const failedBefore = (await audits('user.totp_failed', user.id)).length;
    const { half } = await passwordStep();
    assert.equal(await counted(), start, 'the right password counts nothing');
    const wrong = await codeStep(half, await wrongCode());
    assert.equal(wrong.status, 401);
    assert.equal(await counted(), start + 1, 'the wrong code is counted against the account');
    assert.equal((await audits('user.totp_failed', user.id)).length, failedBefore + 1);

    const done = await codeStep(half, await nextCode());
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, '/console/account');
    const full = `pv_session=${cookiesOf(done.headers).pv_session}`;
    secrets.push(tokenOf(full));
    assert.notEqual(tokenOf(full), tokenOf(half), 'a new token');
    assert.ok((await sessionRow(half)).revoked_at, 'the half session is revoked');
    const fullRow = await sessionRow(full);
    assert.equal(fullRow.stage, 'active');
    assert.equal((await audits('user.signed_in', fullRow.id))[0]?.actor, `user:${user.id}`, 'the full sign-in is audited');
    assert.equal((await audits('user.signed_in', (await sessionRow(half)).id)).length, 0, 'the password step alone is not a sign-in');
    assert.equal((await ctx.http(rt).get('/console/account').set('Cookie', full)).status, 200);
    assertSignedOut(await ctx.http(rt).get('/console/account').set('Cookie', half), 'the half token');
    assert.equal(await ctx.redis.get(acctKey()), null, 'a full sign-in clears the account count');
    const again = await codeStep(half, await nextCode());
    assert.equal(again.status, 303);
    assert.equal(again.headers.location, '/console/sign-in?notice=expired', 'the spent half session completes nothing');
  });

  it('a code is accepted once: reused in a new sign-in it is refused', async () => {
    const { half: first } = await passwordStep();
    const code = await nextCode();
    assert.equal((await codeStep(first, code)).status, 303);
    const { half: second } = await passwordStep();
    const reused = await codeStep(second, code);
    assert.equal(reused.status, 401);
    assert.match(reused.text, /already used/);
    assert.equal((await sessionRow(second)).stage, 'password');
  });

  it('turning TOTP off (audited) makes the password enough again', async () => {
    const { half } = await passwordStep();
    const done = await codeStep(half, await nextCode());
    const full = `pv_session=${cookiesOf(done.headers).pv_session}`;
    secrets.push(tokenOf(full));
    const home = await ctx.http(rt).get('/console').set('Cookie', full);
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(home.text)![1]!;
    // The session alone is not enough: a wrong code leaves it on.
    const refused = await ctx.http(rt).post('/console/account/totp/disable').set('Cookie', full).type('form').send({ _csrf: csrf, code: await wrongCode() });
    assert.equal(refused.status, 401);
    assert.equal((await rt.db('users').where({ id: user.id }).first()).totp_enabled, 1);
    const off = await ctx.http(rt).post('/console/account/totp/disable').set('Cookie', full).type('form').send({ _csrf: csrf, code: await nextCode() });
    assert.equal(off.status, 303);
    const row = await rt.db('users').where({ id: user.id }).first();
    assert.equal(row.totp_enabled, 0);
    assert.equal(row.totp_ciphertext, null);
    assert.equal((await audits('user.totp_disabled', user.id)).length, 1);
    const { location } = await passwordStep();
    assert.equal(location, '/console/account');
  });

  it('the logs never carry a session token, the TOTP secret or a password', () => {
    const logs = ctx.logs.text();
    assert.ok(logs.includes('/console/sign-in/totp'));
    for (const s of secrets) assert.ok(!logs.includes(s), `a secret (${s.slice(0, 4)}…) is in the logs`);
  });
});
