// The console's validation pages end to end: validate one payee through the form (API + worker + the
// sandbox partner), search with filters and keyset pages, one validation's page, roles, CSRF, and that
// no page ever carries a full account number.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { idAtTime } from '../../src/platform/ids.js';
import { PAGE_SIZE } from '../../src/console/pager.js';
import { openPersonalFields, PERSONAL_COLUMNS } from '../../src/validations/personal-fields.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { createConsoleUser, signIn, type ConsoleClient } from '../helpers/console-client.js';

let ctx: TestContext;
let rt: Runtime;
let a: { tenantId: string; apiKey: string };
let b: { tenantId: string; apiKey: string };
let operator: ConsoleClient;
let viewer: ConsoleClient;
let operatorEmail: string;

/** 14 digits ending in `suffix` (the sandbox decides by the last four; the last digit names the payee). */
const account = (suffix: string) => `${randomInt(10_000_000, 99_999_999)}${randomInt(10, 99)}${suffix}`;
const today = () => new Date().toISOString().slice(0, 10);
/** The validation ids a list page links to, in order. */
const idsOn = (page: string) => [...page.matchAll(/<tr><td><a href="\/console\/validations\/(val_[0-9A-Z]{26})">/g)].map((m) => m[1]!);
const decode = (href: string) => href.replaceAll('&amp;', '&');

async function viaApi(apiKey: string, body: Record<string, unknown>): Promise<string> {
  const res = await ctx.http(rt).post('/v1/validations').set({ Authorization: `Bearer ${apiKey}` }).send(body);
  assert.equal(res.status, 202, res.text);
  return res.body.id as string;
}

async function finalStatus(apiKey: string, id: string, timeoutMs = 30_000): Promise<string> {
  return eventually(async () => {
    const res = await ctx.http(rt).get(`/v1/validations/${id}`).set({ Authorization: `Bearer ${apiKey}` });
    return ['completed', 'failed'].includes(res.body.status) ? (res.body.status as string) : undefined;
  }, `validation ${id} to become final`, timeoutMs);
}

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'all' });
  a = await ctx.createTenant('Acme');
  b = await ctx.createTenant('Other');
  operatorEmail = (await createConsoleUser(ctx, rt, a.tenantId, 'operator')).email;
  operator = await signIn(ctx, rt, operatorEmail);
  viewer = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, a.tenantId, 'viewer')).email);
});
after(() => ctx.close());

