import { accountBucket } from '../../src/users/sign-in-throttle.js';
import { signInThrottleSecret } from '../../src/console/console-services.js';
import { loadConfig } from '../../src/config.js';
// Console sign-in against the real MySQL and Redis: cookies, what is stored, the same answer for a
// wrong password and an unknown address, the per-account and per-address throttle, and CSRF (login
// CSRF included). Sessions, TOTP and invitations: console-sessions and console-cli-users.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { cookiesOf, createConsoleUser, hiddenField, signIn, TEST_PASSWORD, type ConsoleClient } from '../helpers/console-client.js';

let ctx: TestContext;
let rt: Runtime;
let tenantId: string;
/** Every secret a test saw: none may reach the logs. */
const secrets: string[] = [TEST_PASSWORD];

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api', TRUST_PROXY: 'loopback' });
  ({ tenantId } = await ctx.createTenant('Console Auth'));
});
after(() => ctx.close());

/** A sign-in page's pre-session cookie and the token its form echoes. */
async function preSession(r: Runtime, address?: string) {
  const req = ctx.http(r).get('/console/sign-in');
  if (address) req.set('X-Forwarded-For', address);
  const page = await req.expect(200);
  const jar = cookiesOf(page.headers);
  const name = Object.keys(jar).find((k) => k.endsWith('pv_pre'))!;
  return { cookie: `${name}=${jar[name]}`, csrf: hiddenField(page.text, '_csrf')! };
}

/** The whole form post, as a browser sends it (unless a part is left out on purpose). */
async function postSignIn(r: Runtime, email: string, password: string, o: { address?: string; cookie?: string | null; csrf?: string | null; headers?: Record<string, string> } = {}) {
  const pre = await preSession(r, o.address);
  const req = ctx.http(r).post('/console/sign-in');
  if (o.address) req.set('X-Forwarded-For', o.address);
  const cookie = o.cookie === undefined ? pre.cookie : o.cookie;
  if (cookie !== null) req.set('Cookie', cookie);
  for (const [k, v] of Object.entries(o.headers ?? {})) req.set(k, v);
  const form: Record<string, string> = { next: '/console', email, password };
  const csrf = o.csrf === undefined ? pre.csrf : o.csrf;
  if (csrf !== null) form._csrf = csrf;
  return req.type('form').send(form);
}

