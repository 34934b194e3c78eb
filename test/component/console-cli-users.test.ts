// `payval users create|invite` (the real command, as a child process, on this test's database) and
// invitation links: stored only hashed, usable once, refused when expired or revoked, and a refused
// password creates nobody.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createTeamService, type TeamService } from '../../src/users/team-service.js';
import { findUser } from '../../src/users/user-store.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { cookiesOf, createConsoleUser, hiddenField, signIn, TEST_PASSWORD } from '../helpers/console-client.js';

let ctx: TestContext;
let rt: Runtime;
let tenantId: string;
let team: TeamService;
let seq = 0;
const secrets: string[] = [];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const email = (what: string) => `${what}-${ctx.id}-${++seq}@example.test`;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  ({ tenantId } = await ctx.createTenant('Console CLI'));
  const config = ctx.config();
  team = createTeamService({ db: rt.db, invitationMs: config.console.invitationMs });
});
after(() => ctx.close());

/** `payval …` on this test's database, with `stdin` written to its standard input. */
function payval(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/payval.mjs', ...args], { env: { ...process.env, ...ctx.env, LOG_LEVEL: 'silent' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** Signs in through the pages; the answer's status (303 when it worked). */
async function signInStatus(address: string, password: string): Promise<number> {
  const page = await ctx.http(rt).get('/console/sign-in');
  const res = await ctx.http(rt).post('/console/sign-in').set('Cookie', `pv_pre=${cookiesOf(page.headers).pv_pre}`).type('form')
    .send({ _csrf: hiddenField(page.text, '_csrf')!, email: address, password });
  return res.status;
}

/** Opens an invitation link and posts its form (with the page's pre-session cookie unless told not to). */
async function accept(path: string, form: { name: string; password: string }, withPre = true) {
  const page = await ctx.http(rt).get(path);
  assert.equal(page.status, 200, `the invitation page: ${page.status}`);
  const req = ctx.http(rt).post(path);
  if (withPre) req.set('Cookie', `pv_pre=${cookiesOf(page.headers).pv_pre}`);
  return req.type('form').send({ _csrf: hiddenField(page.text, '_csrf')!, ...form });
}

/** Every row of every table, as one string. */
async function dumpMysql(): Promise<string> {
  const [rows] = await rt.db.raw('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()');
  const parts: string[] = [];
  for (const { t } of rows as Array<{ t: string }>) parts.push(JSON.stringify(await rt.db(t).select()));
  return parts.join('\n');
}

describe('payval users create', () => {
  it('creates an owner with a generated password, printed once, that signs in; stored as argon2id; audited as cli', async () => {
    const address = email('cli-owner');
    const r = await payval(['users', 'create', '--tenant', tenantId, '--email', address.toUpperCase(), '--name', 'Asha Owner']);
    assert.equal(r.code, 0, r.stderr);
    const password = /^password: (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(password && password.length >= 20, r.stdout);
    secrets.push(password);
    assert.equal(r.stdout.split(password).length - 1, 1, 'the password is printed exactly once');
    assert.match(r.stdout, /shown only once/);
    const row = await rt.db('users').where({ email: address }).first();
    assert.equal(row.role, 'owner');
    assert.equal(row.name, 'Asha Owner');
    assert.match(row.password_hash, /^\$argon2id\$/);
    assert.ok(!(await dumpMysql()).includes(password), 'the password is nowhere in MySQL');
    const [entry] = await rt.db('audit_log').where({ action: 'user.created', target_id: row.id });
    assert.equal(entry.actor, 'cli');
    assert.equal(await signInStatus(address, password), 303);
    assert.equal(await signInStatus(address, `${password}x`), 401);
  });

  it('--password-stdin takes the password from standard input (never printed); --json answers one object', async () => {
    const address = email('cli-stdin');
    const password = 'a long stdin passphrase 42';
    secrets.push(password);
    const r = await payval(['users', 'create', '--tenant', tenantId, '--email', address, '--name', 'Dev', '--role', 'developer', '--password-stdin', '--json'], `${password}\n`);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['email', 'role', 'tenant_id', 'user_id']);
    assert.equal(out.role, 'developer');
    assert.ok(!r.stdout.includes(password));
    assert.equal(await signInStatus(address, password), 303, 'the trailing newline is not part of the password');
  });

  it('refuses an unknown tenant, a short password, a taken address and a bad role with non-zero exits and nobody created', async () => {
    const address = email('cli-refused');
    const noTenant = await payval(['users', 'create', '--tenant', 'ten_nope', '--email', address, '--name', 'X']);
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /No tenant ten_nope/);
    const short = await payval(['users', 'create', '--tenant', tenantId, '--email', address, '--name', 'X', '--password-stdin'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 12 characters/);
    const badRole = await payval(['users', 'create', '--tenant', tenantId, '--email', address, '--name', 'X', '--role', 'root']);
    assert.equal(badRole.code, 64);
    assert.equal(await rt.db('users').where({ email: address }).first(), undefined, 'nobody created');
    const taken = await createConsoleUser(ctx, rt, tenantId, 'viewer');
    const dup = await payval(['users', 'create', '--tenant', tenantId, '--email', taken.email, '--name', 'X']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const inviteNoTenant = await payval(['users', 'invite', '--tenant', 'ten_nope', '--email', address, '--role', 'viewer']);
    assert.equal(inviteNoTenant.code, 1, 'invite to an unknown tenant fails');
    assert.equal(inviteNoTenant.stderr, 'payval: No tenant ten_nope.\n', 'a message, not a crash');
    assert.equal(await rt.db('user_invitations').where({ email: address }).first(), undefined);
  });
});

describe('payval users invite and invitation links', () => {
  it('`users invite --role viewer` prints a link, stored only hashed, that makes a viewer once', async () => {
    const address = email('cli-invitee');
    const r = await payval(['users', 'invite', '--tenant', tenantId, '--email', address, '--role', 'viewer', '--base-url', 'https://console.example/']);
    assert.equal(r.code, 0, r.stderr);
    const link = /^(https:\/\/console\.example\/console\/invitations\/\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(link, r.stdout);
    const path = new URL(link).pathname;
    const token = path.split('/').pop()!;
    secrets.push(token);
    const inv = await rt.db('user_invitations').where({ email: address }).first();
    assert.equal(inv.token_hash, sha256(token));
    assert.equal(inv.role, 'viewer');
    assert.equal(inv.created_by, 'cli');
    assert.ok(!(await dumpMysql()).includes(token), 'the token is nowhere in MySQL');

    const page = await ctx.http(rt).get(path);
    assert.match(page.text, /invited as <strong>viewer<\/strong>/);
    const password = 'invited viewer passphrase';
    secrets.push(password);
    const res = await accept(path, { name: 'Vera Viewer', password });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/console/sign-in?notice=joined');
    const user = await rt.db('users').where({ email: address }).first();
    assert.equal(user.role, 'viewer');
    assert.equal(user.tenant_id, tenantId);
    assert.ok((await rt.db('user_invitations').where({ id: inv.id }).first()).accepted_at);
    assert.equal((await rt.db('audit_log').where({ action: 'invitation.accepted', target_id: inv.id }).first()).actor, `user:${user.id}`);
    assert.equal(await signInStatus(address, password), 303);

    assert.equal((await ctx.http(rt).get(path)).status, 404, 'used: the link is gone');
    const again = await ctx.http(rt).post(path).type('form').send({ name: 'Mallory', password: 'another passphrase!' });
    assert.equal(again.status, 404);
    assert.equal((await rt.db('users').where({ email: address })).length, 1);
  });

  it('an expired or revoked invitation answers 404 and creates nobody', async () => {
    const owner = (await findUser(rt.db, tenantId, (await createConsoleUser(ctx, rt, tenantId, 'owner')).id))!;
    const expired = await team.invite(owner, email('expired'), 'operator', 'req_inv_1');
    const revoked = await team.invite(owner, email('revoked'), 'operator', 'req_inv_2');
    secrets.push(expired.token, revoked.token);
    const pages = await Promise.all([expired, revoked].map((i) => ctx.http(rt).get(`/console/invitations/${i.token}`)));
    const pre = pages.map((p) => ({ cookie: `pv_pre=${cookiesOf(p.headers).pv_pre}`, csrf: hiddenField(p.text, '_csrf')! }));
    await rt.db('user_invitations').where({ id: expired.invitation.id }).update({ expires_at: new Date(Date.now() - 1000) });
    await team.revokeInvitation(owner, revoked.invitation.id, 'req_inv_3');
    for (const [i, inv] of [expired, revoked].entries()) {
      const path = `/console/invitations/${inv.token}`;
      assert.equal((await ctx.http(rt).get(path)).status, 404, `${path} GET`);
      const post = await ctx.http(rt).post(path).set('Cookie', pre[i]!.cookie).type('form').send({ _csrf: pre[i]!.csrf, name: 'Late', password: 'a good long passphrase' });
      assert.equal(post.status, 404, `${path} POST`);
      assert.equal(await rt.db('users').where({ email: inv.invitation.email }).first(), undefined);
    }
    assert.equal((await ctx.http(rt).get('/console/invitations/not-a-token')).status, 404);
    await assert.rejects(team.revokeInvitation(owner, revoked.invitation.id, 'r'), { code: 'console.invitation_invalid' }, 'revoked once');
  });

  it('a too-short password re-renders the form with 400 and creates nobody; the link still works; login CSRF is refused', async () => {
    const owner = (await findUser(rt.db, tenantId, (await createConsoleUser(ctx, rt, tenantId, 'owner')).id))!;
    const { invitation, token } = await team.invite(owner, email('short'), 'developer', 'req_inv_4');
    secrets.push(token);
    const path = `/console/invitations/${token}`;
    const short = await accept(path, { name: 'Sam', password: 'too short' });
    assert.equal(short.status, 400);
    assert.match(short.text, /at least 12 characters/);
    assert.match(short.text, /Create my account/, 'the form is shown again');
    const noPre = await accept(path, { name: 'Sam', password: 'a good long passphrase' }, false);
    assert.equal(noPre.status, 403, 'without the pre-session cookie');
    assert.equal(await rt.db('users').where({ email: invitation.email }).first(), undefined, 'nobody created');
    assert.equal((await rt.db('user_invitations').where({ id: invitation.id }).first()).accepted_at, null);
    const ok = await accept(path, { name: 'Sam', password: 'a good long passphrase' });
    assert.equal(ok.status, 303);
    assert.equal((await rt.db('users').where({ email: invitation.email }).first()).role, 'developer');
  });

  it('who may invite: an admin not an owner, a viewer nobody; an address in use cannot be invited', async () => {
    const admin = (await findUser(rt.db, tenantId, (await createConsoleUser(ctx, rt, tenantId, 'admin')).id))!;
    const viewer = (await findUser(rt.db, tenantId, (await createConsoleUser(ctx, rt, tenantId, 'viewer')).id))!;
    await assert.rejects(team.invite(admin, email('x'), 'owner', 'r'), { code: 'console.forbidden' });
    await assert.rejects(team.invite(viewer, email('x'), 'viewer', 'r'), { code: 'console.forbidden' });
    await assert.rejects(team.invite(admin, viewer.email, 'operator', 'r'), { code: 'console.email_taken' });
    const ok = await team.invite(admin, email('by-admin'), 'admin', 'r');
    secrets.push(ok.token);
    assert.equal(ok.invitation.createdBy, `user:${admin.id}`);
  });

  it('the logs carry no password', () => {
    const logs = ctx.logs.text();
    for (const s of secrets.filter((x) => x.includes(' ') || x.length === 20)) assert.ok(!logs.includes(s), `a password (${s.slice(0, 4)}…) is in the logs`);
  });

  // The access log writes request paths; scrubUrlPath hides an invitation link's token.
  it('the logs carry no invitation token', () => {
    const logs = ctx.logs.text();
    for (const s of secrets.filter((x) => /^[A-Za-z0-9_-]{43}$/.test(x))) assert.ok(!logs.includes(s), `an invitation token (${s.slice(0, 4)}…) is in the logs`);
  });
});

describe('resets: a forgotten password and a lost authenticator', () => {
  it('a member changes their own password: the current one first, every other session ends, audited', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const here = await signIn(ctx, rt, user.email);
    const elsewhere = await signIn(ctx, rt, user.email);
    const wrong = await here.post('/console/account/password', { current_password: 'not the password', new_password: 'a brand new long password' });
    assert.equal(wrong.status, 401);
    const changed = await here.post('/console/account/password', { current_password: TEST_PASSWORD, new_password: 'a brand new long password' });
    assert.equal(changed.status, 303);
    assert.equal(changed.headers.location, '/console/account?notice=password-changed');
    assert.equal((await here.get('/console/account')).status, 200, 'this session stays');
    assert.equal((await elsewhere.get('/console/account')).status, 303, 'the other session ended');
    assert.equal(await signInStatus(user.email, TEST_PASSWORD), 401);
    assert.equal(await signInStatus(user.email, 'a brand new long password'), 303);
    secrets.push('a brand new long password');
    const audit = await rt.db('audit_log').where({ target_id: user.id }).whereIn('action', ['user.password_check_failed', 'user.password_changed']).pluck('action');
    assert.deepEqual(audit.sort(), ['user.password_changed', 'user.password_check_failed']);
  });

  it('an admin resets a member’s two-step sign-in from the team page; a viewer cannot', async () => {
    const member = await createConsoleUser(ctx, rt, tenantId, 'operator');
    await rt.db('users').where({ id: member.id }).update({ totp_enabled: true, totp_ciphertext: 'x', totp_last_step: 1 });
    const memberSession = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'viewer')).email);
    assert.equal((await memberSession.post(`/console/team/users/${member.id}/reset-totp`)).status, 403);
    const admin = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, tenantId, 'admin')).email);
    assert.match((await admin.get('/console/team')).text, new RegExp(`/console/team/users/${member.id}/reset-totp`));
    const reset = await admin.post(`/console/team/users/${member.id}/reset-totp`);
    assert.equal(reset.status, 303);
    const row = await rt.db('users').where({ id: member.id }).first();
    assert.deepEqual([row.totp_enabled, row.totp_ciphertext], [0, null]);
    assert.equal((await rt.db('audit_log').where({ target_id: member.id, action: 'user.totp_reset' }).first()).actor.startsWith('user:'), true);
  });

  it('`payval users reset-password` prints a new password once and ends every session; `reset-totp` turns two-step off', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const session = await signIn(ctx, rt, user.email);
    const r = await payval(['users', 'reset-password', '--email', user.email, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { password } = JSON.parse(r.stdout) as { password: string };
    secrets.push(password);
    assert.equal((await session.get('/console')).status, 303, 'the session ended');
    assert.equal(await signInStatus(user.email, TEST_PASSWORD), 401);
    assert.equal(await signInStatus(user.email, password), 303);
    await rt.db('users').where({ id: user.id }).update({ totp_enabled: true, totp_ciphertext: 'x' });
    const t = await payval(['users', 'reset-totp', '--email', user.email]);
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await rt.db('users').where({ id: user.id }).first()).totp_enabled, 0);
    const unknown = await payval(['users', 'reset-totp', '--email', `nobody-${ctx.id}@example.test`]);
    assert.equal(unknown.code, 1);
    assert.deepEqual((await rt.db('audit_log').where({ target_id: user.id, actor: 'cli' }).whereIn('action', ['user.password_reset', 'user.totp_reset']).pluck('action')).sort(), ['user.password_reset', 'user.totp_reset']);
  });
});