describe('console validations', () => {
  const acct = account('4561'); // last digit 1 → RAMESH KUMAR
  let mine = '';
  let restValid = '';
  let restHang = '';
  let old = '';
  let otherTenants = '';

  it('the form: a labelled control for every input, the type as a radio choice in a fieldset', async () => {
    const res = await operator.get('/console/validate').expect(200);
    assert.match(res.text, /<fieldset>\s*<legend>Payee type<\/legend>/);
    assert.match(res.text, /type="radio" id="type-bank" name="type" value="bank_account" checked/);
    for (const [, id] of res.text.matchAll(/<(?:input|select) id="([^"]+)"/g)) {
      assert.ok(res.text.includes(`<label for="${id}">`), `no <label for="${id}">`);
    }
    assert.ok(!/ on[a-z]+="|<script>/i.test(res.text), 'inline script or handler');
  });

  it('an operator validates a payee and lands on its page: registered name, name match, masked account, never the number', async () => {
    const res = await operator.post('/console/validate', {
      type: 'bank_account', account_number: acct, ifsc: 'HDFC0000001', rail: 'IMPS',
      vpa: 'ignored.person@okaxis', name: 'Mr. Ramesh Kumar', reference_id: 'console-ref-1',
    });
    assert.equal(res.status, 303, res.text);
    const location = String(res.headers.location);
    assert.match(location, /^\/console\/validations\/val_[0-9A-Z]{26}$/);
    mine = location.split('/').pop()!;
    const detail = await eventually(async () => {
      const page = await operator.get(location).expect(200);
      return page.text.includes('data-testid="status">completed<') ? page.text : undefined;
    }, 'the validation page to show it completed');
    assert.match(detail, /data-testid="registered-name">RAMESH KUMAR</);
    assert.match(detail, /data-testid="name-match">match</);
    assert.match(detail, new RegExp(`>XXXXXX${acct.slice(-4)}<`));
    assert.match(detail, /<code>honorific_ignored<\/code>/);
    assert.match(detail, /console-ref-1/);
    assert.ok(!detail.includes(acct), 'the full account number is on the page');
    assert.ok(!detail.includes('data-refresh-until-final'), 'a final validation asks to refresh');
    assert.ok(!detail.includes('ignored.person'), 'the other type’s field was used');

    const row = await rt.db('validations').where({ id: mine }).first();
    assert.equal(row.tenant_id, a.tenantId);
    assert.equal(Number(row.livemode), 0);
    assert.equal(row.type, 'bank_account');
    assert.equal(row.account_last4, acct.slice(-4));
    assert.equal(row.vpa, null);
    assert.equal(row.reference_id, 'console-ref-1');
  });

  it('a payee the service refuses shows the form again with the reason and status, never the account number', async () => {
    const before = Number(((await rt.db('validations').count({ n: '*' }))[0] as { n: number }).n);
    const tooManyDigits = '98765432109876543210';
    const bad = await operator.post('/console/validate', { type: 'bank_account', account_number: tooManyDigits, ifsc: 'HDFC0000001', rail: 'NEFT', name: 'Priya Nair', reference_id: 'keep-me' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert">bank_account\.account_number must be 9 to 18 digits/);
    assert.ok(!bad.text.includes(tooManyDigits));
    assert.match(bad.text, /id="account_number" name="account_number"[^>]*value=""/);
    assert.match(bad.text, /id="account_number"[^>]*aria-invalid="true"/);
    assert.match(bad.text, /value="Priya Nair"/);
    assert.match(bad.text, /value="keep-me"/);
    assert.match(bad.text, /value="NEFT" checked/);

    const ifsc = await operator.post('/console/validate', { type: 'bank_account', account_number: account('4562'), ifsc: 'HDFC1234567', name: 'Priya Nair' });
    assert.equal(ifsc.status, 400);
    assert.match(ifsc.text, /role="alert">bank_account\.ifsc is malformed/);
    assert.match(ifsc.text, /id="ifsc"[^>]*value="HDFC1234567" aria-invalid="true"/);

    // An account number typed into the IFSC box is not echoed either.
    const misplaced = account('4563');
    const swapped = await operator.post('/console/validate', { type: 'bank_account', account_number: 'HDFC0000001', ifsc: misplaced });
    assert.equal(swapped.status, 400);
    assert.ok(!swapped.text.includes(misplaced));

    const vpa = await operator.post('/console/validate', { type: 'vpa', vpa: 'no-at-sign', account_number: account('4564') });
    assert.equal(vpa.status, 400);
    assert.match(vpa.text, /role="alert">vpa is malformed/);
    assert.match(vpa.text, /value="vpa" checked/);

    const long = await operator.post('/console/validate', { type: 'bank_account', account_number: '1'.repeat(36), ifsc: 'HDFC0000001' });
    assert.equal(long.status, 400);
    assert.match(long.text, /role="alert">account number is too long/);
    assert.ok(!long.text.includes('1'.repeat(36)));
    assert.equal((await operator.post('/console/validate', { account_number: account('4565') })).status, 400);
    assert.equal((await operator.post('/console/validate', { type: 'vpa', vpa: 'a.b@okaxis', reference_id: 'has space' })).status, 400);
    const after = Number(((await rt.db('validations').count({ n: '*' }))[0] as { n: number }).n);
    assert.equal(after, before, 'a refused form created a validation');
  });

  it('a viewer may search but neither see nor send the form; a post without the CSRF token is refused', async () => {
    assert.equal((await viewer.get('/console/validate')).status, 403);
    assert.equal((await viewer.post('/console/validate', { type: 'vpa', vpa: 'a.b@okaxis' })).status, 403);
    const list = await viewer.get('/console/validations').expect(200);
    assert.ok(idsOn(list.text).includes(mine));
    assert.ok(!list.text.includes('href="/console/validate"'), 'the viewer’s navigation offers the form');
    const stored = async () => Number((await rt.db('validations').where({ tenant_id: a.tenantId }).count({ n: '*' }))[0]!.n);
    const before = await stored();
    const forged = await ctx.http(rt).post('/console/validate').set('Cookie', operator.cookie).type('form').send({ type: 'vpa', vpa: 'forged.user@okaxis' });
    assert.equal(forged.status, 403);
    // The VPA is stored sealed, so the refusal shows as no new row at all.
    assert.equal(await stored(), before);
  });

  it('search by last four, reference, status and date range finds the validation and leaves the others out', async () => {
    restValid = await viaApi(a.apiKey, bankAccount(account('7772'), { name: 'Priya Nair', reference_id: 'rest-ref-2' }));
    restHang = await viaApi(a.apiKey, bankAccount(account('1111'), { name: 'Ramesh Kumar', reference_id: 'rest-ref-3' }));
    otherTenants = await viaApi(b.apiKey, bankAccount(acct, { name: 'Ramesh Kumar', reference_id: 'console-ref-1' }));
    // A validation from an earlier day: a copy of one row under an id (and creation time) of 2020-01-15 noon UTC.
    // Its ciphertexts are bound to the source row and would not open under another id, so the copy holds
    // the name in clear, as rows of that time did (decision 0039).
    const source = await rt.db('validations').where({ id: restValid }).first();
    old = `${idAtTime('val', new Date('2020-01-15T12:00:00Z')).slice(0, -4)}7QX2`;
    const copy = Object.fromEntries(Object.entries(source as Record<string, unknown>).map(([k, v]) => [k, v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v]));
    const unsealed = Object.fromEntries(PERSONAL_COLUMNS.map((c) => [c.sealed, null]));
    await rt.db('validations').insert({ ...copy, ...unsealed, expected_name: openPersonalFields(rt.cipher, source).expectedName, id: old, reference_id: 'old-ref', created_at: new Date('2020-01-15T12:00:00Z') });
    assert.equal(await finalStatus(a.apiKey, restValid), 'completed');
    assert.equal(await finalStatus(a.apiKey, restHang, 60_000), 'failed');

    const search = async (query: string) => {
      const res = await operator.get(`/console/validations?${query}`).expect(200);
      assert.ok(!res.text.includes(acct), 'a full account number on the list');
      const ids = idsOn(res.text);
      if (ids.length > 0) assert.match(res.text, /<caption>[^<]+<\/caption>\s*<thead><tr><th scope="col">Id<\/th>/);
      else assert.match(res.text, /No validation matches these filters/);
      return ids;
    };
    const all = await search('');
    for (const id of [mine, restValid, restHang, old]) assert.ok(all.includes(id), `${id} missing from the unfiltered list`);
    assert.ok(!all.includes(otherTenants), 'another tenant’s validation listed');
    assert.deepEqual(await search(`last4=${acct.slice(-4)}`), [mine]);
    assert.deepEqual(await search('reference_id=console-ref-1'), [mine]);
    assert.deepEqual(await search('reference_id=rest-ref-2&last4=9999'), []);
    const completed = await search('status=completed');
    assert.ok(completed.includes(mine) && completed.includes(restValid) && !completed.includes(restHang));
    assert.deepEqual(await search('status=failed'), [restHang]);
    const day = await search(`from=${today()}&to=${today()}`);
    assert.ok(day.includes(mine) && day.includes(restValid) && !day.includes(old));
    assert.deepEqual(await search('from=2020-01-15&to=2020-01-15'), [old]);
    assert.deepEqual(await search('to=2020-01-15'), [old], '`to` takes in the whole day');
    assert.ok(!(await search('from=2020-01-16')).includes(old));

    const failedPage = await operator.get(`/console/validations/${restHang}`).expect(200);
    assert.match(failedPage.text, /data-testid="failure-code">/);
  });

  it('invalid filters answer 400 with the reason, without echoing a long "last four"', async () => {
    for (const query of ['status=done', 'last4=12', 'last4=abcd', 'from=2025-02-30', 'from=2025-13-01', 'to=yesterday', 'from=2025-03-02&to=2025-03-01', 'cursor=not-a-cursor', 'reference_id=has%20space', 'status=completed&status=failed']) {
      const res = await operator.get(`/console/validations?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(res.text, /role="alert"/, query);
      assert.match(res.text, /<form method="get" action="\/console\/validations"/, query);
    }
    const digits = account('4566');
    const long = await operator.get(`/console/validations?last4=${digits}`);
    assert.equal(long.status, 400);
    assert.ok(!long.text.includes(digits));
  });

  it('another tenant’s, the other mode’s and a malformed id are 404; a pending validation asks to refresh', async () => {
    assert.equal((await operator.get(`/console/validations/${otherTenants}`)).status, 404);
    for (const bad of ['val_nope', 'bat_01JABCDEFGHJKMNPQRSTVWXYZ0', 'x'.repeat(300), `${mine.toLowerCase()}`]) {
      assert.equal((await operator.get(`/console/validations/${bad}`)).status, 404, bad);
    }
    // An escape that does not decode is the request's fault, never a 500.
    assert.equal((await operator.get('/console/validations/%E0%A4%A')).status, 400);
    // A second session of the same operator, switched to live data: the test-mode validation is not there.
    const live = await signIn(ctx, rt, operatorEmail);
    assert.equal((await live.post('/console/mode', { livemode: 'true' })).status, 303);
    assert.equal((await live.get(`/console/validations/${mine}`)).status, 404);
    assert.deepEqual(idsOn((await live.get('/console/validations').expect(200)).text), []);

    const pending = await viaApi(a.apiKey, bankAccount(account('1111'), { name: 'Ramesh Kumar' }));
    const page = await operator.get(`/console/validations/${pending}`).expect(200);
    assert.match(page.text, /data-refresh-until-final/);
  });

  it('pages of PAGE_SIZE, newest first, with a working "Older" link that keeps the filters', async () => {
    const items = Array.from({ length: PAGE_SIZE + 1 }, (_, i) => bankAccount(account(String(4500 + i).padStart(4, '0')), { name: 'Anita Sharma', reference_id: 'page-run' }));
    const batch = await ctx.http(rt).post('/v1/batches').set({ Authorization: `Bearer ${b.apiKey}` }).send({ items });
    assert.equal(batch.status, 202, batch.text);
    const owner = await signIn(ctx, rt, (await createConsoleUser(ctx, rt, b.tenantId, 'owner')).email);
    const first = await eventually(async () => {
      const res = await owner.get('/console/validations?reference_id=page-run').expect(200);
      return idsOn(res.text).length === PAGE_SIZE && res.text.includes('rel="next"') ? res.text : undefined;
    }, 'the batch’s validations to be listed');
    const older = decode(/<a href="([^"]+)" rel="next">Older<\/a>/.exec(first)![1]!);
    assert.match(older, /^\/console\/validations\?reference_id=page-run&cursor=/);
    const second = await owner.get(older).expect(200);
    const firstIds = idsOn(first);
    const secondIds = idsOn(second.text);
    assert.equal(secondIds.length, 1);
    assert.ok(!firstIds.includes(secondIds[0]!));
    assert.deepEqual([...firstIds].sort().reverse(), firstIds, 'not newest first');
    assert.ok(secondIds[0]! < firstIds.at(-1)!);
    assert.ok(!second.text.includes('rel="next"'));
    assert.match(second.text, /<a href="\/console\/validations\?reference_id=page-run">Newest<\/a>/);
    // A batch item's page links to its batch.
    const item = await owner.get(`/console/validations/${secondIds[0]}`).expect(200);
    assert.match(item.text, new RegExp(`<a href="/console/batches/${batch.body.id}">`));
  });
});