const setCookies = (headers: Record<string, unknown>): string[] => {
  const raw = headers['set-cookie'];
  return Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
};
const errorText = (text: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(text)?.[1];
const auditOf = (action: string) => rt.db('audit_log').where({ tenant_id: tenantId, action }).orderBy('id');

/** Every row of every table of this test database, as one string. */
async function dumpMysql(): Promise<string> {
  const [rows] = await rt.db.raw('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()');
  const parts: string[] = [];
  for (const { t } of rows as Array<{ t: string }>) parts.push(JSON.stringify(await rt.db(t).select()));
  return parts.join('\n');
}

describe('console sign-in', () => {
  it('the right password: 303, an HttpOnly SameSite=Strict cookie (not Secure over plain HTTP), only its SHA-256 in MySQL, an argon2id hash, an audit entry', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const res = await postSignIn(rt, user.email.toUpperCase(), TEST_PASSWORD);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/console');
    const cookie = setCookies(res.headers).find((c) => c.startsWith('pv_session='))!;
    assert.ok(cookie, 'a session cookie');
    assert.match(cookie, /; HttpOnly/i);
    assert.match(cookie, /; SameSite=Strict/i);
    assert.match(cookie, /; Path=\//i);
    assert.doesNotMatch(cookie, /; Secure/i);
    assert.ok(setCookies(res.headers).some((c) => /^pv_pre=;.*Max-Age=0/i.test(c)), 'the pre-session cookie is cleared');
    const token = cookiesOf(res.headers).pv_session!;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256 random bits');
    secrets.push(token);

    const rows = await rt.db('user_sessions').where({ user_id: user.id });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].token_hash, sha256(token));
    assert.equal(rows[0].stage, 'active');
    assert.equal(rows[0].revoked_at, null);
    const mysql = await dumpMysql();
    assert.ok(!mysql.includes(token), 'the session token is nowhere in MySQL');
    assert.ok(!mysql.includes(TEST_PASSWORD), 'the password is nowhere in MySQL');
    const stored = await rt.db('users').where({ id: user.id }).first();
    assert.match(stored.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(stored.last_sign_in_at, 'last_sign_in_at written');

    const home = await ctx.http(rt).get('/console').set('Cookie', `pv_session=${token}`);
    assert.equal(home.status, 200);
    const [entry] = await auditOf('user.signed_in').where({ target_id: rows[0].id });
    assert.equal(entry.actor, `user:${user.id}`);
    assert.equal(entry.target_type, 'session');
  });

  it('CONSOLE_COOKIE_SECURE=true: the cookies are __Host- prefixed and Secure, and the session works', async () => {
    const secure = await ctx.start({ ROLE: 'api', CONSOLE_COOKIE_SECURE: 'true' });
    const user = await createConsoleUser(ctx, secure, tenantId, 'viewer');
    const page = await ctx.http(secure).get('/console/sign-in').expect(200);
    assert.match(setCookies(page.headers)[0]!, /^__Host-pv_pre=[^;]+; Max-Age=1800; Path=\/; HttpOnly; Secure; SameSite=Strict$/i);
    const res = await postSignIn(secure, user.email, TEST_PASSWORD);
    assert.equal(res.status, 303);
    const cookie = setCookies(res.headers).find((c) => c.startsWith('__Host-pv_session='))!;
    assert.ok(cookie, setCookies(res.headers).join(' | '));
    for (const attr of [/; HttpOnly/i, /; Secure/i, /; SameSite=Strict/i, /; Path=\//i]) assert.match(cookie, attr);
    assert.doesNotMatch(cookie, /Domain=/i, '__Host- cookies are host-only');
    const token = cookiesOf(res.headers)['__Host-pv_session']!;
    secrets.push(token);
    assert.equal((await ctx.http(secure).get('/console').set('Cookie', `__Host-pv_session=${token}`)).status, 200);
    // The unprefixed name means nothing to a runtime that sets the prefixed one.
    assert.equal((await ctx.http(secure).get('/console').set('Cookie', `pv_session=${token}`)).status, 303);
  });

  it('a wrong password and an unknown address answer alike (401, same message, no cookie); the known account\'s failure is audited', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const wrong = await postSignIn(rt, user.email, 'not the right password');
    const unknown = await postSignIn(rt, `nobody-${ctx.id}@example.test`, 'not the right password');
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.equal(errorText(res.text), 'The e-mail address or password is not right.');
      assert.ok(!setCookies(res.headers).some((c) => /pv_session=/.test(c)), 'no session cookie');
    }
    assert.equal(hiddenField(unknown.text, 'email'), undefined);
    assert.match(wrong.text, new RegExp(`value="${user.email}"`), 'the address is kept in the form');
    assert.equal((await rt.db('user_sessions').where({ user_id: user.id })).length, 0);
    const failed = await auditOf('user.sign_in_failed').where({ target_id: user.id });
    assert.equal(failed.length, 1);
    assert.equal(failed[0].actor, `user:${user.id}`);
    assert.equal(await rt.db('audit_log').where({ action: 'user.sign_in_failed' }).whereNot({ tenant_id: tenantId }).first(), undefined);
  });
});

