// Retention purges exactly the personal data past a tenant's retention, across validations, batch rows,
// webhook events and answer reuse, and nothing else: not newer rows, not another tenant's. Outcomes are
// the MySQL rows, the API's answers (checked against openapi.yaml), the partner simulator's calls and
// a scan of every table, Redis key and log line for the purged values. The sweep runs with its clock
// moved forward past the cutoff, the one thing a test cannot wait for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createRetentionSweep } from '../../src/privacy/retention-sweep.js';
import { newId } from '../../src/platform/ids.js';
import { newValidationRow } from '../../src/validations/validation-store.js';
import { openEventPayload } from '../../src/webhooks/webhook-payload.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { findPersonalData, uniqueAccount, uniqueLetters } from '../helpers/personal-data-scan.js';

const DAY = 86_400_000;
const T = { timeout: 120_000 };
let ctx: TestContext;
let rt: Runtime;
let receiver: WebhookReceiver;

before(async () => {
  // A long stuck-after: the row planted as in flight must not be recovered by the sweeper before the purge runs.
  ctx = await createTestContext({ PARTNER_CALL_TIMEOUT_MS: '3000', SWEEPER_STUCK_AFTER_MS: '60000' });
  rt = await ctx.start();
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver?.close();
  await ctx.close();
});

const uniqueName = () => `Qadir ${uniqueLetters(7)}`;
type V = Record<string, any>;

