// Erasure of one payee: found through the blind index across single validations, JSON and CSV batch
// rows, webhook events and idempotent answers, in both modes for a live key, and purged by the
// leader's runner; another tenant's copy of the same payee is untouched. Outcomes are MySQL rows, the
// API's answers (checked against openapi.yaml), the audit log and a scan of every table, Redis key
// and log line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { requestFingerprint } from '../../src/platform/idempotency.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { findPersonalData } from '../helpers/personal-data-scan.js';

const T = { timeout: 120_000 };
let ctx: TestContext;
let rt: Runtime;
let receiver: WebhookReceiver;

before(async () => {
  ctx = await createTestContext({ PARTNER_CALL_TIMEOUT_MS: '3000', SWEEPER_STUCK_AFTER_MS: '60000' });
  rt = await ctx.start();
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver?.close();
  await ctx.close();
});

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
const account = (suffix = '7652') => `${randomInt(10_000_000, 99_999_999)}${suffix}`;
type V = Record<string, any>;

function client(apiKey: string) {
  const http = ctx.http(rt);
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    http,
    auth,
    async create(body: Record<string, unknown>, idem?: string): Promise<V> {
      const req = http.post('/v1/validations').set(auth);
      if (idem) req.set('Idempotency-Key', idem);
      const res = await req.send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body as V;
    },
    async final(id: string): Promise<V> {
      return eventually(async () => {
        const v = (await http.get(`/v1/validations/${id}`).set(auth)).body as V;
        return v.status === 'completed' || v.status === 'failed' ? v : null;
      }, `validation ${id} final`, 30_000);
    },
    async batchDone(id: string): Promise<void> {
      await eventually(async () => (await http.get(`/v1/batches/${id}`).set(auth)).body.status === 'completed', `batch ${id}`, 30_000);
    },
    async erase(body: Record<string, unknown>): Promise<V> {
      const res = await http.post('/v1/erasure-requests').set(auth).send(body);
      assert.ok(res.status === 202 || res.status === 201, JSON.stringify(res.body));
      return res.body as V;
    },
    async erased(id: string): Promise<V> {
      return eventually(async () => {
        const r = (await http.get(`/v1/erasure-requests/${id}`).set(auth)).body as V;
        return r.status === 'completed' ? r : null;
      }, `erasure ${id}`, 30_000);
    },
  };
}

