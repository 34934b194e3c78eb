// The console's settings and audit-log pages against the real app, MySQL and Redis (every answer
// checked against openapi.yaml): settings change through PATCH /v1/settings's rules and show through
// the API; the audit log is the tenant's own, newest first, filtered and paged on a keyset cursor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { SCAN_WINDOW } from '../../src/platform/audit-query.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { createConsoleUser, signIn } from '../helpers/console-client.js';
import { PAGE_SIZE } from '../../src/console/pager.js';
import { seedAudit, type SeedEntry } from '../helpers/audit-seed.js';

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

async function member(tenantId: string, role: 'owner' | 'admin' | 'operator' | 'viewer' | 'developer') {
  const user = await createConsoleUser(ctx, rt, tenantId, role);
  return { user, client: await signIn(ctx, rt, user.email) };
}

const ids = (text: string) => [...text.matchAll(/data-audit-id="(\d+)"/g)].map((m) => Number(m[1]));
const olderLink = (text: string) => /<a href="([^"]+)" rel="next">Older<\/a>/.exec(text)?.[1]?.replaceAll('&amp;', '&');

/** Entries written straight to the table, oldest first (test/helpers/audit-seed.ts). */
const seed = (tenantId: string, rows: SeedEntry[]) => seedAudit(rt.db, tenantId, rows);

describe('console settings', () => {
  it('an owner changes thresholds in live mode; the API reads them; the change is audited', T, async () => {
    const t = await ctx.createTenant('Settings Org');
    const owner = await member(t.tenantId, 'owner');
    const api = (path: string) => ctx.http(rt).get(path).set('Authorization', `Bearer ${t.apiKey}`);

    const testMode = await owner.client.get('/console/settings').expect(200);
    assert.doesNotMatch(testMode.text, /action="\/console\/settings"/, 'no form while showing test data');
    const refused = await owner.client.post('/console/settings', { reuse_max_age_seconds: '0', match_threshold: '0', close_match_threshold: '0' });
    assert.equal(refused.status, 403, 'the live-mode rule of PATCH /v1/settings');
    assert.match(refused.text, /switch to live data/);

    await owner.client.post('/console/mode', { livemode: 'true' }).expect(303);
    const form = await owner.client.get('/console/settings').expect(200);
    assert.match(form.text, /action="\/console\/settings"/);
    const saved = await owner.client.post('/console/settings', { reuse_max_age_seconds: '600', match_threshold: '95', close_match_threshold: '80', retention_days: '90' });
    assert.equal(saved.status, 303, saved.text.slice(0, 300));
    assert.equal(saved.headers.location, '/console/settings?notice=saved');
    const body = (await api('/v1/settings').expect(200)).body;
    assert.deepEqual(body, { object: 'settings', reuse_max_age_seconds: 600, name_match: { match_threshold: 95, close_match_threshold: 80 }, daily_call_cap: 0, monthly_call_cap: 0, retention_days: 90 });
    const shown = (await owner.client.get(saved.headers.location).expect(200)).text;
    assert.match(shown, /data-testid="match-threshold">95</);
    assert.match(shown, /data-testid="retention-days">90 days</);
    const tooShort = await owner.client.post('/console/settings', { reuse_max_age_seconds: '600', match_threshold: '95', close_match_threshold: '80', retention_days: '7' });
    assert.equal(tooShort.status, 400);
    assert.match(tooShort.text, /retention_days must be a whole number of days from 31 to 3650/);

    const [row] = await rt.db('audit_log').where({ tenant_id: t.tenantId, action: 'settings.updated' });
    assert.equal(row.actor, `user:${owner.user.id}`);

    for (const [form, why] of [
      [{ reuse_max_age_seconds: '600', match_threshold: '80', close_match_threshold: '90' }, /must not exceed/],
      [{ reuse_max_age_seconds: '600', match_threshold: '101', close_match_threshold: '90' }, /0 to 100/],
      [{ reuse_max_age_seconds: 'soon', match_threshold: '90', close_match_threshold: '60' }, /whole number of seconds/],
      [{ reuse_max_age_seconds: '2592001', match_threshold: '90', close_match_threshold: '60' }, /2592000/],
      [{ reuse_max_age_seconds: '600', match_threshold: '90', close_match_threshold: '' }, /close_match_threshold/],
    ] as const) {
      const res = await owner.client.post('/console/settings', form);
      assert.equal(res.status, 400, JSON.stringify(form));
      assert.match(res.text, why);
      assert.match(res.text, new RegExp(`value="${form.match_threshold}"`), 'what was typed is kept');
    }
    assert.equal((await api('/v1/settings').expect(200)).body.name_match.match_threshold, 95, 'nothing invalid was stored');

    await owner.client.post('/console/settings', { reuse_max_age_seconds: '', match_threshold: '', close_match_threshold: '' }).expect(303);
    const defaults = ctx.config();
    assert.deepEqual((await api('/v1/settings').expect(200)).body.name_match, { match_threshold: defaults.nameMatch.match, close_match_threshold: defaults.nameMatch.closeMatch });
  });

  it('an operator reads the settings but gets 403 changing them', T, async () => {
    const t = await ctx.createTenant('Operator Org');
    const operator = await member(t.tenantId, 'operator');
    await operator.client.post('/console/mode', { livemode: 'true' }).expect(303);
    const page = await operator.client.get('/console/settings').expect(200);
    assert.doesNotMatch(page.text, /action="\/console\/settings"/);
    const res = await operator.client.post('/console/settings', { reuse_max_age_seconds: '0', match_threshold: '0', close_match_threshold: '0' });
    assert.equal(res.status, 403);
    assert.equal((await rt.db('audit_log').where({ tenant_id: t.tenantId, action: 'settings.updated' })).length, 0);
  });
});