describe('console sign-in throttle (small limits: 3 per account, 5 per address)', () => {
  let small: Runtime;
  before(async () => {
    small = await ctx.start({ ROLE: 'api', TRUST_PROXY: 'loopback', CONSOLE_SIGN_IN_ACCOUNT_LIMIT: '3', CONSOLE_SIGN_IN_ADDRESS_LIMIT: '5', CONSOLE_SIGN_IN_WINDOW_SECONDS: '120' });
  });

  it('after 3 failures the account is refused 429 with Retry-After, even with the right password; another account from the address still signs in', async () => {
    const address = '203.0.113.10';
    const victim = await createConsoleUser(ctx, small, tenantId, 'admin');
    const other = await createConsoleUser(ctx, small, tenantId, 'viewer');
    for (let i = 0; i < 3; i++) assert.equal((await postSignIn(small, victim.email, `guess number ${i}`, { address })).status, 401);
    const refused = await postSignIn(small, victim.email, TEST_PASSWORD, { address });
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 120, `Retry-After ${refused.headers['retry-after']}`);
    assert.match(errorText(refused.text)!, /Too many failed sign-ins/);
    assert.equal((await small.db('user_sessions').where({ user_id: victim.id })).length, 0, 'no session for the throttled account');
    // From any address: the account's budget is its own.
    assert.equal((await postSignIn(small, victim.email, TEST_PASSWORD, { address: '203.0.113.11' })).status, 429);
    // The address has 3 of its 5: another account still signs in from it.
    assert.equal((await postSignIn(small, other.email, TEST_PASSWORD, { address })).status, 303);
    // Counted in Redis under a hash, never the address itself.
    const keys = await ctx.redis.keys(`${ctx.env.QUEUE_PREFIX}:signin:*`);
    assert.ok(keys.includes(`${ctx.env.QUEUE_PREFIX}:signin:acct:${accountBucket(signInThrottleSecret(loadConfig({ ...ctx.env })), victim.email)}`), keys.join(' '));
    assert.ok(!(await ctx.dumpRedis()).includes(victim.email), 'no e-mail address in Redis');
  });

  it('parallel guesses cannot outrun the count: of 12 at once, only 3 are checked', async () => {
    const victim = await createConsoleUser(ctx, small, tenantId, 'owner');
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => postSignIn(small, victim.email, `parallel guess ${i}`, { address: `203.0.113.${30 + i}` }).then((r) => r.status)));
    assert.deepEqual(statuses.filter((s) => s === 401).length, 3, statuses.join(' '));
    assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(' '));
    assert.equal((await postSignIn(small, victim.email, TEST_PASSWORD, { address: '203.0.113.29' })).status, 429);
    assert.equal((await auditOf('user.sign_in_failed').where({ target_id: victim.id })).length, 3);
  });

  it('past 5 failures from one address, every account is refused from it (and only from it)', async () => {
    const address = '203.0.113.20';
    const users = await Promise.all([0, 1, 2].map(() => createConsoleUser(ctx, small, tenantId, 'viewer')));
    // 2 + 2 + 1 failures: no account reaches its own limit of 3.
    for (const u of [users[0]!, users[0]!, users[1]!, users[1]!]) assert.equal((await postSignIn(small, u.email, 'wrong password!', { address })).status, 401);
    assert.equal((await postSignIn(small, users[2]!.email, TEST_PASSWORD, { address })).status, 303, '4 of 5: still open');
    assert.equal((await postSignIn(small, users[2]!.email, 'wrong password!', { address })).status, 401);
    for (const u of users) {
      const res = await postSignIn(small, u.email, TEST_PASSWORD, { address });
      assert.equal(res.status, 429, u.email);
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
    assert.equal((await postSignIn(small, `nobody-${ctx.id}@example.test`, 'x', { address })).status, 429, 'unknown accounts too');
    assert.equal((await postSignIn(small, users[2]!.email, TEST_PASSWORD, { address: '203.0.113.21' })).status, 303, 'another address is unaffected');
  });
});

