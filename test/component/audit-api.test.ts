// GET /v1/audit-events and its CSV export against the real app, MySQL and Redis (every answer checked
// against openapi.yaml): the key comes first, each tenant reads only its own log, pages are complete
// and in order, each filter narrows exactly, a cursor of another tenant reveals nothing, the export
// holds what the pages hold, and no entry shows an account number, VPA, name, e-mail or secret.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { encodeCursor } from '../../src/platform/pagination.js';
import { EXPORT_PAGE_SIZE } from '../../src/audit/audit-export.js';
import { bankAccount, createTestContext, type TestContext } from '../helpers/test-stack.js';
import { createConsoleUser } from '../helpers/console-client.js';
import { seedAudit, type SeedEntry } from '../helpers/audit-seed.js';

const T = { timeout: 120_000 };
let ctx: TestContext;
let rt: Runtime;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

type Tenant = { tenantId: string; apiKey: string; keyId: string };
interface Event { id: string; action: string; actor: string; details: unknown }
interface Page { data: Event[]; has_more: boolean; next_cursor: string | null }

const get = (key: string | null, path: string) => {
  const req = ctx.http(rt).get(path);
  return key === null ? req : req.set('Authorization', `Bearer ${key}`);
};

/** Every page of a listing, following next_cursor until has_more is false. */
async function walk(key: string, query: string, start: string | null = null): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | null = start;
  do {
    const res = await get(key, `/v1/audit-events?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).expect(200);
    const page = res.body as Page;
    assert.equal(page.has_more, page.next_cursor !== null);
    pages.push(page);
    cursor = page.next_cursor;
    assert.ok(pages.length < 500, 'the walk ends');
  } while (cursor);
  return { ids: pages.flatMap((p) => p.data.map((e) => e.id)), pages };
}

/** Entries written straight to the table, oldest first (test/helpers/audit-seed.ts). */
const seed = (tenantId: string, rows: SeedEntry[]) => seedAudit(rt.db, tenantId, rows);

/** The tenant's entry ids, newest first, as MySQL has them. */
const dbIds = async (tenantId: string, where: Record<string, string> = {}) =>
  (await rt.db('audit_log').where({ tenant_id: tenantId, ...where }).orderBy('id', 'desc').select('id')).map((r) => String(r.id));

const utcDay = (offset: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + offset * 86_400_000).toISOString().slice(0, 10);
};

describe('GET /v1/audit-events', () => {
  let a: Tenant;
  let b: Tenant;
  before(async () => {
    a = await ctx.createTenant('Audit A');
    b = await ctx.createTenant('Audit B');
    // Interleaved, so the two tenants' ids overlap in range.
    for (let round = 0; round < 3; round++) {
      await seed(b.tenantId, Array.from({ length: 20 }, () => ({ action: 'b.event' })));
      await seed(a.tenantId, Array.from({ length: 40 }, (_, i) => ({ action: i % 2 ? 'test.odd' : 'test.even', details: { n: i } })));
    }
  });

  it('answers 401 before any work: no key, a wrong key, even with parameters that would fail', T, async () => {
    for (const path of ['/v1/audit-events', '/v1/audit-events?from=2026-02-30&cursor=***', '/v1/audit-events/export?from=2026-01-01&to=2026-01-02', '/v1/audit-events/export']) {
      const none = await get(null, path);
      assert.equal(none.status, 401, path);
      assert.equal(none.body.error.code, 'auth.missing_key');
      const wrong = await get('pv_test_wrongwrongwrongwrongwrongwrong', path);
      assert.equal(wrong.status, 401, path);
      assert.equal(wrong.body.error.code, 'auth.invalid_key');
      assert.doesNotMatch(String(wrong.headers['content-type']), /csv/);
    }
  });

  it('pages through every entry of the tenant, newest first, more than three pages, never another tenant’s', T, async () => {
    const { ids, pages } = await walk(a.apiKey, 'limit=25');
    assert.ok(pages.length > 3, `${pages.length} pages`);
    for (const p of pages.slice(0, -1)) assert.equal(p.data.length, 25, 'an unfiltered page is full until the last');
    assert.deepEqual(ids, await dbIds(a.tenantId), 'every entry of A, once, newest first');
    assert.ok(pages.every((p) => p.data.every((e) => e.action !== 'b.event')));
    const first = pages[0]!.data[0]!;
    assert.equal((first as unknown as Record<string, unknown>).object, 'audit_event');
    const other = await walk(b.apiKey, 'limit=100');
    assert.deepEqual(other.ids, await dbIds(b.tenantId));
    assert.equal(other.ids.filter((id) => ids.includes(id)).length, 0);
  });

  it('filters by action and by actor exactly, across pages', T, async () => {
    const odd = await walk(a.apiKey, 'action=test.odd&limit=7');
    assert.ok(odd.pages.length > 3);
    assert.deepEqual(odd.ids, await dbIds(a.tenantId, { action: 'test.odd' }));
    assert.deepEqual((await walk(a.apiKey, 'action=b.event')).ids, [], 'B’s action, asked by A');

    await ctx.http(rt).post('/v1/validations').set('Authorization', `Bearer ${a.apiKey}`).send(bankAccount('123456789012')).expect(202);
    const byKey = await walk(a.apiKey, `actor=${encodeURIComponent(`api_key:${a.keyId}`)}`);
    assert.deepEqual(byKey.ids, await dbIds(a.tenantId, { actor: `api_key:${a.keyId}` }));
    assert.deepEqual(byKey.pages.flatMap((p) => p.data.map((e) => e.action)), ['validation.created']);
    assert.deepEqual((await walk(a.apiKey, 'actor=test')).ids, await dbIds(a.tenantId, { actor: 'test' }), 'the tenant’s creation (actor test)');
  });

  it('a cursor of another tenant, or a forged one, only pages this tenant; an undecodable one is a 400', T, async () => {
    const theirs = (await get(b.apiKey, '/v1/audit-events?limit=5').expect(200)).body as Page;
    assert.ok(theirs.next_cursor);
    const below = Number(Buffer.from(theirs.next_cursor!, 'base64url').toString());
    const aBelow = (await dbIds(a.tenantId)).filter((id) => Number(id) < below);
    assert.ok(aBelow.length > 0 && aBelow.length < (await dbIds(a.tenantId)).length, 'the cursor falls inside A’s range');
    const mine = await walk(a.apiKey, 'limit=10', theirs.next_cursor);
    assert.deepEqual(mine.ids, aBelow, 'A’s own entries below that position, and nothing of B');

    const forged = (await get(a.apiKey, `/v1/audit-events?limit=100&cursor=${encodeCursor('999999999999999')}`).expect(200)).body as Page;
    assert.deepEqual(forged.data.map((e) => e.id), (await dbIds(a.tenantId)).slice(0, 100));

    for (const bad of ['***', encodeCursor('0'), encodeCursor('12 OR 1=1'), encodeCursor('-5'), 'x'.repeat(201)]) {
      const res = await get(a.apiKey, `/v1/audit-events?cursor=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 400, bad);
      assert.match(res.body.error.code, /^(pagination\.invalid_cursor|request\.invalid)$/);
    }
  });

  it('refuses bad filters and limits with 400 request.invalid', T, async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'from=2026-02-30', 'to=yesterday', 'from=2026-01-03&to=2026-01-01', 'action=', `action=${'a'.repeat(65)}`, 'actor=a%20b', 'livemode=true']) {
      const res = await get(a.apiKey, `/v1/audit-events?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.code, 'request.invalid', q);
    }
    const reversed = await get(a.apiKey, '/v1/audit-events?from=2026-01-03&to=2026-01-01');
    assert.deepEqual(reversed.body.error.details, { field: 'from' });
  });

  it('a live key and a test key of the tenant read the same log', T, async () => {
    const live = await createTenantService(rt.db, 'test').createKey(a.tenantId, 'live');
    const viaLive = await walk(live.apiKey, 'limit=100');
    const viaTest = await walk(a.apiKey, 'limit=100');
    assert.deepEqual(viaLive.ids, viaTest.ids);
    assert.ok(viaLive.pages[0]!.data.some((e) => e.action === 'api_key.created' && (e.details as { mode?: string }).mode === 'live'));
  });
});

describe('dates and the export', () => {
  it('from and to select UTC days exactly', T, async () => {
    const t = await ctx.createTenant('Audit Dates');
    const at = (n: number, time: string) => new Date(`${utcDay(n)}T${time}Z`);
    // Days after today, written last: ids and times still rise together.
    await seed(t.tenantId, [
      { action: 'day.one', at: at(1, '23:59:59.999') },
      { action: 'day.two', at: at(2, '00:00:00.000') },
      { action: 'day.two', at: at(2, '12:00:00.000') },
      { action: 'day.three', at: at(3, '00:00:00.000') },
    ]);
    const actions = async (q: string) => (await walk(t.apiKey, q)).pages.flatMap((p) => p.data.map((e) => e.action));
    assert.deepEqual(await actions(`from=${utcDay(2)}&to=${utcDay(2)}`), ['day.two', 'day.two']);
    assert.deepEqual(await actions(`from=${utcDay(3)}`), ['day.three']);
    assert.deepEqual((await actions(`to=${utcDay(1)}`)).slice(0, 1), ['day.one']);
    assert.ok(!(await actions(`to=${utcDay(1)}`)).includes('day.two'));
    assert.deepEqual(await actions(`from=${utcDay(2)}&to=${utcDay(2)}&action=day.one`), []);
    const csv = await get(t.apiKey, `/v1/audit-events/export?from=${utcDay(2)}&to=${utcDay(3)}`).expect(200);
    assert.deepEqual((parseCsv(csv.text, { columns: true }) as Array<{ action: string }>).map((r) => r.action), ['day.three', 'day.two', 'day.two']);
  });

  it('the CSV holds exactly what the pages hold, over several export pages, formula-safe', T, async () => {
    const t = await ctx.createTenant('Audit Export');
    const other = await ctx.createTenant('Audit Export Other');
    await seed(t.tenantId, [{ action: '=HYPERLINK("http://evil.example")' }, ...Array.from({ length: 2 * EXPORT_PAGE_SIZE + 300 }, (_, i) => ({ action: 'bulk.event', details: { n: i } }))]);
    await seed(other.tenantId, Array.from({ length: 50 }, () => ({ action: 'other.event' })));
    const range = `from=${utcDay(-1)}&to=${utcDay(1)}`;
    const res = await get(t.apiKey, `/v1/audit-events/export?${range}`).expect(200);
    assert.match(res.headers['content-type']!, /^text\/csv/);
    assert.match(res.headers['content-disposition']!, /^attachment; filename="audit-events-/);
    const rows = parseCsv(res.text, { columns: true }) as Array<Record<string, string>>;
    const api = await walk(t.apiKey, `${range}&limit=100`);
    assert.equal(rows.length, api.ids.length, 'CSV rows = API entries');
    assert.deepEqual(rows.map((r) => r.id), api.ids);
    assert.deepEqual(api.ids, await dbIds(t.tenantId));
    assert.ok(rows.every((r) => r.action !== 'other.event'));
    assert.deepEqual(rows.slice(-3).map((r) => r.action), [`'=HYPERLINK("http://evil.example")`, 'api_key.created', 'tenant.created'], 'oldest last; a formula is not live');
    assert.deepEqual(JSON.parse(rows[0]!.details!), { n: 2 * EXPORT_PAGE_SIZE + 299 });
  });

  it('refuses a missing, reversed or over-long range before anything is sent', T, async () => {
    const t = await ctx.createTenant('Audit Ranges');
    for (const q of ['', 'from=2026-01-01', 'to=2026-01-01', 'from=2026-01-02&to=2026-01-01', 'from=2025-01-01&to=2026-01-02', 'from=2026-13-01&to=2026-12-01', 'from=2026-01-01&to=2026-01-02&action=x']) {
      const res = await get(t.apiKey, `/v1/audit-events/export?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.code, 'request.invalid', q);
    }
    await get(t.apiKey, '/v1/audit-events/export?from=2025-01-01&to=2026-01-01').expect(200);
  });
});

describe('nothing personal or secret', () => {
  it('no entry shows an account number, VPA, payee name, e-mail address or webhook secret, even one written by mistake', T, async () => {
    const t = await ctx.createTenant('Audit Privacy');
    const api = () => ctx.http(rt);
    const auth = `Bearer ${t.apiKey}`;
    const accounts = ['50100012345678', '918020045671234'];
    const vpas = ['9876543210@ybl', 'priya.nair@okaxis'];
    const names = ['Ramesh Kumar Sharma', 'Priya Lakshmi Nair'];
    await api().post('/v1/validations').set('Authorization', auth).send(bankAccount(accounts[0]!, { name: names[0], reference_id: 'vendor-1' })).expect(202);
    await api().post('/v1/validations').set('Authorization', auth).send({ type: 'vpa', vpa: vpas[0], name: names[1] }).expect(202);
    await api().post('/v1/batches').set('Authorization', auth).send({ items: [bankAccount(accounts[1]!, { name: names[0] }), { type: 'vpa', vpa: vpas[1] }] }).expect(202);
    const endpoint = await api().post('/v1/webhook-endpoints').set('Authorization', auth).send({ url: 'http://127.0.0.1:9/hook', events: ['batch.completed'] }).expect(201);
    const email = `asha.${ctx.id}@acme.example`;
    await createConsoleUser(ctx, rt, t.tenantId, 'admin', { email, name: 'Asha Rao' });
    // What a careless future writer might put in details: it must still come out masked.
    await seed(t.tenantId, [{ action: 'careless.write', details: { account: '50100099998888', to: 'ops.lead@acme.example', vpa: '9123456789@paytm', nested: { n: 77776666555 } } }]);

    const listed = JSON.stringify((await walk(t.apiKey, 'limit=100')).pages);
    const exported = (await get(t.apiKey, `/v1/audit-events/export?from=${utcDay(-1)}&to=${utcDay(1)}`).expect(200)).text;
    for (const text of [listed, exported]) {
      for (const secret of [...accounts, ...vpas, ...names, email, 'Asha Rao', endpoint.body.secret, '50100099998888', 'ops.lead@acme.example', '9123456789@paytm', '77776666555']) {
        assert.ok(!text.includes(secret), `${secret} appears`);
      }
      for (const action of ['validation.created', 'batch.created', 'webhook_endpoint.created', 'user.created', 'careless.write']) assert.ok(text.includes(action), action);
      assert.ok(text.includes('XXXXXXXXXX8888') && text.includes('[withheld]'));
    }
    const careless = (await walk(t.apiKey, 'action=careless.write')).pages[0]!.data[0]!;
    assert.deepEqual(careless.details, { account: 'XXXXXXXXXX8888', to: '[withheld]', vpa: '[withheld]', nested: { n: 'XXXXXXX6555' } });
  });
});