describe('console audit log', () => {
  it('lists the tenant’s entries newest first, pages with Older, filters by action, never shows another tenant', T, async () => {
    const mine = await ctx.createTenant('Audit Org');
    const theirs = await ctx.createTenant('Other Org');
    await seed(theirs.tenantId, Array.from({ length: 30 }, () => ({ action: 'other.tenant_event' })));
    await seed(mine.tenantId, Array.from({ length: 2 * PAGE_SIZE + 10 }, (_, i) => ({ action: i % 2 ? 'test.odd' : 'test.even', details: { n: i } })));
    await seed(theirs.tenantId, Array.from({ length: 30 }, () => ({ action: 'other.tenant_event' })));
    const admin = await member(mine.tenantId, 'admin');

    const seen: number[] = [];
    let url: string | undefined = '/console/audit';
    for (let pages = 0; url && pages < 10; pages++) {
      const res = await admin.client.get(url).expect(200);
      assert.doesNotMatch(res.text, /other\.tenant_event/);
      const page = ids(res.text);
      assert.ok(page.length <= PAGE_SIZE);
      seen.push(...page);
      url = olderLink(res.text);
    }
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a), 'newest first across pages');
    assert.equal(new Set(seen).size, seen.length, 'no entry twice');
    const all = (await rt.db('audit_log').where({ tenant_id: mine.tenantId }).orderBy('id', 'desc').select('id')).map((r) => Number(r.id));
    assert.deepEqual(seen, all, 'every entry of the tenant, and only those');

    const odd = await admin.client.get('/console/audit?action=test.odd').expect(200);
    assert.equal(ids(odd.text).length, PAGE_SIZE);
    assert.doesNotMatch(odd.text, /test\.even/);
    const older = await admin.client.get(olderLink(odd.text)!).expect(200);
    assert.match(olderLink(odd.text)!, /action=test\.odd/, 'the filter travels with the cursor');
    assert.equal(ids(older.text).length, (2 * PAGE_SIZE + 10) / 2 - PAGE_SIZE);
    assert.ok(Math.max(...ids(older.text)) < Math.min(...ids(odd.text)));

    const byActor = await admin.client.get(`/console/audit?actor=${encodeURIComponent(`user:${admin.user.id}`)}`).expect(200);
    assert.ok(ids(byActor.text).length >= 1, 'the admin’s own sign-in');
    assert.doesNotMatch(byActor.text, /test\.odd/);
  });

  it('filters by UTC day range, shows details as text, refuses bad filters, and needs audit.read', T, async () => {
    const t = await ctx.createTenant('Dates Org');
    const owner = await member(t.tenantId, 'owner');
    // Days after today, so ids and times rise together with the tenant's own (current) entries.
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const day = (n: number) => new Date(today + n * 86_400_000).toISOString().slice(0, 10);
    const at = (n: number, time: string) => new Date(`${day(n)}T${time}Z`);
    await seed(t.tenantId, [
      { action: 'day.one', at: at(1, '23:59:59.999') },
      { action: 'day.two', at: at(2, '00:00:00.000'), details: { note: '<script>alert(1)</script>' } },
      { action: 'day.two', at: at(2, '12:00:00.000') },
      { action: 'day.three', at: at(3, '00:00:00.000') },
    ]);
    const actions = (text: string) => [...text.matchAll(/<td>(day\.[a-z]+)<\/td>/g)].map((m) => m[1]);

    const two = await owner.client.get(`/console/audit?from=${day(2)}&to=${day(2)}`).expect(200);
    assert.deepEqual(actions(two.text), ['day.two', 'day.two']);
    assert.ok(two.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'details escaped');
    assert.ok(!two.text.includes('<script>alert'), 'never markup');
    const untilTwo = await owner.client.get(`/console/audit?to=${day(2)}`).expect(200);
    assert.deepEqual(actions(untilTwo.text), ['day.two', 'day.two', 'day.one']);
    assert.match(untilTwo.text, /user\.signed_in/, 'today’s sign-in is before the end of day 2');
    const since = await owner.client.get(`/console/audit?from=${day(3)}`).expect(200);
    assert.deepEqual(actions(since.text), ['day.three']);
    assert.doesNotMatch(since.text, /user\.signed_in/);
    assert.deepEqual(actions((await owner.client.get(`/console/audit?from=${day(2)}&to=${day(2)}&action=day.one`).expect(200)).text), []);
    assert.deepEqual(actions((await owner.client.get('/console/audit?to=2020-01-01').expect(200)).text), []);

    for (const q of ['from=2020-02-30', 'to=yesterday', 'from=2020-01-03&to=2020-01-01', 'cursor=abc']) {
      const res = await owner.client.get(`/console/audit?${q}`);
      assert.equal(res.status, 400, q);
    }
    for (const role of ['operator', 'viewer', 'developer'] as const) {
      const m = await member(t.tenantId, role);
      assert.equal((await m.client.get('/console/audit')).status, 403, role);
    }
  });

  it('a rare action beyond one scan window is found by following Older', T, async () => {
    const t = await ctx.createTenant('Busy Org');
    await seed(t.tenantId, [{ action: 'rare.event' }, ...Array.from({ length: SCAN_WINDOW + 100 }, () => ({ action: 'busy.event' }))]);
    const owner = await member(t.tenantId, 'owner');
    let res = await owner.client.get('/console/audit?action=rare.event').expect(200);
    assert.equal(ids(res.text).length, 0);
    assert.match(res.text, /search further back/);
    let hops = 0;
    while (ids(res.text).length === 0 && olderLink(res.text) && hops++ < 5) res = await owner.client.get(olderLink(res.text)!).expect(200);
    assert.equal(ids(res.text).length, 1);
    assert.match(res.text, /rare\.event/);
    assert.equal(olderLink(res.text), undefined, 'the end of the log');
  });
});