describe('erasure requests', () => {
  it('find one payee across singles, batches, events and replays in both modes, and purge it there only', T, async () => {
    const a = await ctx.createTenant('Erasing', { mode: 'live' });
    const b = await ctx.createTenant('Keeping', { mode: 'live' });
    const aTest = await createTenantService(rt.db, 'test').createKey(a.tenantId, 'test');
    const live = client(a.apiKey);
    const test = client(aTest.apiKey);
    const other = client(b.apiKey);

    const acct = account();
    const vpa = `${letters(9)}.erase@okaxis`;
    const names = [`Qadir ${letters(7)}`, `Qadir ${letters(7)}`, `Qadir ${letters(7)}`];
    const holder = `ZEBEDIAH ${letters(8).toUpperCase()}`;
    const refs = [`ref-${letters(10)}`, `row-${letters(10)}`, `csv-${letters(10)}`];
    const echoed = `echo ${letters(12)}`;
    const keep = { acct: account('4411'), name: `Keepme ${letters(6)}` };

    const endpoint = await live.http.post('/v1/webhook-endpoints').set(live.auth).send({ url: receiver.url, events: ['validation.completed', 'validation.failed'] });
    assert.equal(endpoint.status, 201);
    receiver.setMode({ kind: 'status', status: 200, body: echoed });
    const sandbox = ctx.sim.provider('sandbox');
    sandbox.setFaults({ answerName: holder });
    const idem = `erase-${letters(8)}`;
    const s1 = await live.create(bankAccount(acct, { name: names[0], reference_id: refs[0], metadata: { note: names[0] } }), idem);
    const s2 = await live.create({ type: 'vpa', vpa, rail: 'UPI', name: names[1] });
    const t1 = await test.create(bankAccount(acct, { name: names[2] }));
    const json = await live.http.post('/v1/batches').set(live.auth).send({ items: [bankAccount(acct, { name: names[0], reference_id: refs[1] }), bankAccount(acct, { name: names[0] }), bankAccount(keep.acct, { name: keep.name })] });
    assert.equal(json.status, 202, JSON.stringify(json.body));
    const csv = await live.http.post('/v1/batches').set(live.auth).set('Content-Type', 'text/csv').send(`type,account_number,ifsc,rail,vpa,name,reference_id\nbank_account,${acct},HDFC0000001,IMPS,,${names[0]},${refs[2]}\n`);
    assert.equal(csv.status, 202, JSON.stringify(csv.body));
    for (const v of [s1, s2, t1]) await (v === t1 ? test : live).final(v.id);
    await live.batchDone(json.body.id);
    await live.batchDone(csv.body.id);
    await eventually(async () => receiver.received.length >= 2, 'webhooks', 30_000);
    // Tenant B validates the same account: its copy stays.
    sandbox.setFaults({ answerName: null });
    const bv = await other.final((await other.create(bankAccount(acct, { name: 'Other Tenant' }))).id);
    const storedHash = (await rt.db('idempotency_keys').where({ tenant_id: a.tenantId, idem_key: idem }).first()).request_hash as string;
    assert.notEqual(storedHash, requestFingerprint('POST /v1/validations', bankAccount(acct, { name: names[0], reference_id: refs[0], metadata: { note: names[0] } })), 'the stored request hash is keyed');
    // The scan sees what of the payee is stored in clear while it is there (names and VPAs are sealed: decision 0039).
    const present = await findPersonalData(rt.db, ctx, [echoed, refs[1]!]);
    for (const where of ['webhook_attempts.response_body', 'batch_rows.reference_id', 'validations.reference_id']) {
      assert.ok(present.some((f) => f.startsWith(`${where}:`)), `the scan finds ${where}: ${present.join(', ')}`);
    }
    receiver.setMode({ kind: 'ok' });

    // A test key erases only test data.
    const testOnly = await test.erase({ type: 'bank_account', bank_account: { account_number: acct, ifsc: 'hdfc0000001' } });
    assert.deepEqual(testOnly.modes, ['test']);
    assert.equal(testOnly.counts.matched_validations, 1);
    await test.erased(testOnly.id);
    assert.ok((await rt.db('validations').where({ id: t1.id }).first()).purged_at);
    assert.equal((await rt.db('validations').where({ id: s1.id }).first()).purged_at, null, 'live data untouched by a test key');
    assert.equal((await test.http.get(`/v1/erasure-requests/${testOnly.id}`).set(live.auth)).status, 200, 'a live key reads a test request');

    // The live key erases the account (spaces and dashes as a client may type them) and the VPA.
    const spaced = `${acct.slice(0, 4)} ${acct.slice(4, 8)}-${acct.slice(8)}`;
    const byAccount = await live.erase({ type: 'bank_account', bank_account: { account_number: spaced, ifsc: 'HDFC0000001' } });
    assert.equal(byAccount.status, 'processing');
    assert.deepEqual(byAccount.modes, ['live', 'test']);
    assert.equal(byAccount.counts.matched_validations, 3, 'the single, the JSON batch’s shared row and the CSV row (the test one is gone already)');
    const byVpa = await live.erase({ type: 'vpa', vpa: vpa.toUpperCase() });
    const done = await live.erased(byAccount.id);
    assert.deepEqual(done.counts, { matched_validations: 3, purged_validations: 3, unfinished_failed: 0, batch_rows: 3, webhook_events: 1, idempotency_records: 1 });
    assert.equal((await live.erased(byVpa.id)).counts.purged_validations, 1);

    // Purged where it was, untouched elsewhere.
    const aRows = (await rt.db('validations').where({ tenant_id: a.tenantId })) as V[];
    for (const r of aRows) {
      const isPayee = r.account_last4 === acct.slice(-4) || r.type === 'vpa';
      assert.equal(Boolean(r.purged_at), isPayee, `${r.id} purged only if it is the payee`);
      if (isPayee) assert.equal(r.expected_name_ciphertext, null);
    }
    const kept = aRows.find((r) => r.account_last4 === keep.acct.slice(-4))!;
    assert.equal(kept.purged_at, null);
    const bRow = (await rt.db('validations').where({ id: bv.id }).first()) as V;
    assert.equal(bRow.purged_at, null);
    assert.ok(bRow.account_ciphertext && bRow.expected_name_ciphertext, 'tenant B keeps its ciphertexts');
    assert.deepEqual((await rt.db('batch_rows').whereIn('batch_id', [json.body.id, csv.body.id]).whereNotNull('reference_id').pluck('reference_id')) as string[], [], 'row references of the payee gone');

    // A replay of the idempotent request answers with the purged validation, not a new one.
    const replay = await live.http.post('/v1/validations').set(live.auth).set('Idempotency-Key', idem).send(bankAccount(acct, { name: names[0], reference_id: refs[0], metadata: { note: names[0] } }));
    assert.equal(replay.body.id, s1.id);
    assert.ok(replay.body.purged_at);
    assert.equal(replay.body.name, null);

    // Audited without the payee.
    const audit = (await rt.db('audit_log').where({ tenant_id: a.tenantId }).whereIn('action', ['erasure_request.created', 'erasure_request.completed'])) as V[];
    assert.equal(audit.length, 6);
    // Nothing of the payee is left in clear anywhere: tables, Redis, logs.
    assert.deepEqual(await findPersonalData(rt.db, ctx, [acct, vpa, ...names, holder, ...refs, echoed]), []);
    // What was not the payee still reads whole: the batch's other row, and tenant B's copy of the account.
    const keptView = (await live.http.get(`/v1/validations/${kept.id}`).set(live.auth)).body as V;
    assert.equal(keptView.purged_at, null);
    assert.equal(keptView.name, keep.name);
    assert.equal(keptView.result.registered_name, holder);
    const bView = (await other.http.get(`/v1/validations/${bv.id}`).set(other.auth)).body as V;
    assert.equal(bView.name, 'Other Tenant');
    assert.equal(bView.bank_account.masked_account_number, `XXXXXX${acct.slice(-4)}`);

    // Asking again finds nothing: completed at once.
    const again = await live.erase({ type: 'bank_account', bank_account: { account_number: acct, ifsc: 'HDFC0000001' } });
    assert.equal(again.status, 'completed');
    assert.equal(again.counts.matched_validations, 0);
  });

  it('fails a validation still in progress before purging it; another tenant’s request is a 404', T, async () => {
    const a = await ctx.createTenant('Pending', { mode: 'live' });
    const b = await ctx.createTenant('Nosy', { mode: 'live' });
    const live = client(a.apiKey);
    const acct = account();
    ctx.sim.setLatency(60_000);
    try {
      const v = await live.create(bankAccount(acct, { name: 'Slow Payee' }));
      await eventually(async () => ctx.sim.callsFor(v.id) >= 1, 'the partner call to start', 20_000);
      const r = await live.erase({ type: 'bank_account', bank_account: { account_number: acct, ifsc: 'HDFC0000001' } });
      const done = await live.erased(r.id);
      assert.equal(done.counts.unfinished_failed, 1);
      const row = (await rt.db('validations').where({ id: v.id }).first()) as V;
      assert.equal(row.status, 'failed');
      assert.equal(row.failure_code, 'validation.erased');
      assert.ok(row.purged_at);
      assert.equal((await client(b.apiKey).http.get(`/v1/erasure-requests/${r.id}`).set({ Authorization: `Bearer ${b.apiKey}` })).status, 404);
    } finally {
      ctx.sim.setLatency(0);
    }
    const bad = await live.http.post('/v1/erasure-requests').set(live.auth).send({ type: 'bank_account', bank_account: { account_number: '12', ifsc: 'HDFC0000001' } });
    assert.equal(bad.status, 400);
    assert.doesNotMatch(JSON.stringify(bad.body), /"12"/);
  });
});
