// Console sessions for tests: users made through the same team service the CLI uses, and a signed-in
// client that keeps its cookies and CSRF token, over the contract-checked supertest app.
import type { Runtime } from '../../src/runtime.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { loadConfig } from '../../src/config.js';
import { createTeamService } from '../../src/users/team-service.js';
import type { Role } from '../../src/users/roles.js';
import { csrfFor } from '../../src/console/console-session.js';
import type { TestContext } from './test-stack.js';

export const TEST_PASSWORD = 'correct horse battery staple';

let seq = 0;

/** A console user of `tenantId` with TEST_PASSWORD; the e-mail address is unique per call. */
export async function createConsoleUser(ctx: TestContext, rt: Runtime, tenantId: string, role: Role, opts: { email?: string; name?: string } = {}) {
  const config = loadConfig({ ...ctx.env });
  const team = createTeamService({ db: rt.db, invitationMs: config.console.invitationMs });
  const email = opts.email ?? `${role}-${ctx.id}-${++seq}@example.test`;
  const user = await team.createUser(tenantId, { email, name: opts.name ?? `Test ${role}`, password: TEST_PASSWORD, role });
  return { ...user, password: TEST_PASSWORD };
}

/** `Set-Cookie` values of an answer, as `name=value` pairs. */
export function cookiesOf(headers: Record<string, unknown>): Record<string, string> {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return Object.fromEntries(list.map((c: string) => c.split(';')[0]!.split('=') as [string, string]).map(([k, ...v]) => [k, v.join('=')]));
}

export const hiddenField = (htmlText: string, name: string): string | undefined =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(htmlText)?.[1];

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  get(path: string): ReturnType<ReturnType<TestContext['http']>['get']>;
  /** A url-encoded form post with the session's CSRF token (unless `_csrf` is given). */
  post(path: string, form?: Record<string, string>): ReturnType<ReturnType<TestContext['http']>['post']>;
}

/** Signs in through the pages (pre-session cookie, password) and returns a client for that session. */
export async function signIn(ctx: TestContext, rt: Runtime, email: string, password = TEST_PASSWORD): Promise<ConsoleClient> {
  const http = () => ctx.http(rt);
  const page = await http().get('/console/sign-in').expect(200);
  const pre = cookiesOf(page.headers);
  const preName = Object.keys(pre).find((k) => k.endsWith('pv_pre'))!;
  const res = await http()
    .post('/console/sign-in')
    .set('Cookie', `${preName}=${pre[preName]}`)
    .type('form')
    .send({ _csrf: hiddenField(page.text, '_csrf')!, next: '/console', email, password });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${res.text.slice(0, 300)}`);
  const session = cookiesOf(res.headers);
  const name = Object.keys(session).find((k) => k.endsWith('pv_session'))!;
  const cookie = `${name}=${session[name]}`;
  const home = await http().get('/console').set('Cookie', cookie);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(home.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on the home page (status ${home.status})`);
  const token = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  const client: ConsoleClient = {
    cookie,
    csrf,
    get: (path) => http().get(path).set('Cookie', cookie),
    post: (path, form = {}) => {
      const req = http().post(path).set('Cookie', cookie).type('form').send({ _csrf: client.csrf, ...form });
      // The token is bound to the mode a page was drawn in: after a switch, the next page's token.
      if (path === '/console/mode' && (form.livemode === 'true' || form.livemode === 'false')) client.csrf = csrfFor(token, form.livemode === 'true');
      return req;
    },
  };
  return client;
}
