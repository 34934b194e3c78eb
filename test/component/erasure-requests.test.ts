// Erasure of one payee: found through the blind index across single validations, JSON and CSV batch
// rows, webhook events and idempotent answers, in both modes for a live key, and purged by the
// leader's runner; another tenant's copy of the same payee is untouched. Outcomes are MySQL rows, the
// API's answers (checked against openapi.yaml), the audit log and a scan of every table, Redis key
// and log line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { requestFingerprint } from '../../src/platform/idempotency.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { erasureClient, type V } from '../helpers/erasure-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { findPersonalData, uniqueAccount, uniqueLetters } from '../helpers/personal-data-scan.js';

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

const client = (apiKey: string) => erasureClient(ctx, rt, apiKey);

describe('erasure requests', () => {
  it('find one payee across singles, batches, events and replays in both modes, and purge it there only', T, async () => {
    const a = await ctx.createTenant('Erasing', { mode: 'live' });
    const b = await ctx.createTenant('Keeping', { mode: 'live' });
    const aTest = await createTenantService(rt.db, 'test').createKey(a.tenantId, 'test');
    const live = client(a.apiKey);
    const test = client(aTest.apiKey);
    const other = client(b.apiKey);

    const acct = uniqueAccount();
    const vpa = `${uniqueLetters(9)}.erase@okaxis`;
    const names = [`Qadir ${uniqueLetters(7)}`, `Qadir ${uniqueLetters(7)}`, `Qadir ${uniqueLetters(7)}`];
    const holder = `ZEBEDIAH ${uniqueLetters(8).toUpperCase()}`;
    const refs = [`ref-${uniqueLetters(10)}`, `row-${uniqueLetters(10)}`, `csv-${uniqueLetters(10)}`];
    const echoed = `echo ${uniqueLetters(12)}`;
    const keep = { acct: uniqueAccount('4411'), name: `Keepme ${uniqueLetters(6)}` };

    const endpoint = await live.http.post('/v1/webhook-endpoints').set(live.auth).send({ url: receiver.url, events: ['validation.completed', 'validation.failed'] });
    assert.equal(endpoint.status, 201);
    receiver.setMode({ kind: 'status', status: 200, body: echoed });
    const sandbox = ctx.sim.provider('sandbox');
    sandbox.setFaults({ answerName: holder });
    const idem = `erase-${uniqueLetters(8)}`;
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
    // The request is answered at once; the runner finds and purges.
    assert.equal(testOnly.status, 'processing');
    assert.equal(testOnly.counts.matched_validations, 0);
    assert.equal((await test.erased(testOnly.id)).counts.matched_validations, 1);
    assert.ok((await rt.db('validations').where({ id: t1.id }).first()).purged_at);
    assert.equal((await rt.db('validations').where({ id: s1.id }).first()).purged_at, null, 'live data untouched by a test key');
    assert.equal((await test.http.get(`/v1/erasure-requests/${testOnly.id}`).set(live.auth)).status, 200, 'a live key reads a test request');

    // The live key erases the account (spaces and dashes as a client may type them) and the VPA.
    const spaced = `${acct.slice(0, 4)} ${acct.slice(4, 8)}-${acct.slice(8)}`;
    const byAccount = await live.erase({ type: 'bank_account', bank_account: { account_number: spaced, ifsc: 'HDFC0000001' } });
    assert.equal(byAccount.status, 'processing');
    assert.deepEqual(byAccount.modes, ['live', 'test']);
    const byVpa = await live.erase({ type: 'vpa', vpa: vpa.toUpperCase() });
    const done = await live.erased(byAccount.id);
    // The single, the JSON batch’s shared row and the CSV row (the test one is gone already).
    assert.deepEqual(done.counts, { matched_validations: 3, purged_validations: 3, unfinished_failed: 0, batch_rows: 3, webhook_events: 1, idempotency_records: 1 });
    assert.equal((await live.erased(byVpa.id)).counts.purged_validations, 1);
    // Counted by reason: 1 test row, 3 account rows and 1 VPA row, all by erasure.
    const metrics = await rt.metrics.metrics();
    assert.match(metrics, /payval_personal_data_purged_total\{table="validations",reason="erasure",role="all"\} 5\n/);
    assert.match(metrics, /payval_personal_data_purged_total\{table="batch_rows",reason="erasure",role="all"\} 3\n/);

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

    // Asking again finds nothing, and the request keeps no trace of the payee.
    const again = await live.erased((await live.erase({ type: 'bank_account', bank_account: { account_number: acct, ifsc: 'HDFC0000001' } })).id);
    assert.equal(again.counts.matched_validations, 0);
    assert.deepEqual((await rt.db('erasure_requests').where({ tenant_id: a.tenantId }).whereNotNull('payee_ciphertext').pluck('id')) as string[], []);
  });

  it('fails a validation still in progress before purging it; another tenant’s request is a 404', T, async () => {
    const a = await ctx.createTenant('Pending', { mode: 'live' });
    const b = await ctx.createTenant('Nosy', { mode: 'live' });
    const live = client(a.apiKey);
    const acct = uniqueAccount();
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