describe('console CSRF', () => {
  let owner: Awaited<ReturnType<typeof createConsoleUser>>;
  let client: ConsoleClient;
  before(async () => {
    owner = await createConsoleUser(ctx, rt, tenantId, 'owner');
    client = await signIn(ctx, rt, owner.email);
    secrets.push(client.cookie.split('=')[1]!);
  });
  const livemode = async () => (await rt.db('user_sessions').where({ token_hash: sha256(client.cookie.split('=')[1]!) }).first()).livemode;
  const mode = (form: Record<string, string>, headers: Record<string, string> = {}) => {
    const req = ctx.http(rt).post('/console/mode').set('Cookie', client.cookie);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req.type('form').send({ livemode: 'true', ...form });
  };
  const refused = (res: { status: number; text: string }, what: string) => {
    assert.equal(res.status, 403, `${what}: ${res.status}`);
    assert.match(res.text, /<code>console\.csrf_failed<\/code>/, what);
  };

  it('a state-changing POST without the token, or with a wrong one, is refused 403 console.csrf_failed and changes nothing', async () => {
    refused(await mode({}), 'no token');
    const json = await ctx.http(rt).post('/console/mode').set('Cookie', client.cookie).set('Accept', 'application/json').type('form').send({ livemode: 'true' });
    assert.equal(json.status, 403);
    assert.equal(json.body.error.code, 'console.csrf_failed');
    refused(await mode({ _csrf: '' }), 'empty token');
    refused(await mode({ _csrf: `${client.csrf.slice(0, -1)}${client.csrf.endsWith('A') ? 'B' : 'A'}` }), 'one character off');
    refused(await mode({ _csrf: client.csrf.slice(1) }), 'too short');
    refused(await mode({ _csrf: `é${client.csrf.slice(1)}` }), 'same length, not ASCII');
    refused(await mode({}, { 'X-CSRF-Token': 'x'.repeat(client.csrf.length) }), 'wrong header');
    // Another session's token is not this session's.
    const other = await signIn(ctx, rt, owner.email);
    secrets.push(other.cookie.split('=')[1]!);
    refused(await mode({ _csrf: other.csrf }), "another session's token");
    assert.equal(await livemode(), 0, 'nothing changed');

    const signOut = await ctx.http(rt).post('/console/sign-out').set('Cookie', client.cookie).type('form').send({});
    refused(signOut, 'sign out without a token');
    assert.equal((await client.get('/console')).status, 200, 'the session still works');
  });

  it('a cross-site Origin or Sec-Fetch-Site is refused even with the right token', async () => {
    const token = { _csrf: client.csrf };
    refused(await mode(token, { Origin: 'https://evil.example' }), 'cross-site Origin');
    refused(await mode(token, { Origin: 'null' }), 'Origin: null');
    refused(await mode(token, { Origin: 'not a url' }), 'malformed Origin');
    refused(await mode(token, { 'Sec-Fetch-Site': 'cross-site' }), 'Sec-Fetch-Site: cross-site');
    refused(await mode(token, { 'Sec-Fetch-Site': 'same-site' }), 'Sec-Fetch-Site: same-site');
    refused(await mode({}, { 'X-CSRF-Token': client.csrf, 'Sec-Fetch-Site': 'cross-site' }), 'header token, cross-site');
    assert.equal(await livemode(), 0, 'nothing changed');
  });

  it('the right token from the same origin is accepted (form field or X-CSRF-Token header); GET is never refused for CSRF', async () => {
    const sameOrigin = { Host: 'console.example', Origin: 'https://console.example', 'Sec-Fetch-Site': 'same-origin' };
    const ok = await mode({ _csrf: client.csrf }, sameOrigin);
    assert.equal(ok.status, 303);
    assert.equal(await livemode(), 1);
    // The token is bound to the mode its page was drawn in: a page from before the switch (another tab) is refused.
    refused(await mode({ livemode: 'false' }, { 'X-CSRF-Token': client.csrf }), 'a test-mode page after the switch to live');
    assert.equal(await livemode(), 1);
    const livePage = await client.get('/console');
    const liveToken = /<meta name="csrf-token" content="([^"]+)">/.exec(livePage.text)![1]!;
    assert.notEqual(liveToken, client.csrf);
    const back = await mode({ livemode: 'false' }, { 'X-CSRF-Token': liveToken });
    assert.equal(back.status, 303);
    assert.equal(await livemode(), 0);
    for (const path of ['/console', '/console/account']) {
      const res = await client.get(path).set('Origin', 'https://evil.example').set('Sec-Fetch-Site', 'cross-site');
      assert.equal(res.status, 200, path);
    }
  });

  it('login CSRF: the sign-in form is refused 403 without the pre-session cookie echoed, and no session is opened', async () => {
    const user = await createConsoleUser(ctx, rt, tenantId, 'viewer');
    const cases: Array<[string, Parameters<typeof postSignIn>[3]]> = [
      ['no cookie, no field', { cookie: null, csrf: null }],
      ['the field without the cookie', { cookie: null }],
      ['the cookie without the field', { csrf: null }],
      ['an empty field and no cookie', { cookie: null, csrf: '' }],
      ['a field that is not the cookie', { csrf: 'x'.repeat(32) }],
      ['the placeholder for a missing cookie', { cookie: null, csrf: '\u0000no-pre-auth-cookie' }],
      ['an empty cookie and an empty field', { cookie: 'pv_pre=', csrf: '' }],
      ['the right pair from another site', { headers: { Origin: 'https://evil.example' } }],
      ['the right pair, Sec-Fetch-Site: cross-site', { headers: { 'Sec-Fetch-Site': 'cross-site' } }],
    ];
    for (const [what, o] of cases) {
      const res = await postSignIn(rt, user.email, TEST_PASSWORD, o);
      assert.equal(res.status, 403, `${what}: ${res.status}`);
      assert.ok(!setCookies(res.headers).some((c) => /pv_session=/.test(c)), `${what}: no session cookie`);
    }
    assert.equal((await rt.db('user_sessions').where({ user_id: user.id })).length, 0);
    assert.equal((await postSignIn(rt, user.email, TEST_PASSWORD)).status, 303, 'the whole form signs in');
  });
});

describe('console logs', () => {
  it('never carry a session token or a password', async () => {
    const logs = ctx.logs.text();
    assert.ok(logs.includes('/console/sign-in'), 'the requests were logged');
    for (const s of secrets) assert.ok(!logs.includes(s), `a secret (${s.slice(0, 4)}…) is in the logs`);
  });
});