async function liveTenant(name: string) {
  const t = await ctx.createTenant(name, { mode: 'live' });
  const http = ctx.http(rt);
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  return {
    ...t,
    http,
    auth,
    async create(body: Record<string, unknown>): Promise<V> {
      const res = await http.post('/v1/validations').set(auth).send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body as V;
    },
    async get(id: string): Promise<V> {
      const res = await http.get(`/v1/validations/${id}`).set(auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as V;
    },
    async final(id: string): Promise<V> {
      return eventually(async () => {
        const v = await this.get(id);
        return v.status === 'completed' || v.status === 'failed' ? v : null;
      }, `validation ${id} final`, 30_000);
    },
  };
}

const SKELETON = ['id', 'tenant_id', 'livemode', 'type', 'rail', 'account_last4', 'ifsc', 'bank_name', 'account_status', 'name_match_score', 'name_match_result', 'partner', 'partner_reference', 'cached', 'created_at', 'completed_at', 'batch_id', 'batch_row_count'];
const PERSONAL = [
  'account_ciphertext', 'account_blind_index', 'vpa', 'expected_name', 'registered_name', 'metadata', 'reference_id',
  'vpa_ciphertext', 'expected_name_ciphertext', 'registered_name_ciphertext', 'metadata_ciphertext',
];
const pick = (row: Record<string, unknown>, cols: string[]) => Object.fromEntries(cols.map((c) => [c, row[c]]));

describe('retention', () => {
  it('purges what is past the tenant’s retention — validations, batch rows, events, reuse pointers — and nothing else', T, async () => {
    const sandbox = ctx.sim.provider('sandbox');
    const a = await liveTenant('Old data');
    const b = await liveTenant('Other tenant');
    const patched = await a.http.patch('/v1/settings').set(a.auth).send({ retention_days: 31 });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.retention_days, 31);
    assert.equal((await b.http.get('/v1/settings').set(b.auth)).body.retention_days, 180, 'the service default');

    // What must disappear: every value below is unique to tenant A's old rows.
    const oldHolder = `ZEBEDIAH ${uniqueLetters(8).toUpperCase()}`;
    const acct1 = uniqueAccount();
    const acct2 = uniqueAccount('4411');
    const vpa1 = `${uniqueLetters(9)}.pay@okaxis`;
    const vpa2 = `${uniqueLetters(9)}.batch@okicici`;
    const names = [uniqueName(), uniqueName(), uniqueName(), uniqueName()];
    const refs = [`ref-${uniqueLetters(10)}`, `row-${uniqueLetters(10)}`, `row-${uniqueLetters(10)}`];
    const meta = [`note ${uniqueLetters(10)}`, `batchnote ${uniqueLetters(10)}`];
    const echoed = `echo ${uniqueLetters(12)}`;

    const endpoint = await a.http.post('/v1/webhook-endpoints').set(a.auth).send({ url: receiver.url, events: ['validation.completed', 'validation.failed', 'batch.completed'] });
    assert.equal(endpoint.status, 201);
    receiver.setMode({ kind: 'status', status: 200, body: echoed });
    sandbox.setFaults({ answerName: oldHolder });
    const s1 = await a.create(bankAccount(acct1, { name: names[0], reference_id: refs[0], metadata: { note: meta[0] } }));
    const s2 = await a.create({ type: 'vpa', vpa: vpa1, rail: 'UPI', name: names[1] });
    const batch = await a.http.post('/v1/batches').set(a.auth).send({
      metadata: { note: meta[1] },
      items: [
        bankAccount(acct2, { name: names[2], reference_id: refs[1] }),
        bankAccount(acct2, { name: names[2], reference_id: refs[2] }),
        { type: 'vpa', vpa: vpa2, rail: 'UPI', name: names[3] },
      ],
    });
    assert.equal(batch.status, 202, JSON.stringify(batch.body));
    for (const v of [s1, s2]) assert.equal((await a.final(v.id)).status, 'completed');
    await eventually(async () => (await a.http.get(`/v1/batches/${batch.body.id}`).set(a.auth)).body.status === 'completed', 'the batch to complete', 30_000);
    await eventually(async () => receiver.received.length >= 3, 'the webhooks to arrive', 30_000);
    // Tenant B validates the same account: its copy must survive.
    sandbox.setFaults({ answerName: null });
    const bOld = await b.create(bankAccount(acct1, { name: 'Kept Name' }));
    await b.final(bOld.id);
    // An old row still unfinished (planted just before the sweep, below, as a worker would hold it).
    const stuck = { id: newId('val'), vpa: `${uniqueLetters(9)}.stuck@okaxis`, name: uniqueName() };
    await new Promise((r) => setTimeout(r, 5)); // ids carry milliseconds: the cutoff's own millisecond is after it
    const cutoff = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    const fresh = await a.create(bankAccount(uniqueAccount(), { name: 'Fresh Payee', reference_id: 'fresh-ref' }));

    // From here on receivers answer without echoing anything (the echo above is what must be purged).
    receiver.setMode({ kind: 'ok' });
    await eventually(async () => (await a.get(fresh.id)).status === 'completed', 'the fresh validation to complete', 30_000);
    // A row as written before decision 0039, with its VPA and name in clear.
    const plantedAt = new Date();
    const noSeals = { vpaCiphertext: null, expectedNameCiphertext: null, metadataCiphertext: null };
    await rt.db('validations').insert({
      ...newValidationRow({ id: stuck.id, tenantId: a.tenantId, livemode: true, type: 'vpa', rail: 'UPI', accountCiphertext: null, accountBlindIndex: null, accountLast4: null, ifsc: null, bankName: null, vpa: stuck.vpa, expectedName: stuck.name, referenceId: null, metadata: null, sealed: noSeals }, plantedAt),
      vpa: stuck.vpa,
      expected_name: stuck.name,
      status: 'processing',
      processing_started_at: plantedAt,
      attempts: 1,
    });
    // The scan finds these values while they are there (so its empty answer below means something).
    const planted = await findPersonalData(rt.db, ctx, [stuck.name, stuck.vpa, echoed, refs[1]!]);
    for (const where of ['validations.expected_name', 'validations.vpa', 'webhook_attempts.response_body', 'batch_rows.reference_id']) {
      assert.ok(planted.some((f) => f.startsWith(`${where}:`)), `the scan finds ${where}`);
    }
    const aIds = (await rt.db('validations').where({ tenant_id: a.tenantId }).where('id', '<', fresh.id).pluck('id')) as string[];
    assert.equal(aIds.length, 5, 'two singles, two batch validations (one shared by duplicate rows), one unfinished');
    const before = new Map((await rt.db('validations').whereIn('id', aIds)).map((r: V) => [r.id, r]));
    const oldDeliveries = rt.db('webhook_deliveries').whereIn('event_id', rt.db('webhook_events').whereIn('object_id', [...aIds, batch.body.id]).select('id')).select('id');
    const attemptsBefore = (await rt.db('webhook_attempts').whereIn('delivery_id', oldDeliveries).pluck('id')) as number[];
    assert.ok(attemptsBefore.length >= 3);
    assert.ok((await rt.db('partner_answers').whereIn('validation_id', aIds)).length >= 3, 'the answers were reusable');

    const sweep = createRetentionSweep({
      db: rt.db,
      logger: ctx.logger,
      defaultDays: 180,
      pageSize: 2,
      pauseMs: 0,
      scanEveryMs: 60_000,
      failUnfinished: rt.failValidations!,
      now: () => new Date(cutoff + 31 * DAY),
    });
    await sweep.run(() => false);

    // Validations: personal columns gone, the skeleton as it was, the unfinished one failed first.
    for (const id of aIds) {
      const row = (await rt.db('validations').where({ id }).first()) as V;
      assert.ok(row.purged_at, `${id} purged (${id === stuck.id ? "the unfinished one" : "old"}, ${row.status} ${row.failure_code})`);
      assert.deepEqual(pick(row, PERSONAL), Object.fromEntries(PERSONAL.map((c) => [c, null])));
      if (id === stuck.id) {
        assert.equal(row.status, 'failed');
        assert.equal(row.failure_code, 'validation.expired');
      } else assert.deepEqual(pick(row, SKELETON), pick(before.get(id)!, SKELETON));
    }
    const freshRow = (await rt.db('validations').where({ id: fresh.id }).first()) as V;
    assert.equal(freshRow.purged_at, null);
    assert.ok(freshRow.expected_name_ciphertext);
    assert.equal((await a.get(fresh.id)).name, 'Fresh Payee');
    assert.ok(freshRow.account_ciphertext);
    const bRow = (await rt.db('validations').where({ id: bOld.id }).first()) as V;
    assert.equal(bRow.purged_at, null, 'another tenant keeps its own retention');
    assert.equal((await b.get(bOld.id)).name, 'Kept Name');

    // Batch: metadata and row references gone, counts intact.
    const batchRow = (await rt.db('batches').where({ id: batch.body.id }).first()) as V;
    assert.ok(batchRow.purged_at);
    assert.equal(batchRow.metadata, null);
    assert.equal(batchRow.metadata_ciphertext, null);
    const batchView = await a.http.get(`/v1/batches/${batch.body.id}`).set(a.auth);
    assert.equal(batchView.body.counts.completed, 3, 'the counts stay');
    assert.ok(batchView.body.purged_at);
    assert.equal(batchView.body.metadata, null);
    assert.deepEqual((await rt.db('batch_rows').where({ batch_id: batch.body.id }).pluck('reference_id')) as unknown[], [null, null, null]);

    // Events: stubs naming only the object; receivers' echoes gone; reuse pointers gone.
    const events = (await rt.db('webhook_events').where({ tenant_id: a.tenantId }).whereIn('object_id', [...aIds, batch.body.id])) as V[];
    assert.ok(events.length >= 4, 'three singles (one failed by the purge) and the batch');
    const freshEvent = (await rt.db('webhook_events').where({ object_id: fresh.id }).first()) as V;
    assert.equal(freshEvent.purged_at, null);
    assert.match(openEventPayload(rt.cipher, freshEvent.id, freshEvent.payload), /Fresh Payee/);
    for (const e of events) {
      assert.ok(e.purged_at);
      const payload = JSON.parse(e.payload);
      assert.deepEqual(Object.keys(payload.data).sort(), ['id', 'livemode', 'object', 'purged_at']);
      assert.equal(payload.data.id, e.object_id);
    }
    // Answers stored before the purge are gone (a delivery after it carries only a stub).
    const attempts = (await rt.db('webhook_attempts').whereIn('id', attemptsBefore)) as V[];
    assert.deepEqual(attempts.map((x) => x.response_body), attemptsBefore.map(() => null));
    assert.equal((await rt.db('partner_answers').whereIn('validation_id', aIds)).length, 0);

    // The API reads them as purged (the contract checker validates every answer).
    const seen = await a.get(s1.id);
    assert.ok(seen.purged_at);
    assert.equal(seen.name, null);
    assert.equal(seen.reference_id, null);
    assert.equal(seen.metadata, null);
    assert.equal(seen.result.registered_name, null);
    assert.equal(seen.result.account_status, before.get(s1.id)!.account_status);
    assert.equal(seen.bank_account.masked_account_number, `XXXXXX${acct1.slice(-4)}`);
    assert.equal((await a.get(s2.id)).vpa, null);
    const results = await a.http.get(`/v1/batches/${batch.body.id}/results`).set(a.auth).set('Accept', 'text/csv').buffer(true);
    assert.equal(results.status, 200);
    assert.equal(results.text.trim().split('\n').length, 4, 'a header and three rows, with their outcomes');
    const deliveries = await a.http.get('/v1/webhook-deliveries').set(a.auth);
    const one = await a.http.get(`/v1/webhook-deliveries/${deliveries.body.data.at(-1).id}`).set(a.auth);
    assert.equal(one.status, 200);
    assert.ok(one.body.payload.data.purged_at);
    assert.ok(one.body.attempt_log.every((x: V) => x.response_body === null || x.response_body === undefined));
    const audit = (await rt.db('audit_log').where({ tenant_id: a.tenantId, action: 'retention.purged' })) as V[];
    assert.equal(audit.length, 1);
    const details = audit[0]!.details;
    assert.deepEqual(typeof details === 'string' ? JSON.parse(details) : details, { livemode: true, retention_days: 31, validations: 5, batches: 1, unfinished_failed: 1 });

    // Nothing of it is left anywhere: tables, Redis, logs.
    const purgedValues = [acct1, acct2, vpa1, vpa2, stuck.vpa, stuck.name, ...names, ...refs, ...meta, oldHolder, echoed];
    assert.deepEqual(await findPersonalData(rt.db, ctx, purgedValues), []);

    // A second pass finds nothing more to do, and audits nothing.
    await sweep.run(() => false);
    assert.equal((await rt.db('audit_log').where({ tenant_id: a.tenantId, action: 'retention.purged' })).length, 1);

    // Reuse never serves a purged answer: the same payee with max_age calls the partner again…
    const again = await a.final((await a.create(bankAccount(acct1, { name: 'Again', max_age: 2_592_000 }))).id);
    assert.equal(again.result.cached, false);
    assert.equal(ctx.sim.callsFor(again.id), 1);
    // …while tenant B's unpurged answer of the same account is still reused.
    const bAgain = await b.final((await b.create(bankAccount(acct1, { name: 'Kept Name', max_age: 2_592_000 }))).id);
    assert.equal(bAgain.result.cached, true);
    assert.doesNotMatch(ctx.logs.text(), /leader duty failed/);
  });

  it('refuses a retention shorter than answer reuse and idempotency can reach back', T, async () => {
    const t = await liveTenant('Bounds');
    for (const days of [30, 0, 3651, 45.5]) {
      const res = await t.http.patch('/v1/settings').set(t.auth).send({ retention_days: days });
      assert.equal(res.status, 400, `retention_days ${days}`);
      assert.equal(res.body.error.code, 'request.invalid');
    }
    const reset = await t.http.patch('/v1/settings').set(t.auth).send({ retention_days: null });
    assert.equal(reset.body.retention_days, 180);
  });
});
